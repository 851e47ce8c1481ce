/**
 * What the 待办 inbox lists: the approval engine's process kinds, and the decisions of other processes that are
 * tasks of their own (a dispute's marker and outcome, LM-23; a leaving person's standing licence authorisation).
 * Their labels as the inbox's 事项类型 shows them.
 */
import { PROCESS_KIND_LABELS, PROCESS_KINDS } from './flow-definition';

export const INBOX_KINDS = [...PROCESS_KINDS, 'dispute', 'seal_use_handover'] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

export const INBOX_KIND_LABELS: Record<InboxKind, string> = {
  ...PROCESS_KIND_LABELS,
  dispute: '证照异议',
  /** Issue 15 Build 3: a standing licence-signing authorisation whose holder left, for the unit leader. */
  seal_use_handover: '离岗人员用印授权处理',
};
