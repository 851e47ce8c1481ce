/**
 * What the 待办 inbox lists: the approval engine's process kinds, and the decisions of other processes that are
 * tasks of their own (a dispute's marker and outcome, LM-23). Their labels as the inbox's 事项类型 shows them.
 */
import { PROCESS_KIND_LABELS, PROCESS_KINDS } from './flow-definition';

export const INBOX_KINDS = [...PROCESS_KINDS, 'dispute'] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

export const INBOX_KIND_LABELS: Record<InboxKind, string> = {
  ...PROCESS_KIND_LABELS,
  dispute: '证照异议',
};
