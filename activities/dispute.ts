/**
 * Side effects of the dispute workflow (LM-23): the marker, the outcome, the timeline, the breaches with their
 * escalation to the management unit, and the challenger's e-mails. Idempotent: status changes are conditional
 * updates, events and audit rows are keyed, e-mails are sent once per key (activities/mail.ts).
 */
import { Context } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditActor, recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { calendarCacheOf } from '../db/calendar';
import { Dispute, DisputeBreach, DisputeEvent } from '../db/dispute-entities';
import { disputeTaskHolders } from '../db/dispute-holders';
import { AppUser, Jurisdiction, Organisation } from '../db/entities';
import type { Orm } from '../db/orm';
import { usersWithRole } from '../db/users';
import type { UserRef } from '../domain/approval';
import { reminderPlan } from '../domain/approval-reminders';
import {
  BREACH_LABELS,
  DISPUTE_MARKER_LABEL,
  DisputeActor,
  DisputeAnswer,
  DisputeBreachKind,
  DISPUTE_TASK_REMINDERS,
  DISPUTE_TASK_STEPS,
  disputeWorkflowId,
  OUTCOME_LABELS,
} from '../domain/dispute';
import { INBOX_KIND_LABELS } from '../domain/inbox';
import type { Mailer } from '../mail/mailer';
import { deadlineText } from '../presentation/deadline-text';
import { sendMailOnce } from './mail';
import { remindTaskHolders, TASK_REMINDER_HEADLINE } from './task-reminder';

export interface DisputeActivities {
  markDispute(req: {
    disputeId: string;
    by: 'unit' | 'platform';
    actor: DisputeActor | null;
    comment: string | null;
    /** The workflow's time of the step (ISO), recorded as such whenever the activity runs. */
    at: string;
  }): Promise<void>;
  recordDisputeBreach(req: { disputeId: string; kind: DisputeBreachKind; at: string }): Promise<void>;
  recordDisputeOutcome(req: {
    disputeId: string;
    actor: DisputeActor;
    answer: DisputeAnswer;
    at: string;
  }): Promise<void>;
  withdrawDispute(req: {
    disputeId: string;
    actor: DisputeActor;
    reason: string | null;
    at: string;
  }): Promise<void>;
  /** An event of the timeline; returns its id, the same on a retry. */
  recordDisputeEvent(req: {
    disputeId: string;
    kind: string;
    actor: DisputeActor;
    detail: Record<string, unknown>;
  }): Promise<string>;
  notifyChallenger(req: {
    disputeId: string;
    notice: 'receipt' | 'material' | 'outcome';
    eventId?: string;
  }): Promise<void>;
  /** When the engine's reminder for a dispute task's deadline is due (domain/approval-reminders.ts), or null. */
  planDisputeReminder(req: { dueAt: string; now: string }): Promise<string | null>;
  /** The engine's reminder to the task's holders: its e-mail and an in-app notice, once per task and holder. */
  remindDisputeHandlers(req: { disputeId: string; task: DisputeTask; at: string }): Promise<void>;
}

/** A dispute's two decisions as inbox tasks: the marker's and the outcome's. */
export type DisputeTask = 'marker' | 'outcome';

export interface DisputeActivityDeps {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}

const auditActor = (actor: DisputeActor | null): AuditActor =>
  actor ? { userId: actor.userId, username: actor.username, roles: [], organisationId: null } : SYSTEM_ACTOR;

/** Inserts a timeline event once per key. */
async function addEvent(
  em: EntityManager,
  e: {
    disputeId: string;
    kind: string;
    actor: string;
    detail?: Record<string, unknown>;
    key: string;
    at?: string;
  },
): Promise<void> {
  await em
    .createQueryBuilder(DisputeEvent)
    .insert({
      id: e.key,
      disputeId: e.disputeId,
      kind: e.kind,
      actorUsername: e.actor,
      detail: e.detail ?? {},
      at: e.at ? new Date(e.at) : new Date(),
      eventKey: e.key,
    })
    .onConflict('eventKey')
    .ignore()
    .execute();
}

/** The supervisors of the nearest management unit whose jurisdiction contains the unit (walking up; LM-28). */
export async function supervisorsOver(em: EntityManager, organisationId: string): Promise<UserRef[]> {
  const unit = await em.findOneOrFail(Organisation, { id: organisationId });
  let supervisors: UserRef[] = [];
  for (let id: string | null = unit.jurisdictionId; id && supervisors.length === 0;) {
    const units = await em.find(Organisation, {
      jurisdictionId: id,
      functions: { $contains: ['management_unit'] },
    });
    supervisors = await usersWithRole(
      em,
      units.map((u) => u.id),
      'supervisor',
    );
    const j: Jurisdiction | null = await em.findOne(Jurisdiction, { id });
    id = j?.parentId ?? null;
  }
  return supervisors;
}

/** Users once each, in order. */
export function uniqueUsers(users: readonly UserRef[]): UserRef[] {
  const seen = new Set<string>();
  return users.filter((u) => !seen.has(u.userId) && !!seen.add(u.userId));
}

