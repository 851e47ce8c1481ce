/**
 * The working-day calendar and the statutory deadline rule (DESIGN §3), on the real seed data from `chinese-days`
 * (so these also pin the seed) and on hand-made years.
 */
import { CALENDAR_SEED_SOURCE, chineseDaysCalendar } from '../../db/calendar-seed';
import {
  CalendarYearData,
  deadlineFor,
  endOfShanghaiDay,
  isIsoDate,
  isOverdue,
  timeLeftMs,
  shanghaiDateOf,
  validateCalendarYear,
  WorkingCalendar,
} from '../../domain/calendar';
import { deadlineText, timeLeftText } from '../../presentation/deadline-text';

const seed = chineseDaysCalendar();
const calendar = new WorkingCalendar(seed);
/** A Shanghai wall-clock time. */
const sh = (local: string) => new Date(`${local}+08:00`);
const due = (received: string, n: number) => calendar.addWorkingDays(sh(received), n);
const dueHours = (received: string, hours: number) => calendar.addWorkingHours(sh(received), hours);

describe('seed data from chinese-days', () => {
  it('covers 2004 to 2026 and records the package version as the source', () => {
    expect(CALENDAR_SEED_SOURCE).toBe('chinese-days@1.5.7');
    expect(calendar.years()[0]).toBe(2004);
    expect(calendar.hasDataFor(2025)).toBe(true);
    expect(calendar.hasDataFor(2026)).toBe(true);
  });

  it('has no data for 2027 yet: that year is not guessed', () => {
    expect(calendar.hasDataFor(2027)).toBe(false);
    expect(calendar.hasDataFor(2028)).toBe(false);
    expect(calendar.dayInfo('2027-01-01')).toEqual({
      date: '2027-01-01',
      working: true,
      kind: 'weekday',
      name: null,
      provisional: true,
    });
  });

  it('2026: Saturday 02-14 is a make-up working day (春节), 10-01…10-07 are 国庆节 holidays, 10-08 works', () => {
    const y2026 = seed.find((y) => y.year === 2026)!;
    expect(y2026.workdays).toContainEqual({ date: '2026-02-14', name: '春节' });
    expect(calendar.dayInfo('2026-02-14')).toMatchObject({ working: true, kind: 'workday', name: '春节' });
    for (let d = 1; d <= 7; d++) {
      expect(calendar.dayInfo(`2026-10-0${d}`)).toMatchObject({
        working: false,
        kind: 'holiday',
        name: '国庆节',
      });
    }
    expect(calendar.dayInfo('2026-10-08')).toMatchObject({
      working: true,
      kind: 'weekday',
      provisional: false,
    });
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true); // Saturday, make-up day
    expect(calendar.isWorkingDay('2026-02-15')).toBe(false); // 春节 begins
    expect(calendar.isWorkingDay('2026-01-04')).toBe(true); // Sunday, make-up day for 元旦
    expect(calendar.isWorkingDay('2026-03-07')).toBe(false); // an ordinary Saturday
  });

  it('keeps only the Chinese names, sorted by date, and no date is both a holiday and a workday', () => {
    for (const year of seed) {
      expect(validateCalendarYear(year)).toEqual([]);
      const dates = year.holidays.map((d) => d.date);
      expect([...dates].sort()).toEqual(dates);
    }
    const names = new Set(seed.flatMap((y) => [...y.holidays, ...y.workdays].map((d) => d.name)));
    expect(names).toContain('春节');
    expect(names).toContain('国庆节');
    expect([...names].every((n) => /^[\u4e00-\u9fff0-9]+$/.test(n))).toBe(true);
  });
});

