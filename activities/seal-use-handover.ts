/**
 * Issue 15 Build 3 (SM-12): the open decisions on leaving people's standing licence-signing authorisations, and the
 * reminders of workflows/seal-use-handover.ts. The unit's leaders get the engine's reminder before the deadline
 * (activities/task-reminder.ts); at the deadline they get it again, marked overdue, and the supervisors of the
 * management unit over the unit hear of it. The authorisation is never revoked by the deadline: the licences the
 * platform issues would stop being signed. Each activity acts only while the decision is still open; idempotent.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { calendarCacheOf } from '../db/calendar';
import { AppUser, Organisation, Seal } from '../db/entities';
import type { Orm } from '../db/orm';
import { SealUseHandover } from '../db/seal-use-entities';
import { usersWithRole } from '../db/users';
import { reminderPlan } from '../domain/approval-reminders';
import { INBOX_KIND_LABELS } from '../domain/inbox';
import { SEAL_USE_HANDOVER_REMINDERS, sealUseHandoverWorkflowId } from '../domain/seal-use';
import type { Mailer } from '../mail/mailer';
import { sealUseHandoverTitle } from '../presentation/seal-use-handover-text';
import { supervisorsOver } from './dispute';
import { remindTaskHolders, TASK_REMINDER_HEADLINE } from './task-reminder';

export interface OpenSealUseHandover {
  handoverId: string;
  dueAt: string;
}

export interface SealUseHandoverActivities {
  /** The change's open decisions that have a deadline, for their workflows. */
  openSealUseHandovers(req: { changeId: string }): Promise<OpenSealUseHandover[]>;
  /** When the engine's reminder before the deadline is due (domain/approval-reminders.ts), or null. */
  planSealUseHandoverReminder(req: { dueAt: string; now: string }): Promise<string | null>;
  /** The reminder to the unit's leaders ('before'), or the overdue reminder and escalation ('overdue'). */
  remindSealUseHandover(req: { handoverId: string; stage: 'before' | 'overdue'; at: string }): Promise<void>;
}

const OVERDUE_HEADLINE = '待办任务已超过办理时限，授权仍可用印，请尽快决定';

export function createSealUseHandoverActivities(deps: {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}): SealUseHandoverActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  const calendars = calendarCacheOf(deps.orm);
  return {
    async openSealUseHandovers({ changeId }) {
      const rows = await fork().find(SealUseHandover, { changeId, status: 'pending', dueAt: { $ne: null } });
      return rows.map((r) => ({ handoverId: r.id, dueAt: r.dueAt!.toISOString() }));
    },

    async planSealUseHandoverReminder({ dueAt, now }) {
      const [first] = reminderPlan(await calendars.get(fork()), dueAt, SEAL_USE_HANDOVER_REMINDERS, now);
      return first?.at ?? null;
    },

    async remindSealUseHandover({ handoverId, stage, at }) {
      const em = fork();
      const h = await em.findOne(SealUseHandover, { id: handoverId, status: 'pending' });
      if (!h?.dueAt) return;
      const [unit, seal, leaving] = await Promise.all([
        em.findOneOrFail(Organisation, { id: h.organisationId }),
        em.findOneOrFail(Seal, { id: h.sealId }, { fields: ['id', 'name'] }),
        em.findOneOrFail(AppUser, { id: h.leavingUserId }),
      ]);
      const leaders = await usersWithRole(em, [h.organisationId], 'unit_leader');
      const reminder = {
        kindLabel: INBOX_KIND_LABELS.seal_use_handover,
        title: sealUseHandoverTitle(leaving.displayName, h.reason, seal.name),
        initiatorName: leaving.displayName,
        organisationName: unit.name,
        stepName: '单位负责人决定',
        dueAt: h.dueAt.toISOString(),
        dueProvisional: h.dueProvisional,
        at,
        processKey: sealUseHandoverWorkflowId(h.id),
        about: { type: 'seal_use_handover', id: h.id },
        mailUrl: `${deps.publicUrl}/seal-use-handovers/${encodeURIComponent(h.id)}`,
        noticeUrl: `/seal-use-handovers/${encodeURIComponent(h.id)}`,
      };
      const key = `seal-use-handover-${stage}:${h.id}`;
      if (stage === 'before') {
        await remindTaskHolders(em, deps.mailer, {
          ...reminder,
          key,
          holders: leaders,
          headline: TASK_REMINDER_HEADLINE,
        });
        return;
      }
      const supervisors = await supervisorsOver(em, h.organisationId);
      await remindTaskHolders(em, deps.mailer, {
        ...reminder,
        key,
        holders: [...leaders, ...supervisors.filter((s) => !leaders.some((l) => l.userId === s.userId))],
        headline: OVERDUE_HEADLINE,
      });
      await recordAudit(em, {
        actor: SYSTEM_ACTOR,
        action: 'seal_use.handover_overdue',
        targetType: 'seal_use_authorisation',
        targetId: h.authorisationId,
        outcome: 'success',
        eventKey: key,
        details: {
          handoverId: h.id,
          dueAt: h.dueAt.toISOString(),
          notified: [...leaders, ...supervisors].map((u) => u.userId),
        },
      });
    },
  };
}
