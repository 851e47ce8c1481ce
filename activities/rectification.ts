/**
 * Side effects of the rectification-order workflow (LM-30): each step recorded (order row, timeline, audit, the
 * findings' state), the reminder before the deadline, and the escalation at it: 逾期未整改, the persons
 * responsible recorded, the unit's leader and the higher management unit told. Idempotent: keyed events, audit
 * rows and e-mails; conditional updates.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { DesignatedStaff } from '../db/dispute-entities';
import { Jurisdiction, Organisation } from '../db/entities';
import type { Orm } from '../db/orm';
import {
  RectificationEvent,
  RectificationOrder,
  ResponsiblePerson,
  SupervisionFinding,
} from '../db/supervision-entities';
import { userRefs, usersWithRole } from '../db/users';
import type { UserRef } from '../domain/approval';
import type { RectificationAction, RectificationStatus } from '../domain/rectification';
import type { Mailer } from '../mail/mailer';
import { deadlineText } from '../presentation/deadline-text';
import { sendMailOnce } from './mail';

export interface RectificationActivities {
  recordRectificationStep(req: {
    orderId: string;
    action: RectificationAction;
    /** The step's number in the order: the key of its records. */
    n: number;
    actor: { username: string };
    detail: Record<string, unknown>;
    status: RectificationStatus;
    at: string;
  }): Promise<void>;
  remindRectification(req: { orderId: string; dueAt: string; at: string }): Promise<void>;
  escalateRectification(req: { orderId: string; dueAt: string; at: string }): Promise<void>;
}

export interface RectificationActivityDeps {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}

async function addEvent(
  em: EntityManager,
  e: {
    orderId: string;
    kind: string;
    actor: string;
    detail: Record<string, unknown>;
    key: string;
    at: string;
  },
) {
  await em
    .createQueryBuilder(RectificationEvent)
    .insert({
      id: e.key,
      orderId: e.orderId,
      kind: e.kind,
      actorUsername: e.actor,
      detail: e.detail,
      at: new Date(e.at),
      eventKey: e.key,
    })
    .onConflict('eventKey')
    .ignore()
    .execute();
}

/** The unit's designated persons (LM-24), else its leaders: who is reminded, and who answers for a failure. */
async function responsiblePersons(em: EntityManager, organisationId: string): Promise<ResponsiblePerson[]> {
  const designated = await em.find(DesignatedStaff, { organisationId, untilAt: null });
  const people = await userRefs(em, { id: { $in: designated.map((d) => d.userId) } });
  const leaders = await usersWithRole(em, [organisationId], 'unit_leader');
  const out: ResponsiblePerson[] = designated.map((d) => ({
    userId: d.userId,
    displayName: people.find((p) => p.userId === d.userId)?.displayName ?? d.userId,
    position: d.position === 'responsible' ? '指定负责人' : '指定副职',
  }));
  for (const l of leaders) {
    if (!out.some((p) => p.userId === l.userId))
      out.push({ userId: l.userId, displayName: l.displayName, position: '单位负责人' });
  }
  return out;
}

/** The supervisors of the management unit one level above the ordering one (the higher management unit). */
async function higherSupervisors(em: EntityManager, managementOrganisationId: string): Promise<UserRef[]> {
  const unit = await em.findOneOrFail(Organisation, { id: managementOrganisationId });
  const here = await em.findOne(Jurisdiction, { id: unit.jurisdictionId });
  for (let id = here?.parentId ?? null; id;) {
    const units = await em.find(Organisation, {
      jurisdictionId: id,
      functions: { $contains: ['management_unit'] },
    });
    const supervisors = await usersWithRole(
      em,
      units.map((u) => u.id),
      'supervisor',
    );
    if (supervisors.length > 0) return supervisors;
    id = (await em.findOne(Jurisdiction, { id }))?.parentId ?? null;
  }
  return [];
}

