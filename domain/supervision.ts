/**
 * Electronic supervision (LM-9, LM-28, LM-30): cases announced when they close, the five kinds of violation a
 * supervision run finds, and the states of a finding. Pure: no I/O and no clock; usable in workflows.
 */
import { Deadline, deadlineFor, WorkingCalendar } from './calendar';
import { ISSUANCE_DEADLINE_WORKING_DAYS } from './licence';

export type { AnnounceCaseBody, DismissFindingBody, SimulatedRequestBody } from './supervision-schema';

/** LM-28: the five violations the management unit supervises. */
export const VIOLATION_KINDS = ['catalogue', 'collection', 'correction', 'sharing', 'paper'] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export const VIOLATION_LABELS: Record<ViolationKind, string> = {
  catalogue: '未按要求编制、更新、维护证照目录',
  collection: '未及时归集电子证照',
  correction: '未及时核查、更正错误数据',
  sharing: '拒绝、拖延或减少共享数据',
  paper: '可通过共享获取却要求提供纸质证照',
};

/** The rules a finding is raised under, each of one violation kind. */
export const FINDING_RULES = {
  service_item_without_type: 'catalogue',
  type_not_reviewed: 'catalogue',
  superseded_type_version: 'catalogue',
  late_arrival: 'collection',
  announced_case_without_licence: 'collection',
  force_majeure_backlog_overdue: 'collection',
  dispute_breach: 'correction',
  exchange_overdue: 'sharing',
  usage_request_overdue: 'sharing',
  required_items_missing: 'sharing',
  paper_demanded: 'paper',
  paper_complaint: 'paper',
  // A random check's failed checklist items (LM-28): a licence that does not verify or whose face cannot be read
  // is faulty data the unit has not checked and corrected (kind 3); incomplete data or a licence never pushed to
  // the exchange reduces or withholds what is shared (kind 4).
  random_check_not_verifiable: 'correction',
  random_check_face_unreadable: 'correction',
  random_check_data_incomplete: 'sharing',
  random_check_not_pushed: 'sharing',
} as const satisfies Record<string, ViolationKind>;
export type FindingRule = keyof typeof FINDING_RULES;

export const FINDING_RULE_LABELS: Record<FindingRule, string> = {
  service_item_without_type: '产生证照的服务事项未编制证照类型',
  type_not_reviewed: '证照类型超过一年未复核',
  superseded_type_version: '按已废止的证照类型版本签发',
  late_arrival: '电子证照逾期归集',
  announced_case_without_licence: '办结后次一工作日 24 时前未归集电子证照',
  force_majeure_backlog_overdue: '不可抗力积压证照未在时限内补制',
  dispute_breach: '异议未在时限内标注或答复',
  exchange_overdue: '证照数据推送逾期未送达',
  usage_request_overdue: '用证清单申请逾期未答复',
  required_items_missing: '证照缺少证照类型规定的必填数据项',
  paper_demanded: '模拟办事中被要求提供纸质证照',
  paper_complaint: '办事群众投诉被要求提供纸质证照',
  random_check_not_verifiable: '随机抽查中证照验证未通过',
  random_check_face_unreadable: '随机抽查中证照照面无法辨认',
  random_check_data_incomplete: '随机抽查中证照数据不完整',
  random_check_not_pushed: '随机抽查中证照未推送至数据共享交换平台',
};

/** LM-28: a licence type is reviewed at least once a year. */
export const TYPE_REVIEW_DAYS = 365;
/** An exchange push still undelivered one working day after it was queued is overdue. */
export const EXCHANGE_PUSH_WORKING_DAYS = 1;

export const FINDING_STATES = ['new', 'ordered', 'rectified', 'dismissed'] as const;
export type FindingState = (typeof FINDING_STATES)[number];

export const FINDING_STATE_LABELS: Record<FindingState, string> = {
  new: '新发现',
  ordered: '已责令整改',
  rectified: '已整改',
  dismissed: '已撤销',
};

// ---------------------------------------------------------------------------------------------------------------
// LM-9: a case announced when it closes; its licence is due by 24:00 of the next working day

export const ANNOUNCED_CASE_STATUSES = ['open', 'flagged', 'issued', 'issued_late'] as const;
export type AnnouncedCaseStatus = (typeof ANNOUNCED_CASE_STATUSES)[number];

export const ANNOUNCED_CASE_STATUS_LABELS: Record<AnnouncedCaseStatus, string> = {
  open: '待归集',
  flagged: '逾期未归集',
  issued: '已按时归集',
  issued_late: '逾期归集',
};

/** The source key of the finding an announced case raises when it is flagged (one per case). */
export const announcedCaseFindingKey = (announcedCaseId: string) => `announced-case:${announcedCaseId}`;

/** LM-9: the licence of a case closed at `closedAt` is due at 24:00 of the next working day. */
export function announcedCaseDeadline(calendar: WorkingCalendar, closedAt: Date | string): Deadline {
  return deadlineFor(calendar, closedAt, { workingDays: ISSUANCE_DEADLINE_WORKING_DAYS });
}

/** How a case ends once its licence arrives: in time, or late. */
export function arrivalStatus(deadlineAt: string, arrivedAt: string): 'issued' | 'issued_late' {
  return Date.parse(arrivedAt) > Date.parse(deadlineAt) ? 'issued_late' : 'issued';
}

/** One workflow per announced case, from the issuing unit and its business case id. */
export function announcedCaseWorkflowId(organisationId: string, caseId: string): string {
  return `case-${organisationId}-${caseId}`;
}
