/**
 * The working-day calendar for the API and the web pages: deadlines for anyone, the stored years for signed-in
 * users, and a platform administrator's edit of a year (DESIGN §3).
 */
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import {
  calendarCacheOf,
  loadCalendarYear,
  loadCalendarYears,
  replaceCalendarYear,
  StoredCalendarYear,
} from '../../db/calendar';
import {
  CalendarDay,
  CalendarYearData,
  Deadline,
  deadlineFor,
  validateCalendarYear,
  WorkingCalendar,
} from '../../domain/calendar';
import { requireRole } from '../auth';
import { cityWideRefusal } from '../city-wide';
import type { AppContext } from '../context';
import { badRequest, FieldProblem, forbidden } from '../errors';
import { actorOf, Principal } from '../principal';
import { problemsOf } from '../validation';
import { retimeRunningDeadlines } from './calendar-retime';

/** Deadlines are asked for periods up to a year; anything longer is a mistake, not a statutory period. */
export const MAX_DEADLINE_DAYS = 366;
/** A year of office hours (7 a day). */
export const MAX_DEADLINE_HOURS = 366 * 7;

const count = (max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, `须为 0 到 ${max} 之间的整数`)
    .transform(Number)
    .pipe(z.number().int().max(max, `须为 0 到 ${max} 之间的整数`));

export const DeadlineQuery = z
  .object({
    from: z.iso
      .datetime({
        offset: true,
        message: '须为带时区的 ISO 8601 时间，如 2026-02-13T10:00:00+08:00',
      })
      // Keeps every date the walk reaches a four-digit year.
      .refine((v) => new Date(v).getUTCFullYear() >= 1900 && new Date(v).getUTCFullYear() <= 9000, {
        message: '须在 1900 年至 9000 年之间',
      }),
    workingDays: count(MAX_DEADLINE_DAYS).optional(),
    workingHours: count(MAX_DEADLINE_HOURS).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.workingDays === undefined && q.workingHours === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['workingDays'],
        message: '请给出工作日数（或 workingHours 工作小时数）',
      });
    } else if (q.workingDays !== undefined && q.workingHours !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['workingHours'], message: '工作日数与工作小时数只能给出一个' });
    }
  });
export type DeadlineQuery = z.infer<typeof DeadlineQuery>;

export const CalendarYearParam = z
  .string()
  .regex(/^\d{4}$/, '须为四位年份')
  .transform(Number)
  .pipe(z.number().int().min(1949, '须为 1949–9999 之间的年份'));

const DayEntry = z
  .object({
    date: z.string().max(20),
    name: z.string().trim().min(1, '名称不能为空').max(40),
  })
  .strict();

export const CalendarYearBody = z
  .object({
    holidays: z.array(DayEntry).max(366),
    workdays: z.array(DayEntry).max(366),
  })
  .strict();
export type CalendarYearBody = z.infer<typeof CalendarYearBody>;

export interface CalendarYearView {
  year: number;
  hasData: boolean;
  source: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
  holidays: CalendarDay[];
  workdays: CalendarDay[];
}

export type CalendarYearSummary = Omit<CalendarYearView, 'holidays' | 'workdays'> & {
  holidays: number;
  workdays: number;
};

export type DeadlineView = Deadline;

export class CalendarService {
  constructor(private readonly ctx: AppContext) {}

  /** The stored calendar (cached until a year is added or edited). */
  calendar(): Promise<WorkingCalendar> {
    return calendarCacheOf(this.ctx.orm).get(this.ctx.em());
  }

  async deadline(query: DeadlineQuery): Promise<DeadlineView> {
    const span =
      query.workingDays !== undefined
        ? { workingDays: query.workingDays }
        : { workingHours: query.workingHours ?? 0 };
    return deadlineFor(await this.calendar(), query.from, span);
  }

  /** The years with data, each with how many days it lists. */
  async years(): Promise<CalendarYearSummary[]> {
    const stored = await loadCalendarYears(this.ctx.em());
    return stored.map((v) => ({
      ...viewOf(v.year, v),
      holidays: v.holidays.length,
      workdays: v.workdays.length,
    }));
  }

