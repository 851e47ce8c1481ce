/**
 * Side effects of the force-majeure workflow (LM-11): the management unit told of the report, the clearance with
 * its backlog and backlog deadline (3 working days, from the working-day calendar), the unit's reminder, and the
 * check at the deadline that records a breach for cases still lacking a licence and escalates it. Idempotent:
 * conditional updates, keyed audit rows and breach rows, e-mails once per key (activities/mail.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { loadWorkingCalendar } from '../db/calendar';
import { Organisation } from '../db/entities';
import { ForceMajeureBreach, ForceMajeureIncident } from '../db/force-majeure-entities';
import type { Orm } from '../db/orm';
import { usersWithRole } from '../db/users';
import type { UserRef } from '../domain/approval';
import type { DisputeActor } from '../domain/dispute';
import {
  BACKLOG_BREACH_LABEL,
  backlogDeadline,
  IncidentClearance,
  missingBacklog,
} from '../domain/force-majeure';
import type { Mailer } from '../mail/mailer';
import { deadlineText } from '../presentation/deadline-text';
import { supervisorsOver, uniqueUsers } from './dispute';
import { sendMailOnce } from './mail';

export interface ForceMajeureActivities {
  /** Records the clearance once (at the workflow's time) with the backlog; answers the backlog deadline. */
  recordIncidentClearance(req: {
    incidentId: string;
    actor: DisputeActor;
    clearance: IncidentClearance;
    at: string;
  }): Promise<{ backlogDueAt: string; backlog: string[] }>;
  recordIncidentAcknowledgement(req: {
    incidentId: string;
    actor: DisputeActor;
    comment: string | null;
    at: string;
  }): Promise<void>;
  notifyIncident(req: { incidentId: string; notice: 'reported' | 'backlog' }): Promise<void>;
  /** At the backlog deadline: the cases still lacking a licence (a breach, escalated, when any). */
  checkIncidentBacklog(req: { incidentId: string; at: string }): Promise<string[]>;
}

export interface ForceMajeureActivityDeps {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}

const actorOf = (a: DisputeActor) => ({
  userId: a.userId,
  username: a.username,
  roles: [],
  organisationId: null,
});

/** Case ids of the unit's affected types closed during the incident whose licence the platform has not issued. */
async function knownBacklog(em: EntityManager, incident: ForceMajeureIncident, clearedAt: Date) {
  const rows: Array<{ case_id: string }> = await em.getConnection().execute(
    `select case_id from licence_issuance
      where organisation_id = ? and type_code in (select jsonb_array_elements_text(?::jsonb))
        and status <> 'issued' and case_closed_at >= ? and case_closed_at <= ?
      order by case_closed_at`,
    [incident.organisationId, JSON.stringify(incident.typeCodes), incident.since, clearedAt],
  );
  return rows.map((r) => r.case_id);
}

