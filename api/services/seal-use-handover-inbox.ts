/**
 * Issue 15 Build 3 (SM-12): each open decision on a standing licence-signing authorisation whose holder left or
 * moved is a 待办 task of the seal's unit leaders, derived from the decision's row: it is gone the moment the leader
 * keeps or revokes the authorisation (POST /api/seal-use-handovers/:id/decision). No deadline: the authorisation
 * stays usable until then.
 */
import { AppUser, Organisation, Seal } from '../../db/entities';
import { SealUseHandover } from '../../db/seal-use-entities';
import { INBOX_KIND_LABELS } from '../../domain/inbox';
import { TASK_STATUS_LABELS } from '../../presentation/approval-labels';
import type { AppContext } from '../context';
import type { InboxItem } from './approval-inbox';
import type { InboxTaskSource } from './inbox-sources';

const REASON_TEXT: Record<string, string> = { deactivated: '已停用', moved: '已调离本单位' };

export function sealUseHandoverInboxSource(ctx: AppContext): InboxTaskSource {
  const items = async (rows: SealUseHandover[]): Promise<InboxItem[]> => {
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
    return rows.map((r) => {
      const unit = unitName.get(r.organisationId) ?? '';
      const leaving = personName.get(r.leavingUserId) ?? '';
      const why = REASON_TEXT[r.reason] ?? '已离岗';
      return {
        taskId: null,
        processKey: `seal-use-handover-${r.id}`,
        caseNumber: null,
        processId: r.id,
        kind: 'seal_use_handover',
        kindLabel: INBOX_KIND_LABELS.seal_use_handover,
        title: `${leaving}${why}，其${sealName.get(r.sealId) ?? ''}证照签发用印授权待决定保留或撤销`,
        stepName: '单位负责人决定',
        status: 'pending',
        statusLabel: TASK_STATUS_LABELS.pending,
        organisationId: r.organisationId,
        organisationName: unit,
        initiatorName: leaving,
        assigneeLabel: unit,
        origin: null,
        dueAt: null,
        dueProvisional: false,
        suspended: false,
        overdue: false,
        timeLeftMs: null,
        openedAt: r.createdAt.toISOString(),
        actedAt: null,
        url: `/seals/${r.sealId}`,
      };
    });
  };
  return {
    async pending(principal) {
      if (!principal.roles.includes('unit_leader')) return [];
      const em = ctx.em();
      return items(
        await em.find(SealUseHandover, { organisationId: principal.organisationId, status: 'pending' }),
      );
    },
    async pendingWithin(jurisdictionIds) {
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
      );
    },
  };
}
