/**
 * The 待办 inbox's task sources besides the approval engine's own `task` table: one registry, so the inbox, the
 * nav's count and the management unit's 督办 view list every source the same way. A source answers the caller's
 * pending tasks and the pending tasks of units in a set of jurisdictions; the inbox filters and orders them with
 * the engine's tasks (least time left first).
 */
import type { AppContext } from '../context';
import type { Principal } from '../principal';
import type { InboxItem } from './approval-inbox';
import type { InboxQuery } from './approval-requests';
import { disputeInboxSource } from './dispute-inbox';
import { sealUseHandoverInboxSource } from './seal-use-handover-inbox';

export interface InboxTaskSource {
  pending(principal: Principal, now: Date): Promise<InboxItem[]>;
  pendingWithin(jurisdictionIds: string[], now: Date): Promise<InboxItem[]>;
}

/** Every source other than the engine's tasks. */
export const INBOX_TASK_SOURCES: ReadonlyArray<(ctx: AppContext) => InboxTaskSource> = [
  disputeInboxSource,
  sealUseHandoverInboxSource,
];

/** The inbox's filters (kind, unit, overdue, due before) on a source's items, as the SQL applies them to tasks. */
export function matchesInboxQuery(
  item: InboxItem,
  query: Pick<InboxQuery, 'kind' | 'unit' | 'overdue' | 'dueBefore'>,
): boolean {
  if (query.kind && item.kind !== query.kind) return false;
  if (query.unit && item.organisationId !== query.unit) return false;
  if (query.overdue !== undefined && item.overdue !== query.overdue) return false;
  if (query.dueBefore && !(item.dueAt && Date.parse(item.dueAt) < Date.parse(query.dueBefore))) return false;
  return true;
}

/** Least time left first, without a deadline last (the engine's `due_at asc nulls last`). */
export function byDueAt(a: InboxItem, b: InboxItem): number {
  const due = (i: InboxItem) => (i.dueAt ? Date.parse(i.dueAt) : Number.POSITIVE_INFINITY);
  return due(a) - due(b);
}