  async year(year: number): Promise<CalendarYearView> {
    const stored = await loadCalendarYear(this.ctx.em(), year);
    return { ...viewOf(year, stored), holidays: stored?.holidays ?? [], workdays: stored?.workdays ?? [] };
  }

  /**
   * Replaces a year's holidays and make-up working days (platform administrators only; the role is checked before
   * the body is looked at). All or nothing: invalid input changes nothing; the change and its audit event commit
   * together. Every attempt is audited as `calendar.update`.
   */
  async updateYear(
    principal: Principal,
    year: number,
    input: unknown,
    meta: { requestId?: string; ip?: string },
  ): Promise<CalendarYearView> {
    const audit = (
      em: ReturnType<AppContext['em']>,
      outcome: 'success' | 'denied' | 'rejected',
      details: Record<string, unknown>,
    ) =>
      recordAudit(em, {
        actor: actorOf(principal),
        action: 'calendar.update',
        targetType: 'calendar_year',
        targetId: String(year),
        outcome,
        details,
        requestId: meta.requestId,
        ip: meta.ip,
      });
    try {
      requireRole(principal, 'platform_admin');
    } catch (err) {
      await audit(this.ctx.em(), 'denied', { reason: 'platform_admin role required' });
      (err as { audited?: boolean }).audited = true;
      throw err;
    }
    // Every deadline in the city counts on this calendar: only the city's top management unit may change it.
    const refusal = await cityWideRefusal(this.ctx, principal, '工作日历');
    if (refusal) {
      await audit(this.ctx.em(), 'denied', { reason: refusal });
      const error = forbidden(refusal);
      error.audited = true;
      throw error;
    }
    const parsed = CalendarYearBody.safeParse(input ?? {});
    const problems: FieldProblem[] = parsed.success
      ? validateCalendarYear({ year, ...parsed.data })
      : problemsOf(parsed.error);
    if (!parsed.success || problems.length > 0) {
      await audit(this.ctx.em(), 'rejected', { problems: problems.map((p) => `${p.field}: ${p.rule}`) });
      throw badRequest(problems);
    }
    const body = parsed.data;
    const data: CalendarYearData = {
      year,
      holidays: sortDays(body.holidays),
      workdays: sortDays(body.workdays),
    };
    const before = await loadCalendarYear(this.ctx.em(), year);
    await this.ctx.em().transactional(async (tx) => {
      await replaceCalendarYear(tx, data, principal.username);
      await audit(tx, 'success', {
        holidays: data.holidays.length,
        workdays: data.workdays.length,
        previousSource: before?.source ?? null,
        ...changes(before, data),
      });
    });
    // Issue 10: running deadlines in (or walked through) the year are computed again by their workflows.
    const retimed = await retimeRunningDeadlines(this.ctx, year);
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action: 'calendar.retime',
      targetType: 'calendar_year',
      targetId: String(year),
      outcome: retimed.failed.length ? 'failed' : 'success',
      details: { signalled: retimed.signalled, failed: retimed.failed },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    return this.year(year);
  }
}

function viewOf(
  year: number,
  stored: StoredCalendarYear | null,
): Omit<CalendarYearView, 'holidays' | 'workdays'> {
  return {
    year,
    hasData: stored !== null,
    source: stored?.source ?? null,
    updatedAt: stored?.updatedAt.toISOString() ?? null,
    updatedBy: stored?.updatedBy ?? null,
  };
}

function sortDays(days: CalendarDay[]): CalendarDay[] {
  return [...days].map((d) => ({ date: d.date, name: d.name })).sort((a, b) => a.date.localeCompare(b.date));
}

/** What the edit changed, for the audit log: `kind date name` entries added and removed. */
function changes(
  before: CalendarYearData | null,
  after: CalendarYearData,
): { added: string[]; removed: string[] } {
  const entries = (d: CalendarYearData | null) =>
    new Set(
      d
        ? [
            ...d.holidays.map((x) => `holiday ${x.date} ${x.name}`),
            ...d.workdays.map((x) => `workday ${x.date} ${x.name}`),
          ]
        : [],
    );
  const b = entries(before);
  const a = entries(after);
  return { added: [...a].filter((x) => !b.has(x)), removed: [...b].filter((x) => !a.has(x)) };
}