describe('addWorkingDays: the legal rule', () => {
  it('DESIGN example: received Fri 2026-02-13, 1 working day → Sat 2026-02-14 24:00 (make-up day)', () => {
    expect(due('2026-02-13T10:00:00', 1)).toEqual({
      dueAt: new Date('2026-02-14T16:00:00.000Z'),
      provisional: false,
    });
  });

  it('DESIGN example: received Wed 2026-09-30, 1 working day → Thu 2026-10-08 24:00', () => {
    expect(due('2026-09-30T10:00:00', 1)).toEqual({
      dueAt: new Date('2026-10-08T16:00:00.000Z'),
      provisional: false,
    });
  });

  it('the deadline is 24:00 Shanghai, i.e. 00:00 of the next Shanghai day as an instant', () => {
    const { dueAt } = due('2026-03-02T10:00:00', 1); // Monday → Tuesday 24:00
    expect(dueAt.toISOString()).toBe('2026-03-03T16:00:00.000Z');
    expect(dueAt).toEqual(endOfShanghaiDay('2026-03-03'));
    expect(shanghaiDateOf(new Date(dueAt.getTime() - 1))).toBe('2026-03-03');
  });

  it('receipt late at night counts by the Shanghai date: Thu 23:30 → Fri 24:00', () => {
    expect(due('2026-02-12T23:30:00', 1).dueAt.toISOString()).toBe('2026-02-13T16:00:00.000Z');
  });

  it('receipt just after midnight Shanghai belongs to the new day although the UTC date is the day before', () => {
    const received = sh('2026-02-13T00:10:00');
    expect(received.toISOString().slice(0, 10)).toBe('2026-02-12');
    expect(calendar.addWorkingDays(received, 1).dueAt.toISOString()).toBe('2026-02-14T16:00:00.000Z');
  });

  it('receipt at exactly 00:00 Shanghai is on the new day: Sat 02-14 (make-up) +1 → after 春节, Tue 02-24', () => {
    expect(calendar.addWorkingDays(new Date('2026-02-13T16:00:00Z'), 1).dueAt.toISOString()).toBe(
      '2026-02-24T16:00:00.000Z',
    );
    expect(calendar.addWorkingDays(new Date('2026-02-13T15:59:59.999Z'), 1).dueAt.toISOString()).toBe(
      '2026-02-14T16:00:00.000Z',
    );
  });

  it('receipt on a holiday: counting starts the next day and skips the rest of the holiday', () => {
    expect(due('2026-10-03T09:00:00', 1).dueAt.toISOString()).toBe('2026-10-08T16:00:00.000Z');
  });

  it('receipt on an ordinary weekend: Sat 2026-03-07 +1 → Mon 03-09 24:00', () => {
    expect(due('2026-03-07T15:00:00', 1).dueAt.toISOString()).toBe('2026-03-09T16:00:00.000Z');
  });

  it('N = 0 means the same day: 24:00 of the day of receipt, working day or not, never provisional', () => {
    expect(due('2026-02-13T10:00:00', 0)).toEqual({
      dueAt: endOfShanghaiDay('2026-02-13'),
      provisional: false,
    });
    expect(due('2026-10-02T10:00:00', 0).dueAt).toEqual(endOfShanghaiDay('2026-10-02'));
    expect(due('2027-06-01T10:00:00', 0)).toEqual({
      dueAt: endOfShanghaiDay('2027-06-01'),
      provisional: false,
    });
  });

  it.each([
    ['2026-02-13T10:00:00', 5, '2026-02-27T16:00:00.000Z'], // over 春节 (02-15…02-23)
    ['2026-02-13T10:00:00', 10, '2026-03-05T16:00:00.000Z'], // … and the make-up Saturday 02-28
    ['2026-09-24T10:00:00', 3, '2026-09-30T16:00:00.000Z'], // over 中秋 (09-25…09-27)
    ['2026-09-24T10:00:00', 6, '2026-10-10T16:00:00.000Z'], // over 国庆, ending on the make-up Saturday
    ['2026-09-18T10:00:00', 1, '2026-09-20T16:00:00.000Z'], // Sunday 09-20 is a make-up working day
    ['2026-09-30T10:00:00', 20, '2026-11-03T16:00:00.000Z'], // 行政许可法's 20 working days over 国庆
    ['2025-09-30T10:00:00', 1, '2025-10-09T16:00:00.000Z'], // 2025: 国庆 and 中秋 together, 10-01…10-08
  ])('received %s + %i working days → %s', (received, n, expected) => {
    expect(due(received, n)).toEqual({ dueAt: new Date(expected), provisional: false });
  });

  it('a span that stays inside 2026 is not provisional even though its 24:00 is 2027-01-01 00:00', () => {
    expect(due('2026-12-30T10:00:00', 1)).toEqual({
      dueAt: new Date('2026-12-31T16:00:00.000Z'),
      provisional: false,
    });
  });

  it('a span crossing into 2027 (no data) is provisional, with Mon–Fri assumed there', () => {
    expect(due('2026-12-30T10:00:00', 3)).toEqual({
      dueAt: new Date('2027-01-04T16:00:00.000Z'), // 12-31, Fri 2027-01-01 (assumed working), Mon 01-04
      provisional: true,
    });
    expect(due('2027-03-01T10:00:00', 1)).toEqual({
      dueAt: new Date('2027-03-02T16:00:00.000Z'),
      provisional: true,
    });
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 100_000])('rejects N = %p', (n) => {
    expect(() => calendar.addWorkingDays(sh('2026-02-13T10:00:00'), n)).toThrow(/working days/);
  });

  it('rejects an invalid receipt time', () => {
    expect(() => calendar.addWorkingDays(new Date('not a time'), 1)).toThrow(/receivedAt/);
  });
});

