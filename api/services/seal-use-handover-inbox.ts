/**
 * Issue 15 Build 3 (SM-12): each open decision on a standing licence-signing authorisation whose holder left or
 * moved is a 待办 task of the seal's unit leaders, derived from the decision's row: it is gone the moment the leader
 * keeps or revokes the authorisation (its page, or the JSON API). Its working-day deadline counts in the inbox like
 * any task's (即将超期 / 已超期); the authorisation stays usable until the decision, even after the deadline.
 */
import { AppUser, Organisation, Seal } from '../../db/entities';
import { SealUseHandover } from '../../db/seal-use-entities';
import { isOverdue, timeLeftMs } from '../../domain/calendar';
import { INBOX_KIND_LABELS } from '../../domain/inbox';
import { sealUseHandoverWorkflowId } from '../../domain/seal-use';
import { TASK_STATUS_LABELS } from '../../presentation/approval-labels';
import { sealUseHandoverTitle } from '../../presentation/seal-use-handover-text';
import type { AppContext } from '../context';
import type { InboxItem } from './approval-inbox';
import type { InboxSourceTask, InboxTaskSource } from './inbox-sources';

export function sealUseHandoverInboxSource(ctx: AppContext): InboxTaskSource {
  const items = async (rows: SealUseHandover[], now: Date): Promise<InboxSourceTask[]> => {
    if (rows.length === 0) return [];
    const em = ctx.em();
    const [units, seals, people] = await Promise.all([
      em.find(Organisation, { id: { $in: [...new Set(rows.map((r) => r.organisationId))] } }),
      em.find(Seal, { id: { $in: [...new Set(rows.map((r) => r.sealId))] } }, { fields: ['id', 'name'] }),
      em.find(AppUser, { id: { $in: [...new Set(rows.map((r) => r.leavingUserId))] } }),
    ]);
    const unitName = new Map(units.map((u) => [u.id, u.name]));
    const sealName = new Map(seals.map((x) => [x.id, x.name]));
    const personName = new Map(people.map((p) => [p.id, p.displayName]));
    return rows.map((r): InboxSourceTask => {
      const unit = unitName.get(r.organisationId) ?? '';
      const leaving = personName.get(r.leavingUserId) ?? '';
      const item: InboxItem = {
        taskId: null,
        processKey: sealUseHandoverWorkflowId(r.id),
        caseNumber: null,
        processId: r.id,
        kind: 'seal_use_handover',
        kindLabel: INBOX_KIND_LABELS.seal_use_handover,
        title: sealUseHandoverTitle(leaving, r.reason, sealName.get(r.sealId) ?? ''),
        stepName: '单位负责人决定',
        status: 'pending',
        statusLabel: TASK_STATUS_LABELS.pending,
        organisationId: r.organisationId,
        organisationName: unit,
        initiatorName: leaving,
        assigneeLabel: unit,
        origin: null,
        dueAt: r.dueAt?.toISOString() ?? null,
        dueProvisional: r.dueProvisional,
        suspended: false,
        overdue: isOverdue(r.dueAt, now),
        timeLeftMs: timeLeftMs(r.dueAt, now),
        openedAt: r.createdAt.toISOString(),
        actedAt: null,
        url: `/seal-use-handovers/${encodeURIComponent(r.id)}`,
      };
      return { item, startedAt: r.createdAt };
    });
  };
  return {
    async pending(principal, now) {
      if (!principal.roles.includes('unit_leader')) return [];
      const em = ctx.em();
      return items(
        await em.find(SealUseHandover, { organisationId: principal.organisationId, status: 'pending' }),
        now,
      );
    },
    async pendingWithin(jurisdictionIds, now) {
      const em = ctx.em();
      const units = await em.find(
        Organisation,
        { jurisdictionId: { $in: jurisdictionIds } },
        { fields: ['id'] },
      );
      return items(
        await em.find(SealUseHandover, {
          organisationId: { $in: units.map((u) => u.id) },
          status: 'pending',
        }),
        now,
      );
    },
  };
}
