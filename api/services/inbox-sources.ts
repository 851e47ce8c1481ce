/**
 * The 待办 inbox's task sources besides the approval engine's own `task` table: one registry, so the inbox, the
 * nav's count and the management unit's 督办 view list every source the same way. A source answers the caller's
 * pending tasks and the pending tasks of units in a set of jurisdictions; the inbox filters and orders them with
 * the engine's tasks (least time left first).
 */
import { endOfShanghaiDay, startOfShanghaiDay } from '../../domain/calendar';
import type { AppContext } from '../context';
import type { Principal } from '../principal';
import type { InboxItem } from './approval-inbox';
import type { InboxQuery } from './approval-requests';
import { disputeInboxSource } from './dispute-inbox';
import { sealUseHandoverInboxSource } from './seal-use-handover-inbox';

/** A source's task, with when its business record was created (what the date filter reads, as `p.started_at`). */
export interface InboxSourceTask {
  item: InboxItem;
  startedAt: Date;
}

export interface InboxTaskSource {
  pending(principal: Principal, now: Date): Promise<InboxSourceTask[]>;
  pendingWithin(jurisdictionIds: string[], now: Date): Promise<InboxSourceTask[]>;
}

/** Every source other than the engine's tasks. */
export const INBOX_TASK_SOURCES: ReadonlyArray<(ctx: AppContext) => InboxTaskSource> = [
  disputeInboxSource,
  sealUseHandoverInboxSource,
];

/**
 * The inbox's filters on a source's task, as the SQL (`sharedFilters` and the due filters in approval-inbox.ts)
 * applies them to the engine's tasks: kind, unit, overdue (judged at the same instant), due before, a keyword in the
 * 办件编号, title, initiator or unit (case-insensitive, literal), and the from/to dates on the record's creation.
 */
export function matchesInboxQuery(
  { item, startedAt }: InboxSourceTask,
  query: Pick<InboxQuery, 'kind' | 'unit' | 'overdue' | 'dueBefore' | 'q' | 'from' | 'to'>,
): boolean {
  if (query.kind && item.kind !== query.kind) return false;
  if (query.unit && item.organisationId !== query.unit) return false;
  if (query.overdue !== undefined && item.overdue !== query.overdue) return false;
  if (query.dueBefore && !(item.dueAt && Date.parse(item.dueAt) < Date.parse(query.dueBefore))) return false;
  if (query.from && startedAt < startOfShanghaiDay(query.from)) return false;
  if (query.to && !(startedAt < endOfShanghaiDay(query.to))) return false;
  const q = query.q?.toLowerCase();
  const fields = [item.caseNumber, item.title, item.initiatorName, item.organisationName];
  return !q || fields.some((f) => !!f && f.toLowerCase().includes(q));
}