describe('addWorkingHours: office hours 09:00–12:00 and 13:00–17:00 on working days', () => {
  it.each([
    ['2026-03-02T10:00:00', 1, '2026-03-02T11:00:00'], // inside the morning
    ['2026-03-02T11:30:00', 1, '2026-03-02T13:30:00'], // across lunch
    ['2026-03-02T09:00:00', 3, '2026-03-02T12:00:00'], // ends at 12:00, not 13:00
    ['2026-03-02T07:00:00', 1, '2026-03-02T10:00:00'], // before office: starts at 09:00
    ['2026-03-02T12:30:00', 1, '2026-03-02T14:00:00'], // in the lunch break: starts at 13:00
    ['2026-03-02T16:30:00', 2, '2026-03-03T10:30:00'], // overnight
    ['2026-03-02T20:00:00', 7, '2026-03-03T17:00:00'], // after office: a whole next day
    ['2026-03-06T16:30:00', 2, '2026-03-09T10:30:00'], // Friday → Monday
    ['2026-09-30T16:00:00', 2, '2026-10-08T10:00:00'], // over 国庆
    ['2026-02-14T09:00:00', 7, '2026-02-14T17:00:00'], // a make-up Saturday is a full office day
  ])('received %s + %i working hours → %s', (received, hours, expected) => {
    expect(dueHours(received, hours)).toEqual({ dueAt: sh(expected), provisional: false });
  });

  it('0 hours is the receipt itself', () => {
    expect(dueHours('2026-10-02T03:00:00', 0)).toEqual({
      dueAt: sh('2026-10-02T03:00:00'),
      provisional: false,
    });
  });

  it('office time in a year without data is provisional', () => {
    expect(dueHours('2026-12-31T16:00:00', 2)).toEqual({
      dueAt: sh('2027-01-01T10:00:00'),
      provisional: true,
    });
    expect(dueHours('2026-12-31T09:00:00', 7).provisional).toBe(false);
  });

  it.each([-1, 0.5])('rejects %p hours', (hours) => {
    expect(() => dueHours('2026-03-02T10:00:00', hours)).toThrow(/working hours/);
  });
});

describe('workingDaysBetween (time left)', () => {
  it('counts working days after the first date up to and including the second', () => {
    expect(calendar.workingDaysBetween('2026-02-13', '2026-02-27')).toEqual({ days: 5, provisional: false });
    expect(calendar.workingDaysBetween('2026-02-27', '2026-02-13')).toEqual({ days: -5, provisional: false });
    expect(calendar.workingDaysBetween('2026-02-13', '2026-02-13')).toEqual({ days: 0, provisional: false });
    expect(calendar.workingDaysBetween('2026-12-30', '2027-01-04')).toEqual({ days: 3, provisional: true });
  });

  it('agrees with addWorkingDays for every N up to 40 from several receipt days', () => {
    for (const received of ['2026-02-13T10:00:00', '2026-09-24T23:59:00', '2026-12-01T00:00:00']) {
      for (let n = 1; n <= 40; n++) {
        const result = due(received, n);
        const lastDay = shanghaiDateOf(new Date(result.dueAt.getTime() - 1));
        expect(calendar.isWorkingDay(lastDay)).toBe(true);
        expect(calendar.workingDaysBetween(received.slice(0, 10), lastDay)).toEqual({
          days: n,
          provisional: result.provisional,
        });
      }
    }
  });

  it('rejects dates that do not exist', () => {
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(() => calendar.workingDaysBetween('2026-02-30', '2026-03-01')).toThrow(/not a date/);
    expect(() => calendar.isWorkingDay('2026-2-1')).toThrow(/not a date/);
  });
});