/**
 * Who hears of a breach (LM-28): the supervisors of the nearest management unit whose jurisdiction contains the
 * issuing unit, and the issuing unit's dispute handlers.
 */
async function escalationRecipients(em: EntityManager, issuerId: string): Promise<UserRef[]> {
  const supervisors = await supervisorsOver(em, issuerId);
  const handlers = await usersWithRole(em, [issuerId], 'dispute_handler');
  return uniqueUsers([...supervisors, ...handlers]);
}

export function createDisputeActivities(deps: DisputeActivityDeps): DisputeActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  const pageUrl = (id: string) => `${deps.publicUrl}/disputes/${id}`;
  const calendars = calendarCacheOf(deps.orm);

  return {
    async markDispute({ disputeId, by, actor, comment, at }) {
      await fork().transactional(async (tx) => {
        await tx.nativeUpdate(
          Dispute,
          { id: disputeId, status: 'received' },
          { status: 'marked', markedAt: new Date(at), markedBy: by },
        );
        const kind = by === 'unit' ? 'marked' : 'platform_marked';
        await addEvent(tx, {
          disputeId,
          kind,
          actor: actor?.username ?? 'system',
          detail: comment ? { comment } : {},
          key: `dispute.${kind}:${disputeId}`,
          at,
        });
        await recordAudit(tx, {
          actor: auditActor(actor),
          action: `dispute.${kind}`,
          targetType: 'dispute',
          targetId: disputeId,
          outcome: 'success',
          eventKey: `dispute.${kind}:${disputeId}`,
          details: { marker: DISPUTE_MARKER_LABEL },
        });
      });
    },

    async recordDisputeBreach({ disputeId, kind, at }) {
      const em = fork();
      const dispute = await em.findOneOrFail(Dispute, { id: disputeId });
      const dueAt = kind === 'marker_late' ? dispute.markerDueAt : dispute.outcomeDueAt;
      await em.transactional(async (tx) => {
        await tx
          .createQueryBuilder(DisputeBreach)
          .insert({
            disputeId,
            kind,
            issuerOrganisationId: dispute.issuerOrganisationId,
            dueAt,
            breachedAt: new Date(at),
          })
          .onConflict(['disputeId', 'kind'])
          .ignore()
          .execute();
        await addEvent(tx, {
          disputeId,
          kind: `breach_${kind}`,
          actor: 'system',
          key: `dispute.breach:${disputeId}:${kind}`,
          at,
        });
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: 'dispute.breach',
          targetType: 'dispute',
          targetId: disputeId,
          outcome: 'success',
          eventKey: `dispute.breach:${disputeId}:${kind}`,
          details: { kind, dueAt: dueAt.toISOString(), issuerOrganisationId: dispute.issuerOrganisationId },
        });
      });
      const issuer = await em.findOneOrFail(Organisation, { id: dispute.issuerOrganisationId });
      for (const user of await escalationRecipients(em, dispute.issuerOrganisationId)) {
        if (!user.email) continue;
        await sendMailOnce(em, deps.mailer, {
          idempotencyKey: `dispute-breach:${disputeId}:${kind}:${user.userId}`,
          to: user.email,
          template: 'dispute-notice',
          about: { type: 'dispute', id: disputeId },
          context: {
            recipientName: user.displayName,
            headline: `${issuer.name}${BREACH_LABELS[kind]}`,
            licenceIdentifier: dispute.licenceIdentifier,
            lines: [
              `时限：${deadlineText(dueAt.toISOString())}`,
              kind === 'marker_late'
                ? `平台已自动标注“${DISPUTE_MARKER_LABEL}”。`
                : '请督促该单位尽快答复异议人。',
            ],
            url: pageUrl(disputeId),
          },
        });
      }
    },

    async recordDisputeOutcome({ disputeId, actor, answer, at }) {
      await fork().transactional(async (tx) => {
        await tx.nativeUpdate(
          Dispute,
          { id: disputeId, status: { $in: ['received', 'marked'] } },
          {
            status: 'resolved',
            outcome: answer.outcome,
            outcomeReasons: answer.reasons,
            newIdentifier: answer.newIdentifier ?? null,
            closedAt: new Date(at),
          },
        );
        await addEvent(tx, {
          disputeId,
          kind: 'answered',
          actor: actor.username,
          detail: { ...answer },
          key: `dispute.answered:${disputeId}`,
          at,
        });
        await recordAudit(tx, {
          actor: auditActor(actor),
          action: 'dispute.answer',
          targetType: 'dispute',
          targetId: disputeId,
          outcome: 'success',
          eventKey: `dispute.answered:${disputeId}`,
          details: { outcome: answer.outcome, newIdentifier: answer.newIdentifier ?? null },
        });
      });
    },

    async withdrawDispute({ disputeId, actor, reason, at }) {
      await fork().transactional(async (tx) => {
        await tx.nativeUpdate(
          Dispute,
          { id: disputeId, status: { $in: ['received', 'marked'] } },
          { status: 'withdrawn', closedAt: new Date(at) },
        );
        await addEvent(tx, {
          disputeId,
          kind: 'withdrawn',
          actor: actor.username,
          detail: reason ? { reason } : {},
          key: `dispute.withdrawn:${disputeId}`,
          at,
        });
        await recordAudit(tx, {
          actor: auditActor(actor),
          action: 'dispute.withdraw',
          targetType: 'dispute',
          targetId: disputeId,
          outcome: 'success',
          eventKey: `dispute.withdrawn:${disputeId}`,
        });
      });
    },

    async recordDisputeEvent({ disputeId, kind, actor, detail }) {
      // The activity's id within its workflow run is stable across retries: one event however often it runs.
      const info = Context.current().info;
      const key = `dispute.${kind}:${disputeId}:${info.workflowExecution?.runId ?? ''}:${info.activityId}`;
      await addEvent(fork(), { disputeId, kind, actor: actor.username, detail, key });
      return key;
    },

    async notifyChallenger({ disputeId, notice, eventId }) {
      const em = fork();
      const dispute = await em.findOneOrFail(Dispute, { id: disputeId });
      const email =
        dispute.challengerEmail ??
        (dispute.challengerUserId
          ? (await em.findOne(AppUser, { id: dispute.challengerUserId }))?.email
          : null);
      if (!email) return;
      await sendMailOnce(em, deps.mailer, {
        idempotencyKey: `dispute-${notice}:${eventId ?? disputeId}`,
        to: email,
        template: 'dispute-notice',
        about: { type: 'dispute', id: disputeId },
        context: {
          recipientName: dispute.challengerName,
          licenceIdentifier: dispute.licenceIdentifier,
          ...(await challengerNotice(em, dispute, notice, eventId)),
          url: pageUrl(disputeId),
        },
      });
    },

    async planDisputeReminder({ dueAt, now }) {
      const [first] = reminderPlan(await calendars.get(fork()), dueAt, DISPUTE_TASK_REMINDERS, now);
      return first?.at ?? null;
    },

    async remindDisputeHandlers({ disputeId, task, at }) {
      const em = fork();
      const dispute = await em.findOneOrFail(Dispute, { id: disputeId });
      const issuer = await em.findOneOrFail(Organisation, { id: dispute.issuerOrganisationId });
      await remindHolders(em, deps, { dispute, issuer, task, at });
    },
  };
}