export function createRectificationActivities(deps: RectificationActivityDeps): RectificationActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  const pageUrl = (id: string) => `${deps.publicUrl}/rectification-orders/${id}`;

  const mail = async (
    em: EntityManager,
    users: UserRef[],
    key: string,
    headline: string,
    lines: string[],
    id: string,
  ) => {
    for (const user of users) {
      if (!user.email) continue;
      await sendMailOnce(em, deps.mailer, {
        idempotencyKey: `${key}:${user.userId}`,
        to: user.email,
        template: 'supervision-notice',
        about: { type: 'rectification_order', id },
        context: { recipientName: user.displayName, headline, lines, url: pageUrl(id) },
      });
    }
  };

  return {
    async recordRectificationStep({ orderId, action, n, actor, detail, status, at }) {
      const key = `rectification.${action}:${orderId}:${n}`;
      await fork().transactional(async (tx) => {
        const changes: Partial<RectificationOrder> = { status };
        if (action === 'extend') {
          changes.deadlineAt = new Date(String(detail.dueAt));
          changes.extensionReason = String(detail.reason);
        }
        if (action === 'accept') changes.closedAt = new Date(at);
        await tx.nativeUpdate(RectificationOrder, { id: orderId }, changes);
        if (action === 'accept') {
          const order = await tx.findOneOrFail(RectificationOrder, { id: orderId });
          await tx.nativeUpdate(
            SupervisionFinding,
            { id: { $in: order.findingIds } },
            { state: 'rectified' },
          );
        }
        await addEvent(tx, { orderId, kind: action, actor: actor.username, detail, key, at });
        await recordAudit(tx, {
          actor: { userId: null, username: actor.username, roles: [], organisationId: null },
          action: `rectification.${action}`,
          targetType: 'rectification_order',
          targetId: orderId,
          outcome: 'success',
          eventKey: key,
          details: { ...detail, status },
        });
      });
    },

    async remindRectification({ orderId, dueAt }) {
      const em = fork();
      const order = await em.findOneOrFail(RectificationOrder, { id: orderId });
      const people = await responsiblePersons(em, order.organisationId);
      const users = await userRefs(em, { id: { $in: people.map((p) => p.userId) } });
      await mail(
        em,
        users,
        `rectification-reminder:${orderId}:${dueAt}`,
        '整改期限即将届满',
        [`整改要求：${order.requirements}`, `整改期限：${deadlineText(dueAt)}`, '请于期限前提交整改报告。'],
        orderId,
      );
    },

    async escalateRectification({ orderId, dueAt, at }) {
      const em = fork();
      const order = await em.findOneOrFail(RectificationOrder, { id: orderId });
      const persons = await responsiblePersons(em, order.organisationId);
      await em.transactional(async (tx) => {
        await tx.nativeUpdate(
          RectificationOrder,
          { id: orderId },
          {
            status: 'overdue',
            escalatedAt: new Date(at),
            closedAt: new Date(at),
            responsiblePersons: persons,
          },
        );
        const key = `rectification.overdue:${orderId}`;
        await addEvent(tx, { orderId, kind: 'overdue', actor: 'system', detail: { persons }, key, at });
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: 'rectification.overdue',
          targetType: 'rectification_order',
          targetId: orderId,
          outcome: 'success',
          eventKey: key,
          details: { dueAt, responsiblePersons: persons },
        });
      });
      const unit = await em.findOneOrFail(Organisation, { id: order.organisationId });
      const leaders = await usersWithRole(em, [order.organisationId], 'unit_leader');
      const higher = await higherSupervisors(em, order.managementOrganisationId);
      await mail(
        em,
        [...leaders, ...higher],
        `rectification-overdue:${orderId}`,
        `${unit.name}逾期未整改`,
        [
          `整改要求：${order.requirements}`,
          `整改期限：${deadlineText(dueAt)}`,
          `责任人员：${persons.map((p) => `${p.displayName}（${p.position}）`).join('、') || '未指定'}`,
        ],
        orderId,
      );
    },
  };
}