describe('hand-made calendars', () => {
  const y2030: CalendarYearData = {
    year: 2030,
    holidays: [{ date: '2030-05-01', name: '劳动节' }], // a Wednesday
    workdays: [{ date: '2030-05-04', name: '劳动节' }], // a Saturday
  };
  const custom = new WorkingCalendar([y2030]);

  it('a declared holiday on a weekday moves the deadline, a declared Saturday counts', () => {
    expect(custom.addWorkingDays(sh('2030-04-30T10:00:00'), 1)).toEqual({
      dueAt: endOfShanghaiDay('2030-05-02'),
      provisional: false,
    });
    expect(custom.addWorkingDays(sh('2030-05-03T10:00:00'), 1).dueAt).toEqual(endOfShanghaiDay('2030-05-04'));
    expect(custom.hasDataFor(2030)).toBe(true);
    expect(custom.hasDataFor(2026)).toBe(false);
  });

  it('a year with data but nothing listed is the plain week, and not provisional', () => {
    const plain = new WorkingCalendar([{ year: 2031, holidays: [], workdays: [] }]);
    expect(plain.addWorkingDays(sh('2031-01-03T10:00:00'), 1)).toEqual({
      dueAt: endOfShanghaiDay('2031-01-06'), // Friday → Monday
      provisional: false,
    });
  });

  it('an empty calendar computes Mon–Fri but flags everything provisional', () => {
    const empty = new WorkingCalendar([]);
    expect(empty.addWorkingDays(sh('2026-02-13T10:00:00'), 1)).toEqual({
      dueAt: endOfShanghaiDay('2026-02-16'),
      provisional: true,
    });
  });

  it('validateCalendarYear names each problem by field', () => {
    const problems = validateCalendarYear({
      year: 2030,
      holidays: [
        { date: '2031-01-01', name: '元旦' },
        { date: '2030-02-30', name: '春节' },
        { date: '2030-10-05', name: ' ' }, // a Saturday inside 国庆
      ],
      workdays: [
        { date: '2030-05-06', name: '调休' }, // a Monday
        { date: '2030-10-05', name: '国庆节' },
      ],
    });
    expect(problems.map((p) => [p.field, p.rule])).toEqual([
      ['holidays.0.date', 'year'],
      ['holidays.1.date', 'date'],
      ['holidays.2.name', 'required'],
      ['workdays.0.date', 'weekend'],
      ['workdays.1.date', 'holiday_and_workday'],
    ]);
  });

  it('the constructor refuses invalid data and a year given twice', () => {
    expect(
      () =>
        new WorkingCalendar([{ year: 2030, holidays: [], workdays: [{ date: '2030-05-06', name: 'x' }] }]),
    ).toThrow(/workdays.0.date/);
    expect(() => new WorkingCalendar([y2030, y2030])).toThrow(/twice/);
  });
});

describe('one deadline from calendar to page (issue 9)', () => {
  it('deadlineFor chooses days or hours and keeps one form: an ISO instant and the provisional flag', () => {
    expect(deadlineFor(calendar, sh('2026-09-30T10:00:00'), { workingDays: 1 })).toEqual({
      dueAt: '2026-10-08T16:00:00.000Z',
      provisional: false,
    });
    expect(deadlineFor(calendar, '2026-03-02T02:00:00.000Z', { workingHours: 2 })).toEqual({
      dueAt: calendar.addWorkingHours(new Date('2026-03-02T02:00:00.000Z'), 2).dueAt.toISOString(),
      provisional: false,
    });
    const beyond = deadlineFor(calendar, sh('2030-12-30T10:00:00'), { workingDays: 1 });
    expect(beyond.provisional).toBe(true);
  });

  it('isOverdue and timeLeftMs judge at the clock they are given; 24:00 itself is still in time', () => {
    const due = '2026-10-08T16:00:00.000Z';
    const at = (iso: string) => new Date(iso);
    expect(isOverdue(due, at(due))).toBe(false);
    expect(isOverdue(due, at('2026-10-08T16:00:00.001Z'))).toBe(true);
    expect(isOverdue(null, at('2099-01-01T00:00:00Z'))).toBe(false);
    expect(timeLeftMs(due, at('2026-10-08T15:00:00.000Z'))).toBe(3600_000);
    expect(timeLeftMs(due, at('2026-10-08T17:00:00.000Z'))).toBe(-3600_000);
    expect(timeLeftMs(null, at(due))).toBeNull();
  });

  it('reads the same on pages and in e-mails: a day deadline is 24:00 of its last day', () => {
    expect(deadlineText('2026-10-08T16:00:00.000Z')).toBe('10月8日 24:00');
    expect(deadlineText('2026-12-09T16:00:00.000Z')).toBe('12月9日 24:00');
    expect(deadlineText('2026-03-02T07:00:00.000Z')).toBe('3月2日 15:00');
    expect(deadlineText('2028-03-02T16:00:00.000Z', { year: true })).toBe('2028年3月2日 24:00');
    expect(deadlineText(null)).toBe('');
    expect(timeLeftText(-(5 * 3600_000 + 10 * 60_000))).toBe('已超期 5 小时 10 分');
    expect(timeLeftText(2 * 86400_000 + 3 * 3600_000)).toBe('剩余 2 天 3 小时');
  });
});
