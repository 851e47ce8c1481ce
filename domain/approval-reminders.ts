/**
 * When a step's reminders (催办提醒, issue 10 Build 1) go out, from the working-day calendar (domain/calendar.ts):
 * pure, no clock reads. `before`: 09:00 Shanghai on the k-th last working day up to the deadline's last day (k = 1:
 * the morning of the last working day, when one working day is left). `after`: every N office hours after the
 * deadline (addWorkingHours, so nights, weekends and holidays do not count), at most M times.
 */
import type { StepReminders } from './flow-definition';
import {
  addCalendarDays,
  OFFICE_PERIODS,
  shanghaiDateOf,
  startOfShanghaiDay,
  WorkingCalendar,
} from './calendar';

export type ReminderKind = 'before' | 'after';

export interface PlannedReminder {
  at: string;
  kind: ReminderKind;
  /** 1 for the before-reminder; 1..M for the after-reminders. */
  n: number;
}

/** M when a step sets an interval after the deadline but no count. */
export const DEFAULT_AFTER_MAX = 3;
/** How far back the before-reminder is looked for: beyond any k of the schema (10) over any holiday run. */
const MAX_LOOKBACK_DAYS = 60;

/** What was already sent in this step round: a retime never sends one again. */
export interface RemindersSent {
  before: boolean;
  after: number;
}

/**
 * The reminders still to send for a deadline, in time order: only those after `now` (a resumed or retimed clock
 * does not catch up on the past) and not already sent.
 */
export function reminderPlan(
  calendar: WorkingCalendar,
  dueAt: string,
  reminders: StepReminders | undefined | null,
  now: string,
  sent: RemindersSent = { before: false, after: 0 },
): PlannedReminder[] {
  if (!reminders) return [];
  const plan: PlannedReminder[] = [];
  const after = Date.parse(now);
  if (reminders.beforeWorkingDays && !sent.before) {
    const at = beforeReminderAt(calendar, dueAt, reminders.beforeWorkingDays);
    if (at && Date.parse(at) > after && Date.parse(at) < Date.parse(dueAt))
      plan.push({ at, kind: 'before', n: 1 });
  }
  if (reminders.afterEveryWorkingHours) {
    const max = reminders.afterMax ?? DEFAULT_AFTER_MAX;
    for (let n = sent.after + 1; n <= max; n++) {
      const at = calendar.addWorkingHours(new Date(dueAt), reminders.afterEveryWorkingHours * n).dueAt;
      if (at.getTime() > after) plan.push({ at: at.toISOString(), kind: 'after', n });
    }
  }
  return plan.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** 09:00 on the k-th last working day up to the deadline's last day; null when none is found near it. */
export function beforeReminderAt(calendar: WorkingCalendar, dueAt: string, k: number): string | null {
  // A day deadline ends at 24:00, i.e. 00:00 of the next day: its last day is the day before that instant.
  let date = shanghaiDateOf(new Date(Date.parse(dueAt) - 1));
  const officeStartMs = OFFICE_PERIODS[0]!.start * 60_000;
  let found = 0;
  for (let i = 0; i < MAX_LOOKBACK_DAYS; i++, date = addCalendarDays(date, -1)) {
    if (!calendar.isWorkingDay(date)) continue;
    found++;
    if (found === k) return new Date(startOfShanghaiDay(date).getTime() + officeStartMs).toISOString();
  }
  return null;
}
