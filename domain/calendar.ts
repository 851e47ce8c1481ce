/**
 * The working-day calendar and statutory deadlines (DESIGN §3 "Working days and deadlines"). Pure: built from
 * calendar data (per year: holidays and make-up working days, 调休), no I/O, safe inside workflows.
 *
 * The legal rule for "within N working days" (民法典 art. 201, 203; 行政许可法 art. 82): the day of receipt does
 * not count, counting starts the next day, only working days count, and the deadline is 24:00 Asia/Shanghai of
 * the N-th working day, i.e. 00:00 of the following calendar day. China has no DST: Shanghai is UTC+8 all year.
 *
 * A year without official data falls back to Monday–Friday, but any result that relied on such a year is flagged
 * `provisional`, so that no deadline is ever silently computed from weekdays alone.
 */

export interface CalendarDay {
  /** `YYYY-MM-DD`, a Shanghai calendar date. */
  date: string;
  /** e.g. 春节, 国庆节. */
  name: string;
}

export interface CalendarYearData {
  year: number;
  /** Days off: every day of a holiday period, weekends inside it included. */
  holidays: CalendarDay[];
  /** Make-up working days (调休上班): weekend days that are working days. */
  workdays: CalendarDay[];
}

export interface DeadlineResult {
  dueAt: Date;
  /** True when a day counted over lies in a year without calendar data (Mon–Fri was assumed there). */
  provisional: boolean;
}

export type DayKind = 'holiday' | 'workday' | 'weekday' | 'weekend';

export interface DayInfo {
  date: string;
  working: boolean;
  /** `holiday` and `workday` come from the data; `weekday` and `weekend` are the plain week. */
  kind: DayKind;
  name: string | null;
  /** The year of this date has no calendar data. */
  provisional: boolean;
}

export interface CalendarProblem {
  /** Where, e.g. `holidays.3.date`. */
  field: string;
  rule: string;
  message: string;
}

const DAY_MS = 24 * 3600 * 1000;
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The longest N the calendar walks; far beyond any statutory period, it bounds a runaway loop. */
export const MAX_WORKING_DAYS = 3660;

/**
 * Office hours for working-hour deadlines (internal service levels such as "reply within 4 working hours", not
 * statutory periods): 09:00–12:00 and 13:00–17:00 Shanghai on working days, 7 hours a day. Unlike the day rule,
 * counting starts at receipt itself; outside office hours it starts at the next office period.
 */
export const OFFICE_PERIODS: ReadonlyArray<{ start: number; end: number }> = [
  { start: 9 * 60, end: 12 * 60 },
  { start: 13 * 60, end: 17 * 60 },
];

/** Whether `value` is a real calendar date written `YYYY-MM-DD` (2026-02-30 is not). */
export function isIsoDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function assertIsoDate(date: string): void {
  if (!isIsoDate(date)) throw new Error(`not a date (YYYY-MM-DD): ${JSON.stringify(date)}`);
}

