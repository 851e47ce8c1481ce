/**
 * Rectification orders (LM-30): a management unit orders a unit to rectify findings by a deadline (a date, or N
 * working days from the order, DESIGN §3). The unit submits a report; the management unit accepts or returns it
 * (returned, the clock keeps running). A reminder goes out on the morning of the last working day; on failure to
 * rectify by the deadline the order escalates (逾期未整改). One extension, with a reason. Pure: no I/O, no clock.
 */
import { z } from 'zod';
import { Deadline, deadlineFor, endOfShanghaiDay, isIsoDate, WorkingCalendar } from './calendar';
import { beforeReminderAt } from './approval-reminders';

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

/** A deadline as the management unit sets it: a date (24:00 of it) or N working days from the order. */
export const DeadlineInput = z.union([
  z.object({ date: z.string().refine(isIsoDate, { message: '应为日期，如 2026-12-31' }) }).strict(),
  z.object({ workingDays: z.number().int().min(1).max(120) }).strict(),
]);
export type DeadlineInput = z.infer<typeof DeadlineInput>;

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

const text = (max: number) => z.string().trim().min(1).max(max);

export const RectificationOrderBody = z
  .object({
    organisationId: text(100),
    findingIds: z.array(z.string().uuid()).min(1, { message: '请至少选择一项发现的问题' }).max(100),
    requirements: text(2000),
    deadline: DeadlineInput,
  })
  .strict();
export type RectificationOrderBody = z.infer<typeof RectificationOrderBody>;

export const RectificationReportBody = z
  .object({ report: text(5000), attachments: z.array(z.string().uuid()).max(10).default([]) })
  .strict();
export type RectificationReportBody = z.infer<typeof RectificationReportBody>;

export const RectificationReviewBody = z.object({ comment: z.string().trim().max(2000).optional() }).strict();
export type RectificationReviewBody = z.infer<typeof RectificationReviewBody>;

export const RectificationExtendBody = z
  .object({
    reason: z.string({ message: '请填写延期理由' }).trim().min(1, { message: '请填写延期理由' }).max(1000),
    deadline: DeadlineInput,
  })
  .strict();
export type RectificationExtendBody = z.infer<typeof RectificationExtendBody>;

export function rectificationWorkflowId(orderId: string): string {
  return `rectification-${orderId}`;
}
