/**
 * A step's clock (issue 10 Build 1, 行政许可法 art. 32, 45): time the step has used and its deadline, with
 * suspensions (补正, 检验检测, 专家评审, 听证) not counted. Pure, from the working-day calendar (domain/calendar.ts),
 * no clock reads: the workflow passes every instant in.
 *
 * A clock is a list of closed running segments (from the step's start or a resumption to a suspension) and the
 * instant it last started running (null while suspended). Used time is measured over the closed segments with the
 * calendar as it is now, and the deadline is the remaining time from the last start: so a calendar edit re-times a
 * running deadline by computing it again from the same start and used time, and 暂定 goes once the data is there.
 *
 * Day periods count days as deadlines do (the day a segment starts does not count, the day it ends does): a step of
 * 5 working days suspended on its 2nd working day has 3 left, due 3 working days after the resumption. Hour periods
 * count office hours (calendar.ts OFFICE_PERIODS), in whole hours, rounded down (the approver keeps the part hour).
 */
import type { StepReminders } from './flow-definition';
import {
  addCalendarDays,
  Deadline,
  deadlineFor,
  DeadlineSpan,
  OFFICE_PERIODS,
  shanghaiDateOf,
  startOfShanghaiDay,
  WorkingCalendar,
} from './calendar';
import { PlannedReminder, reminderPlan, RemindersSent } from './approval-reminders';

export const SUSPENSION_KINDS = ['supplement', 'inspection', 'expert_review', 'hearing'] as const;
export type SuspensionKind = (typeof SUSPENSION_KINDS)[number];
export const SUSPENSION_KIND_LABELS: Record<SuspensionKind, string> = {
  supplement: '补正',
  inspection: '检验检测',
  expert_review: '专家评审',
  hearing: '听证',
};

export interface ClockSegment {
  from: string;
  to: string;
}

/** Why a clock's deadline must be computed again. */
export type ClockStaleReason = 'resumed' | 'calendar';

export interface StepClock {
  span: DeadlineSpan;
  segments: ClockSegment[];
  /** When the clock last started (the step's start or a resumption); null while suspended. */
  runningSince: string | null;
  /** Reminders still to send, in time order. */
  plan: PlannedReminder[];
  sent: RemindersSent;
  /** Set when the deadline must be computed again (resumed; calendar edited); the workflow does it. */
  stale: ClockStaleReason | null;
}

/** What the calendar says about a clock now: its deadline (null while suspended) and reminder plan. */
export interface ClockTiming {
  due: Deadline | null;
  plan: PlannedReminder[];
}

const HOUR_MS = 3600_000;
const MAX_SEGMENT_DAYS = 3660;

export function newClock(span: DeadlineSpan, at: string): StepClock {
  return { span, segments: [], runningSince: at, plan: [], sent: { before: false, after: 0 }, stale: null };
}

/** Office milliseconds between two instants (working days' OFFICE_PERIODS only), with provisional as usual. */
export function officeMsBetween(
  calendar: WorkingCalendar,
  from: Date,
  to: Date,
): { ms: number; provisional: boolean } {
  let ms = 0;
  let provisional = false;
  let date = shanghaiDateOf(from);
  const last = shanghaiDateOf(to);
  for (let i = 0; date <= last; i++, date = addCalendarDays(date, 1)) {
    if (i > MAX_SEGMENT_DAYS) throw new Error(`span ${from.toISOString()}..${to.toISOString()} is too long`);
    const day = calendar.dayInfo(date);
    if (!day.working) continue;
    const midnight = startOfShanghaiDay(date).getTime();
    for (const p of OFFICE_PERIODS) {
      const start = Math.max(midnight + p.start * 60_000, from.getTime());
      const end = Math.min(midnight + p.end * 60_000, to.getTime());
      if (end > start) {
        ms += end - start;
        provisional ||= day.provisional;
      }
    }
  }
  return { ms, provisional };
}

/** Time used over the closed segments, in the span's unit (working days, or whole office hours). */
export function usedTime(
  calendar: WorkingCalendar,
  span: DeadlineSpan,
  segments: readonly ClockSegment[],
): { used: number; provisional: boolean } {
  let used = 0;
  let provisional = false;
  for (const s of segments) {
    if (Date.parse(s.to) <= Date.parse(s.from)) continue;
    if ('workingDays' in span) {
      const r = calendar.workingDaysBetween(shanghaiDateOf(new Date(s.from)), shanghaiDateOf(new Date(s.to)));
      used += r.days;
      provisional ||= r.provisional;
    } else {
      const r = officeMsBetween(calendar, new Date(s.from), new Date(s.to));
      used += r.ms;
      provisional ||= r.provisional;
    }
  }
  return { used: 'workingDays' in span ? used : Math.floor(used / HOUR_MS), provisional };
}

/**
 * The deadline of a running clock: what is left of the span after the used time, counted from the last start;
 * null while suspended. Provisional when the used time or the rest relied on a year without data.
 */
export function clockDeadline(calendar: WorkingCalendar, clock: StepClock): Deadline | null {
  if (!clock.runningSince) return null;
  const { used, provisional } = usedTime(calendar, clock.span, clock.segments);
  const rest: DeadlineSpan =
    'workingDays' in clock.span
      ? { workingDays: Math.max(0, clock.span.workingDays - used) }
      : { workingHours: Math.max(0, clock.span.workingHours - used) };
  const due = deadlineFor(calendar, clock.runningSince, rest);
  return { dueAt: due.dueAt, provisional: due.provisional || provisional };
}

/** The clock's deadline and the reminders still to send after `now`. */
export function timeClock(
  calendar: WorkingCalendar,
  clock: StepClock,
  reminders: StepReminders | undefined | null,
  now: string,
): ClockTiming {
  const due = clockDeadline(calendar, clock);
  return { due, plan: due ? reminderPlan(calendar, due.dueAt, reminders, now, clock.sent) : [] };
}

/** A step's open suspension: who suspended it, why, and (补正) what the applicant must supplement. */
export interface Suspension {
  kind: SuspensionKind;
  reason: string;
  /** 补正: the items the applicant must supplement; empty for the other kinds. */
  items: string[];
  at: string;
  by: { userId: string; displayName: string; organisationName: string };
  taskId: string;
}