/** The engine's reminder to the task's holders (activities/task-reminder.ts). */
async function remindHolders(
  em: EntityManager,
  deps: DisputeActivityDeps,
  r: { dispute: Dispute; issuer: Organisation; task: DisputeTask; at: string },
): Promise<void> {
  const { dispute: d, task, at } = r;
  await remindTaskHolders(em, deps.mailer, {
    key: `dispute-remind:${d.id}:${task}`,
    holders: await disputeTaskHolders(em, d.issuerOrganisationId),
    headline: TASK_REMINDER_HEADLINE,
    kindLabel: INBOX_KIND_LABELS.dispute,
    title: `证照 ${d.licenceIdentifier} 的异议（${d.items.join('、')}）`,
    initiatorName: d.challengerName,
    organisationName: r.issuer.name,
    stepName: DISPUTE_TASK_STEPS[task === 'marker' ? 'received' : 'marked']!,
    dueAt: (task === 'marker' ? d.markerDueAt : d.outcomeDueAt).toISOString(),
    dueProvisional: task === 'marker' ? d.markerProvisional : d.outcomeProvisional,
    at,
    processKey: disputeWorkflowId(d.id),
    about: { type: 'dispute', id: d.id },
    mailUrl: `${deps.publicUrl}/tasks`,
    noticeUrl: `/disputes/${d.id}`,
  });
}

/** The headline and lines of the challenger's e-mail. */
async function challengerNotice(
  em: EntityManager,
  d: Dispute,
  notice: 'receipt' | 'material' | 'outcome',
  eventId: string | undefined,
): Promise<{ headline: string; lines: string[] }> {
  if (notice === 'receipt') {
    return {
      headline: '您对电子证照提出的异议已受理',
      lines: [
        `有异议的数据项：${d.items.join('、')}`,
        `颁发单位应于 ${deadlineText(d.markerDueAt.toISOString())} 前标注异议`,
        `并于 ${deadlineText(d.outcomeDueAt.toISOString())} 前告知处理结果`,
      ],
    };
  }
  if (notice === 'material') {
    const event = eventId ? await em.findOne(DisputeEvent, { id: eventId }) : null;
    return {
      headline: '颁发单位请您补充异议材料',
      lines: [String(event?.detail.message ?? ''), '补充材料不影响办理时限。'],
    };
  }
  const lines = [`处理结果：${OUTCOME_LABELS[d.outcome!]}`, `理由：${d.outcomeReasons ?? ''}`];
  if (d.newIdentifier) lines.push(`更正后的新版本证照标识：${d.newIdentifier}`);
  return { headline: '您提出的证照异议已办结', lines };
}