export function createForceMajeureActivities(deps: ForceMajeureActivityDeps): ForceMajeureActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  const pageUrl = (id: string) => `${deps.publicUrl}/force-majeure/${id}`;

  const mail = async (
    em: EntityManager,
    incidentId: string,
    key: string,
    users: UserRef[],
    content: { headline: string; lines: string[] },
  ) => {
    for (const user of uniqueUsers(users)) {
      if (!user.email) continue;
      await sendMailOnce(em, deps.mailer, {
        idempotencyKey: `force-majeure-${key}:${incidentId}:${user.userId}`,
        to: user.email,
        template: 'force-majeure-notice',
        about: { type: 'force_majeure_incident', id: incidentId },
        context: { recipientName: user.displayName, ...content, url: pageUrl(incidentId) },
      });
    }
  };
  const unitStaff = (em: EntityManager, organisationId: string) =>
    Promise.all([
      usersWithRole(em, [organisationId], 'unit_leader'),
      usersWithRole(em, [organisationId], 'licence_issuer'),
    ]).then((lists) => lists.flat());

  return {
    async recordIncidentClearance({ incidentId, actor, clearance, at }) {
      const em = fork();
      const clearedAt = new Date(at);
      const due = backlogDeadline(await loadWorkingCalendar(em), clearedAt);
      await em.transactional(async (tx) => {
        const incident = await tx.findOneOrFail(ForceMajeureIncident, { id: incidentId });
        if (incident.status !== 'open') return; // a retry: recorded already
        const backlog = [
          ...new Set([...clearance.backlogCaseIds, ...(await knownBacklog(tx, incident, clearedAt))]),
        ];
        await tx.nativeUpdate(
          ForceMajeureIncident,
          { id: incidentId, status: 'open' },
          {
            status: 'cleared',
            clearedBy: actor.userId,
            clearedAt,
            clearanceNote: clearance.note ?? null,
            backlog,
            backlogDueAt: new Date(due.dueAt),
            backlogDueProvisional: due.provisional,
          },
        );
        await recordAudit(tx, {
          actor: actorOf(actor),
          action: 'force_majeure.clear',
          targetType: 'force_majeure_incident',
          targetId: incidentId,
          outcome: 'success',
          eventKey: `force_majeure.clear:${incidentId}`,
          details: { backlog, backlogDueAt: due.dueAt },
        });
      });
      const stored = await fork().findOneOrFail(ForceMajeureIncident, { id: incidentId });
      return { backlogDueAt: stored.backlogDueAt!.toISOString(), backlog: stored.backlog };
    },

    async recordIncidentAcknowledgement({ incidentId, actor, comment, at }) {
      await fork().transactional(async (tx) => {
        await tx.nativeUpdate(
          ForceMajeureIncident,
          { id: incidentId, acknowledgedAt: null },
          { acknowledgedBy: actor.userId, acknowledgedAt: new Date(at) },
        );
        await recordAudit(tx, {
          actor: actorOf(actor),
          action: 'force_majeure.acknowledge',
          targetType: 'force_majeure_incident',
          targetId: incidentId,
          outcome: 'success',
          eventKey: `force_majeure.acknowledge:${incidentId}`,
          details: comment ? { comment } : {},
        });
      });
    },

    async notifyIncident({ incidentId, notice }) {
      const em = fork();
      const incident = await em.findOneOrFail(ForceMajeureIncident, { id: incidentId });
      const unit = await em.findOneOrFail(Organisation, { id: incident.organisationId });
      if (notice === 'reported') {
        await mail(em, incidentId, 'reported', await supervisorsOver(em, unit.id), {
          headline: `${unit.name}报告不可抗力故障`,
          lines: [
            `故障情况：${incident.failure}`,
            `发生时间：${deadlineText(incident.since.toISOString())}`,
            `受影响证照类型：${incident.typeCodes.join('、')}`,
            `应急措施：${incident.measures}`,
            '请确认收到报告。',
          ],
        });
        return;
      }
      await mail(em, incidentId, 'backlog', await unitStaff(em, unit.id), {
        headline: '故障已排除，请按时补制积压证照',
        lines: [
          `补制时限：${deadlineText(incident.backlogDueAt!.toISOString())}`,
          incident.backlog.length > 0
            ? `尚未制发证照的业务：${incident.backlog.join('、')}`
            : '平台未发现尚未制发证照的业务。',
        ],
      });
    },

    async checkIncidentBacklog({ incidentId, at }) {
      const em = fork();
      const incident = await em.findOneOrFail(ForceMajeureIncident, { id: incidentId });
      const dueAt = incident.backlogDueAt!;
      const issued: Array<{ case_id: string }> = await em.getConnection().execute(
        `select case_id from licence_issuance
          where organisation_id = ? and case_id in (select jsonb_array_elements_text(?::jsonb))
            and status = 'issued' and completed_at <= ?`,
        [incident.organisationId, JSON.stringify(incident.backlog), dueAt],
      );
      const missing = missingBacklog(
        incident.backlog,
        issued.map((r) => r.case_id),
      );
      await em.transactional(async (tx) => {
        await tx.nativeUpdate(
          ForceMajeureIncident,
          { id: incidentId, status: 'cleared' },
          { status: 'closed', closedAt: new Date(at) },
        );
        if (missing.length === 0) return;
        await tx
          .createQueryBuilder(ForceMajeureBreach)
          .insert({
            incidentId,
            organisationId: incident.organisationId,
            dueAt,
            breachedAt: new Date(at),
            missingCaseIds: missing,
          })
          .onConflict(['incidentId'])
          .ignore()
          .execute();
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: 'force_majeure.breach',
          targetType: 'force_majeure_incident',
          targetId: incidentId,
          outcome: 'success',
          eventKey: `force_majeure.breach:${incidentId}`,
          details: { dueAt: dueAt.toISOString(), missingCaseIds: missing },
        });
      });
      if (missing.length > 0) {
        const unit = await em.findOneOrFail(Organisation, { id: incident.organisationId });
        const to = [...(await supervisorsOver(em, unit.id)), ...(await unitStaff(em, unit.id))];
        await mail(em, incidentId, 'breach', to, {
          headline: `${unit.name}${BACKLOG_BREACH_LABEL}`,
          lines: [
            `补制时限：${deadlineText(dueAt.toISOString())}`,
            `仍未制发证照的业务：${missing.join('、')}`,
          ],
        });
      }
      return missing;
    },
  };
}