/** Milliseconds of 00:00 UTC on `date`; the arithmetic below works on these, free of any time zone. */
function utcMidnight(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

function fromUtcMidnight(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `date` plus `days` calendar days. */
export function addCalendarDays(date: string, days: number): string {
  return fromUtcMidnight(utcMidnight(date) + days * DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(utcMidnight(date)).getUTCDay();
}

export function isWeekend(date: string): boolean {
  const d = dayOfWeek(date);
  return d === 0 || d === 6;
}

/** The Shanghai calendar date of an instant. */
export function shanghaiDateOf(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant of 00:00 Shanghai on `date`. */
export function startOfShanghaiDay(date: string): Date {
  return new Date(utcMidnight(date) - SHANGHAI_OFFSET_MS);
}

/** 24:00 Shanghai on `date`, which is the instant 00:00 of the next day. */
export function endOfShanghaiDay(date: string): Date {
  return new Date(utcMidnight(date) + DAY_MS - SHANGHAI_OFFSET_MS);
}

function assertValidInstant(at: Date, what: string): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new Error(`${what} is not a valid time`);
}

function assertCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, got ${n}`);
  if (n > MAX_WORKING_DAYS) throw new Error(`${what} must be at most ${MAX_WORKING_DAYS}, got ${n}`);
}

/**
 * Checks one year's data as an administrator enters it: dates real and inside the year, no date twice, no date
 * both a holiday and a make-up working day, make-up working days on Saturdays or Sundays only, names present.
 */
export function validateCalendarYear(data: CalendarYearData): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  if (!Number.isInteger(data.year) || data.year < 1949 || data.year > 9999) {
    problems.push({ field: 'year', rule: 'range', message: '年份须为 1949–9999 之间的整数' });
    return problems;
  }
  const seen = new Map<string, string>();
  for (const list of ['holidays', 'workdays'] as const) {
    data[list].forEach((day, i) => {
      const at = `${list}.${i}`;
      if (!isIsoDate(day.date)) {
        problems.push({
          field: `${at}.date`,
          rule: 'date',
          message: `“${day.date}”不是有效日期（YYYY-MM-DD）`,
        });
        return;
      }
      if (Number(day.date.slice(0, 4)) !== data.year) {
        problems.push({
          field: `${at}.date`,
          rule: 'year',
          message: `${day.date} 不在 ${data.year} 年内`,
        });
      }
      const earlier = seen.get(day.date);
      if (earlier === list) {
        problems.push({ field: `${at}.date`, rule: 'duplicate', message: `${day.date} 重复` });
      } else if (earlier) {
        problems.push({
          field: `${at}.date`,
          rule: 'holiday_and_workday',
          message: `${day.date} 不能既是节假日又是调休上班日`,
        });
      }
      seen.set(day.date, list);
      if (list === 'workdays' && !isWeekend(day.date)) {
        problems.push({
          field: `${at}.date`,
          rule: 'weekend',
          message: `调休上班日须为周六或周日，${day.date} 不是`,
        });
      }
      if (day.name.trim().length === 0) {
        problems.push({ field: `${at}.name`, rule: 'required', message: '名称不能为空' });
      }
    });
  }
  return problems;
}

export class WorkingCalendar {
  private readonly yearsWithData = new Set<number>();
  private readonly days = new Map<string, { kind: 'holiday' | 'workday'; name: string }>();

  /** Throws if any year's data is invalid (see validateCalendarYear) or a year is given twice. */
  constructor(years: readonly CalendarYearData[]) {
    for (const data of years) {
      if (this.yearsWithData.has(data.year)) throw new Error(`calendar year ${data.year} given twice`);
      const problems = validateCalendarYear(data);
      if (problems.length > 0) {
        throw new Error(
          `calendar ${data.year}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
        );
      }
      this.yearsWithData.add(data.year);
      for (const d of data.holidays) this.days.set(d.date, { kind: 'holiday', name: d.name });
      for (const d of data.workdays) this.days.set(d.date, { kind: 'workday', name: d.name });
    }
  }

  /** The years that have official data, ascending. */
  years(): number[] {
    return [...this.yearsWithData].sort((a, b) => a - b);
  }

  hasDataFor(year: number): boolean {
    return this.yearsWithData.has(year);
  }

  dayInfo(date: string): DayInfo {
    assertIsoDate(date);
    const provisional = !this.hasDataFor(Number(date.slice(0, 4)));
    const listed = this.days.get(date);
    if (listed)
      return { date, working: listed.kind === 'workday', kind: listed.kind, name: listed.name, provisional };
    const weekend = isWeekend(date);
    return { date, working: !weekend, kind: weekend ? 'weekend' : 'weekday', name: null, provisional };
  }

  isWorkingDay(date: string): boolean {
    return this.dayInfo(date).working;
  }

  /**
   * The deadline of "within `n` working days" for something received at `receivedAt`: 24:00 Shanghai of the n-th
   * working day after the day of receipt. n = 0 means "the same day": 24:00 of the day of receipt, whether or not
   * that is a working day; no day is counted, so it is never provisional.
   */
  addWorkingDays(receivedAt: Date, n: number): DeadlineResult {
    assertValidInstant(receivedAt, 'receivedAt');
    assertCount(n, 'working days');
    let date = shanghaiDateOf(receivedAt);
    let provisional = false;
    for (let counted = 0; counted < n;) {
      date = addCalendarDays(date, 1);
      const day = this.dayInfo(date);
      provisional ||= day.provisional;
      if (day.working) counted++;
    }
    return { dueAt: endOfShanghaiDay(date), provisional };
  }

  /**
   * The instant at which `hours` office hours (see OFFICE_PERIODS) have passed since `receivedAt`. Counting starts
   * at receipt if that is within office hours on a working day, else at the next office period; a deadline that
   * lands exactly on the end of a period is that end (12:00 or 17:00), not the next start. 0 hours is receipt.
   */
  addWorkingHours(receivedAt: Date, hours: number): DeadlineResult {
    assertValidInstant(receivedAt, 'receivedAt');
    assertCount(hours, 'working hours');
    if (hours === 0) return { dueAt: new Date(receivedAt.getTime()), provisional: false };
    let remainingMs = hours * 3600 * 1000;
    let date = shanghaiDateOf(receivedAt);
    // Milliseconds since Shanghai midnight of `date`, the point from which the day's office time still counts.
    let from = receivedAt.getTime() - startOfShanghaiDay(date).getTime();
    let provisional = false;
    for (;;) {
      const day = this.dayInfo(date);
      if (day.working) {
        for (const period of OFFICE_PERIODS) {
          const start = Math.max(period.start * 60_000, from);
          const end = period.end * 60_000;
          if (start >= end) continue;
          provisional ||= day.provisional;
          if (end - start >= remainingMs) {
            return { dueAt: new Date(startOfShanghaiDay(date).getTime() + start + remainingMs), provisional };
          }
          remainingMs -= end - start;
        }
      } else {
        provisional ||= day.provisional;
      }
      date = addCalendarDays(date, 1);
      from = 0;
    }
  }

  /**
   * Working days d with `from` < d ≤ `to` (Shanghai dates), negative when `to` is before `from`: the count that
   * addWorkingDays walks, so addWorkingDays(at, n) ends on the date d with workingDaysBetween(date of at, d) = n.
   * For "time left": workingDaysBetween(today, date of the deadline's last day).
   */
  workingDaysBetween(from: string, to: string): { days: number; provisional: boolean } {
    assertIsoDate(from);
    assertIsoDate(to);
    const sign = to >= from ? 1 : -1;
    const [lo, hi] = sign === 1 ? [from, to] : [to, from];
    if (utcMidnight(hi) - utcMidnight(lo) > (MAX_WORKING_DAYS * 2 + 14) * DAY_MS) {
      throw new Error(`span ${from}..${to} is too long`);
    }
    let days = 0;
    let provisional = false;
    for (let date = addCalendarDays(lo, 1); date <= hi; date = addCalendarDays(date, 1)) {
      const day = this.dayInfo(date);
      provisional ||= day.provisional;
      if (day.working) days++;
    }
    return { days: sign * days, provisional };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Deadlines as the platform keeps them, from calendar to page

/**
 * A deadline in the one form the platform stores, passes and shows: its instant (ISO 8601, UTC) and whether it
 * relied on a year without calendar data. Computed once by `deadlineFor`; judged by `isOverdue` and `timeLeftMs`.
 */
export interface Deadline {
  dueAt: string;
  provisional: boolean;
}

/** A period: N working days (statutory, DESIGN §3) or N working hours (office hours, internal service levels). */
export type DeadlineSpan = { workingDays: number } | { workingHours: number };

/** The deadline of a period received at `from`: the only place that chooses between days and hours. */
export function deadlineFor(calendar: WorkingCalendar, from: Date | string, span: DeadlineSpan): Deadline {
  const start = new Date(from);
  const result =
    'workingDays' in span
      ? calendar.addWorkingDays(start, span.workingDays)
      : calendar.addWorkingHours(start, span.workingHours);
  return { dueAt: result.dueAt.toISOString(), provisional: result.provisional };
}

/** Whether a deadline has passed at `now` (the instant itself still counts as in time: 24:00 is not late). */
export function isOverdue(dueAt: string | Date | null | undefined, now: Date): boolean {
  return !!dueAt && new Date(dueAt).getTime() < now.getTime();
}

/** Milliseconds from `now` to the deadline, negative once overdue; null without one. */
export function timeLeftMs(dueAt: string | Date | null | undefined, now: Date): number | null {
  return dueAt ? new Date(dueAt).getTime() - now.getTime() : null;
}
