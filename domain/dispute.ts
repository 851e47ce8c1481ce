/**
 * Disputes over a licence (LM-23): anyone who uses, holds or sees a licence may challenge its accuracy,
 * completeness or timeliness. The issuing unit places the dispute marker (有异议·核查中) within 1 working day of
 * receipt and tells the challenger the outcome within 5 working days, both counted by the working-day calendar
 * (DESIGN §3: 24:00 Shanghai of the n-th working day after the day of receipt). Asking for more material pauses
 * neither deadline. Pure: no I/O and no clock; usable in workflows.
 */
import { Deadline, deadlineFor, WorkingCalendar } from './calendar';

export type {
  DisputeAnswer,
  DisputeRequest,
  MarkRequest,
  MaterialRequest,
  PublicContact,
  WithdrawRequest,
} from './dispute-schema';

/** LM-23: the marker within 1 working day, the outcome within 5, both from receipt. */
export const DISPUTE_MARKER_WORKING_DAYS = 1;
export const DISPUTE_OUTCOME_WORKING_DAYS = 5;

export const DISPUTE_STATUSES = ['received', 'marked', 'resolved', 'withdrawn'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const DISPUTE_STATUS_LABELS: Record<DisputeStatus, string> = {
  received: '已受理·待标注',
  marked: '有异议·核查中',
  resolved: '已办结',
  withdrawn: '已撤回',
};

/** The words the licence shows while its dispute marker stands. */
export const DISPUTE_MARKER_LABEL = '有异议·核查中';

export const CHALLENGER_KINDS = ['holder', 'using_unit', 'public'] as const;
export type ChallengerKind = (typeof CHALLENGER_KINDS)[number];

export const CHALLENGER_KIND_LABELS: Record<ChallengerKind, string> = {
  holder: '持证人',
  using_unit: '应用单位',
  public: '社会公众',
};

/** What is challenged (LM-23: accuracy, completeness, timeliness). */
export const DISPUTE_GROUNDS = ['accuracy', 'completeness', 'timeliness'] as const;
export type DisputeGround = (typeof DISPUTE_GROUNDS)[number];

export const DISPUTE_GROUND_LABELS: Record<DisputeGround, string> = {
  accuracy: '数据不准确',
  completeness: '数据不完整',
  timeliness: '数据未及时更新',
};

export const OUTCOME_KINDS = ['corrected', 'confirmed', 'partly_corrected'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

export const OUTCOME_LABELS: Record<OutcomeKind, string> = {
  corrected: '已更正',
  confirmed: '经核实无误',
  partly_corrected: '部分更正',
};

/** Outcomes that correct the licence: they name the new version issued through the lifecycle. */
export const CORRECTING_OUTCOMES: readonly OutcomeKind[] = ['corrected', 'partly_corrected'];

export const BREACH_KINDS = ['marker_late', 'outcome_late'] as const;
export type DisputeBreachKind = (typeof BREACH_KINDS)[number];

export const BREACH_LABELS: Record<DisputeBreachKind, string> = {
  marker_late: '未在 1 个工作日内标注异议',
  outcome_late: '未在 5 个工作日内答复处理结果',
};

/** The actions on a dispute, each with the statuses it may be taken in and the status it leads to. */
export const DISPUTE_ACTIONS = ['mark', 'platform_mark', 'answer', 'request_material', 'withdraw'] as const;
export type DisputeAction = (typeof DISPUTE_ACTIONS)[number];

export const DISPUTE_TRANSITIONS: Record<
  DisputeAction,
  { from: readonly DisputeStatus[]; to: DisputeStatus | 'same'; label: string }
> = {
  mark: { from: ['received'], to: 'marked', label: '标注异议' },
  platform_mark: { from: ['received'], to: 'marked', label: '平台逾期自动标注' },
  answer: { from: ['received', 'marked'], to: 'resolved', label: '答复处理结果' },
  request_material: { from: ['received', 'marked'], to: 'same', label: '要求补充材料' },
  withdraw: { from: ['received', 'marked'], to: 'withdrawn', label: '撤回异议' },
};

/** The status after `action`, or the reason it may not be taken (in Chinese, for people). */
export function disputeTransition(
  status: DisputeStatus,
  action: DisputeAction,
): { ok: true; to: DisputeStatus } | { ok: false; reason: string } {
  const rule = DISPUTE_TRANSITIONS[action];
  if (!rule.from.includes(status)) {
    return { ok: false, reason: `异议${DISPUTE_STATUS_LABELS[status]}，不能${rule.label}` };
  }
  return { ok: true, to: rule.to === 'same' ? status : rule.to };
}

export function isOpen(status: DisputeStatus): boolean {
  return status === 'received' || status === 'marked';
}

/** Whether the licence shows 有异议·核查中: from the marker until the outcome (or a withdrawal). */
export function markerStands(status: DisputeStatus): boolean {
  return status === 'marked';
}

/**
 * The decisions that are tasks in the 待办 inbox of the unit's dispute staff, by the dispute's state: the marker
 * while received, the outcome while marked. Their step names as the inbox shows them.
 */
export const DISPUTE_TASK_STEPS: Partial<Record<DisputeStatus, string>> = {
  received: '标注异议',
  marked: '告知处理结果',
};

/**
 * The engine's reminders (domain/approval-reminders.ts) for each dispute task: 09:00 on the last working day
 * before the deadline, when one working day is left.
 */
export const DISPUTE_TASK_REMINDERS = { beforeWorkingDays: 1 } as const;

export interface DisputeDeadlines {
  marker: Deadline;
  outcome: Deadline;
}

/** The two LM-23 deadlines of a challenge received at `receivedAt`. */
export function disputeDeadlines(calendar: WorkingCalendar, receivedAt: Date | string): DisputeDeadlines {
  return {
    marker: deadlineFor(calendar, receivedAt, { workingDays: DISPUTE_MARKER_WORKING_DAYS }),
    outcome: deadlineFor(calendar, receivedAt, { workingDays: DISPUTE_OUTCOME_WORKING_DAYS }),
  };
}

/** The labels named that the licence type does not have. */
export function unknownItems(named: readonly string[], labels: readonly string[]): string[] {
  const known = new Set(labels);
  return named.filter((label) => !known.has(label));
}
/** Who acted on a dispute, as the API resolved them. */
export interface DisputeActor {
  userId: string;
  username: string;
  displayName: string;
}

export function disputeWorkflowId(disputeId: string): string {
  return `dispute-${disputeId}`;
}
