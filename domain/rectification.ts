/**
 * Rectification orders (LM-30): a management unit orders a unit to rectify findings by a deadline (a date, or N
 * working days from the order, DESIGN §3). The unit submits a report; the management unit accepts or returns it
 * (returned, the clock keeps running). A reminder goes out on the morning of the last working day; on failure to
 * rectify by the deadline the order escalates (逾期未整改). One extension, with a reason. Pure: no I/O, no clock.
 */
import { Deadline, deadlineFor, endOfShanghaiDay, WorkingCalendar } from './calendar';
import { beforeReminderAt } from './approval-reminders';
import type { DeadlineInput } from './rectification-schema';

export type {
  DeadlineInput,
  RectificationExtendBody,
  RectificationOrderBody,
  RectificationReportBody,
  RectificationReviewBody,
} from './rectification-schema';

export const RECTIFICATION_STATUSES = ['open', 'submitted', 'returned', 'accepted', 'overdue'] as const;
export type RectificationStatus = (typeof RECTIFICATION_STATUSES)[number];

export const RECTIFICATION_STATUS_LABELS: Record<RectificationStatus, string> = {
  open: '整改中',
  submitted: '已提交整改报告',
  returned: '整改报告已退回',
  accepted: '已验收',
  overdue: '逾期未整改',
};

export const RECTIFICATION_ACTIONS = ['submit', 'accept', 'return', 'extend'] as const;
export type RectificationAction = (typeof RECTIFICATION_ACTIONS)[number];

const RULES: Record<
  RectificationAction,
  { from: readonly RectificationStatus[]; to: RectificationStatus | 'same'; label: string }
> = {
  submit: { from: ['open', 'returned'], to: 'submitted', label: '提交整改报告' },
  accept: { from: ['submitted'], to: 'accepted', label: '验收整改' },
  return: { from: ['submitted'], to: 'returned', label: '退回整改报告' },
  extend: { from: ['open', 'submitted', 'returned'], to: 'same', label: '延期' },
};

/** The status after `action`, or the reason it may not be taken (in Chinese, for people). */
export function rectificationTransition(
  status: RectificationStatus,
  action: RectificationAction,
  extended: boolean,
): { ok: true; to: RectificationStatus } | { ok: false; reason: string } {
  const rule = RULES[action];
  if (!rule.from.includes(status)) {
    return { ok: false, reason: `整改通知${RECTIFICATION_STATUS_LABELS[status]}，不能${rule.label}` };
  }
  if (action === 'extend' && extended) return { ok: false, reason: '整改期限只能延长一次' };
  return { ok: true, to: rule.to === 'same' ? status : rule.to };
}

export function isClosed(status: RectificationStatus): boolean {
  return status === 'accepted' || status === 'overdue';
}

/** The deadline an input names, counted from `from` (the order, or the extension). */
export function rectificationDeadline(calendar: WorkingCalendar, from: Date, input: DeadlineInput): Deadline {
  if ('date' in input) {
    const dueAt = endOfShanghaiDay(input.date);
    return { dueAt: dueAt.toISOString(), provisional: !calendar.hasDataFor(Number(input.date.slice(0, 4))) };
  }
  return deadlineFor(calendar, from, { workingDays: input.workingDays });
}

/** The reminder's instant: 09:00 of the last working day up to the deadline, if still ahead of `now`. */
export function rectificationReminderAt(calendar: WorkingCalendar, dueAt: string, now: Date): string | null {
  const at = beforeReminderAt(calendar, dueAt, 1);
  return at && Date.parse(at) > now.getTime() && Date.parse(at) < Date.parse(dueAt) ? at : null;
}

export function rectificationWorkflowId(orderId: string): string {
  return `rectification-${orderId}`;
}
