/**
 * A dispute's decisions as 待办 tasks (LM-23): while received, 标注异议 (due in 1 working day); while marked,
 * 告知处理结果 (due in 5). They are the group task of the issuing unit's dispute staff, falling back to its
 * designated people (db/dispute-holders.ts, the same rule as the reminders). Derived from the dispute's state, so
 * a task is gone the moment the marker is placed and the outcome's task is there at once.
 */
import { Dispute, DisputeBreach } from '../../db/dispute-entities';
import { disputeTaskHolders } from '../../db/dispute-holders';
import { Organisation } from '../../db/entities';
import { isOverdue, timeLeftMs } from '../../domain/calendar';
import { BREACH_LABELS, DISPUTE_TASK_STEPS, disputeWorkflowId } from '../../domain/dispute';
import { INBOX_KIND_LABELS } from '../../domain/inbox';
import { TASK_STATUS_LABELS } from '../../presentation/approval-labels';
import type { AppContext } from '../context';
import type { InboxItem } from './approval-inbox';
import type { InboxSourceTask, InboxTaskSource } from './inbox-sources';

const OPEN = ['received', 'marked'] as const;

export function disputeInboxSource(ctx: AppContext): InboxTaskSource {
  const items = async (disputes: Dispute[], now: Date): Promise<InboxSourceTask[]> => {
    if (disputes.length === 0) return [];
    const em = ctx.em();
    const [units, breaches] = await Promise.all([
      em.find(Organisation, { id: { $in: [...new Set(disputes.map((d) => d.issuerOrganisationId))] } }),
      em.find(DisputeBreach, { disputeId: { $in: disputes.map((d) => d.id) } }),
    ]);
    const unitName = new Map(units.map((u) => [u.id, u.name]));
    return disputes.map((d) => ({
      item: taskOf(d, unitName.get(d.issuerOrganisationId) ?? '', breaches, now),
      startedAt: d.receivedAt,
    }));
  };
  return {
    async pending(principal, now) {
      if (!principal.organisationId) return [];
      const em = ctx.em();
      const open = await em.find(Dispute, {
        issuerOrganisationId: principal.organisationId,
        status: { $in: [...OPEN] },
      });
      if (open.length === 0) return [];
      const holders = await disputeTaskHolders(em, principal.organisationId);
      if (!holders.some((h) => h.userId === principal.userId)) return [];
      return items(open, now);
    },
    async pendingWithin(jurisdictionIds, now) {
      const em = ctx.em();
      const units = await em.find(
        Organisation,
        { jurisdictionId: { $in: jurisdictionIds } },
        { fields: ['id'] },
      );
      const open = await em.find(Dispute, {
        issuerOrganisationId: { $in: units.map((u) => u.id) },
        status: { $in: [...OPEN] },
      });
      return items(open, now);
    },
  };
}

function taskOf(d: Dispute, unitName: string, breaches: DisputeBreach[], now: Date): InboxItem {
  const marking = d.status === 'received';
  const due = marking ? d.markerDueAt : d.outcomeDueAt;
  const breached = breaches.filter((b) => b.disputeId === d.id);
  return {
    taskId: null,
    processKey: disputeWorkflowId(d.id),
    caseNumber: null,
    processId: d.id,
    kind: 'dispute',
    kindLabel: INBOX_KIND_LABELS.dispute,
    title: `证照 ${d.licenceIdentifier} 的异议（${d.items.join('、')}）`,
    stepName: DISPUTE_TASK_STEPS[d.status] ?? null,
    status: 'pending',
    statusLabel: TASK_STATUS_LABELS.pending,
    organisationId: d.issuerOrganisationId,
    organisationName: unitName,
    initiatorName: d.challengerName,
    assigneeLabel: unitName,
    origin: breached.length ? breached.map((b) => BREACH_LABELS[b.kind]).join('；') : null,
    dueAt: due.toISOString(),
    dueProvisional: marking ? d.markerProvisional : d.outcomeProvisional,
    suspended: false,
    overdue: isOverdue(due, now),
    timeLeftMs: timeLeftMs(due, now),
    openedAt: (d.markedAt ?? d.receivedAt).toISOString(),
    actedAt: null,
    url: `/disputes/${d.id}`,
  };
}
