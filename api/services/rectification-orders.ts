/**
 * Rectification orders (issue 14, LM-30): a management unit's supervisor orders a unit in its jurisdiction to
 * rectify findings by a deadline; the unit's designated person (or its leader) submits a report; the supervisor
 * accepts or returns it, or extends the deadline once. Each decision is an update of the order's workflow
 * (`rectification-<id>`), which also reminds and escalates. A unit sees its own orders; a management unit those
 * of its jurisdiction.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { Attachment } from '../../db/approval-entities';
import { calendarCacheOf } from '../../db/calendar';
import { DesignatedStaff } from '../../db/dispute-entities';
import { Organisation } from '../../db/entities';
import { RectificationEvent, RectificationOrder, SupervisionFinding } from '../../db/supervision-entities';
import { timeLeftMs } from '../../domain/calendar';
import {
  RECTIFICATION_STATUS_LABELS,
  rectificationDeadline,
  rectificationReminderAt,
  rectificationWorkflowId,
} from '../../domain/rectification';
import {
  RectificationExtendBody,
  RectificationOrderBody,
  RectificationReportBody,
  RectificationReviewBody,
} from '../../domain/rectification-schema';
import { DurableRequests, NewRequest } from '../../usecases/durable-request';
import { rectificationWorkflow } from '../../workflows/rectification';
import {
  acceptReportUpdate,
  extendOrderUpdate,
  RECTIFICATION_REFUSED,
  RectificationActor,
  returnReportUpdate,
  submitReportUpdate,
} from '../../workflows/rectification-messages';
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import { findingJson } from './supervision-findings';

export type RectificationDecision = 'submit' | 'accept' | 'return' | 'extend';
export const RECTIFICATION_DECISIONS: readonly RectificationDecision[] = [
  'submit',
  'accept',
  'return',
  'extend',
];

const actorFrom = (p: Principal): RectificationActor => ({
  userId: p.userId,
  username: p.username,
  displayName: p.displayName,
});

export class RectificationOrderService {
  constructor(private readonly ctx: AppContext) {}

  /** POST /api/rectification-orders: the order, its findings marked 已责令整改, its workflow started. */
  async order(principal: Principal, raw: unknown, meta: RequestMeta) {
    if (!isManagementOverseer(principal)) throw forbidden('只有管理单位的监督管理人员可以责令整改');
    const body = parse(RectificationOrderBody, raw);
    const em = this.ctx.em();
    const unit = await em.findOne(Organisation, { id: body.organisationId });
    if (!unit) throw notFound('单位');
    if (!(await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, unit.jurisdictionId))) {
      throw forbidden('该单位不在您的管辖范围内');
    }
    const findings = await em.find(SupervisionFinding, { id: { $in: body.findingIds } });
    body.findingIds.forEach((id, i) => {
      const f = findings.find((x) => x.id === id);
      if (!f || f.organisationId !== unit.id) {
        throw badRequest([
          { field: `findingIds.${i}`, rule: 'finding', message: '该问题不存在或不属于该单位' },
        ]);
      }
      if (f.state !== 'new') {
        throw badRequest([
          { field: `findingIds.${i}`, rule: 'finding_state', message: '该问题已责令整改或已处理' },
        ]);
      }
    });
    const orderedAt = new Date();
    const calendar = await calendarCacheOf(this.ctx.orm).get(em);
    const due = rectificationDeadline(calendar, orderedAt, body.deadline);
    if (Date.parse(due.dueAt) <= orderedAt.getTime()) {
      throw badRequest([{ field: 'deadline', rule: 'in_past', message: '整改期限应晚于当前时间' }]);
    }
    const id = randomUUID();
    const workflowId = rectificationWorkflowId(id);
    const audit = {
      actor: actorOf(principal),
      action: 'rectification.order',
      targetType: 'rectification_order',
      targetId: id,
      requestId: meta.requestId,
      ip: meta.ip,
    };
    await new DurableRequests(this.ctx).submit<typeof rectificationWorkflow, never>({
      prepare: async (): Promise<NewRequest<typeof rectificationWorkflow>> => ({
        workflow: rectificationWorkflow,
        workflowId,
        args: [
          {
            orderId: id,
            dueAt: due.dueAt,
            remindAt: rectificationReminderAt(calendar, due.dueAt, orderedAt),
          },
        ],
        insert: async (tx) => {
          await tx.insert(RectificationOrder, {
            id,
            managementOrganisationId: principal.organisationId,
            organisationId: unit.id,
            findingIds: body.findingIds,
            requirements: body.requirements,
            deadlineAt: new Date(due.dueAt),
            deadlineProvisional: due.provisional,
            status: 'open',
            extensionReason: null,
            responsiblePersons: [],
            orderedBy: principal.username,
            orderedAt,
            escalatedAt: null,
            closedAt: null,
            workflowId,
          });
          const updated = await tx.nativeUpdate(
            SupervisionFinding,
            { id: { $in: body.findingIds }, state: 'new' },
            { state: 'ordered', orderId: id },
          );
          if (updated !== body.findingIds.length) throw conflict('所选问题已被责令整改，请刷新后重试');
        },
        audit: { ...audit, details: { organisationId: unit.id, findingIds: body.findingIds, deadline: due } },
        undo: async (tx) => {
          await tx.nativeUpdate(SupervisionFinding, { orderId: id }, { state: 'new', orderId: null });
          await tx.nativeDelete(RectificationOrder, { id });
        },
        failureAudit: (err) => ({ ...audit, details: { error: String(err) } }),
        unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，整改通知未发出，请稍后重试'),
      }),
    });
    return this.view(principal, id);
  }

  /** A decision on the order, sent to its workflow; refused ones are 409. */
  async decide(principal: Principal, id: string, decision: RectificationDecision, raw: unknown) {
    const order = await this.ctx.em().findOne(RectificationOrder, { id });
    if (!order) throw notFound('整改通知');
    const handle = this.ctx.temporal.workflow.getHandle(order.workflowId);
    const actor = actorFrom(principal);
    if (decision === 'submit') {
      if (!(await this.maySubmit(principal, order))) {
        throw forbidden('只有被责令整改单位的指定负责人或单位负责人可以提交整改报告');
      }
      const body = parse(RectificationReportBody, raw ?? {});
      const attachments = await this.attachments(principal, body.attachments);
      await send(() =>
        handle.executeUpdate(submitReportUpdate, { args: [{ actor, report: body.report, attachments }] }),
      );
      return this.view(principal, id);
    }
    if (!(await this.oversees(principal, order)))
      throw forbidden('只有管理单位的监督管理人员可以验收、退回或延期');
    if (decision === 'extend') {
      const body = parse(RectificationExtendBody, raw ?? {});
      const calendar = await calendarCacheOf(this.ctx.orm).get(this.ctx.em());
      const now = new Date();
      const due = rectificationDeadline(calendar, now, body.deadline);
      if (Date.parse(due.dueAt) <= order.deadlineAt.getTime()) {
        throw badRequest([{ field: 'deadline', rule: 'not_later', message: '延长后的期限应晚于原整改期限' }]);
      }
      const remindAt = rectificationReminderAt(calendar, due.dueAt, now);
      await send(() =>
        handle.executeUpdate(extendOrderUpdate, {
          args: [{ actor, reason: body.reason, dueAt: due.dueAt, remindAt }],
        }),
      );
      return this.view(principal, id);
    }
    const body = parse(RectificationReviewBody, raw ?? {});
    const update = decision === 'accept' ? acceptReportUpdate : returnReportUpdate;
    await send(() => handle.executeUpdate(update, { args: [{ actor, comment: body.comment }] }));
    return this.view(principal, id);
  }

  /** GET /api/rectification-orders: the caller's unit's orders, or those of a management unit's jurisdiction. */
  async list(principal: Principal) {
    const em = this.ctx.em();
    let where: object = { organisationId: principal.organisationId };
    if (isManagementOverseer(principal)) {
      const jurisdictions = await this.ctx.jurisdictions.within(principal.jurisdictionId);
      const units = await em.find(
        Organisation,
        { jurisdictionId: { $in: jurisdictions } },
        { fields: ['id'] },
      );
      where = { organisationId: { $in: units.map((u) => u.id) } };
    }
    const rows = await em.find(RectificationOrder, where, { orderBy: { orderedAt: 'desc' }, limit: 1000 });
    const now = new Date();
    return { items: rows.map((o) => ({ ...orderJson(o), timeLeftMs: timeLeftMs(o.deadlineAt, now) })) };
  }

  /** GET /api/rectification-orders/:id: the order, its findings and timeline. */
  async view(principal: Principal, id: string) {
    const em = this.ctx.em();
    const order = await em.findOne(RectificationOrder, { id }, { disableIdentityMap: true });
    if (!order) throw notFound('整改通知');
    if (order.organisationId !== principal.organisationId && !(await this.oversees(principal, order))) {
      throw forbidden('无权查看其他单位的整改通知');
    }
    const unit = await em.findOneOrFail(Organisation, { id: order.organisationId });
    const findings = await em.find(
      SupervisionFinding,
      { id: { $in: order.findingIds } },
      { disableIdentityMap: true },
    );
    const events = await em.find(RectificationEvent, { orderId: id }, { orderBy: { at: 'asc', id: 'asc' } });
    return {
      ...orderJson(order),
      unitName: unit.name,
      findings: findings.map((f) => findingJson(f, unit)),
      events: events.map((e) => ({
        kind: e.kind,
        actor: e.actorUsername,
        detail: e.detail,
        at: e.at.toISOString(),
      })),
    };
  }

  private async oversees(principal: Principal, order: RectificationOrder): Promise<boolean> {
    if (!isManagementOverseer(principal)) return false;
    const unit = await this.ctx.em().findOneOrFail(Organisation, { id: order.organisationId });
    return this.ctx.jurisdictions.isWithin(principal.jurisdictionId, unit.jurisdictionId);
  }

  /** The unit's designated persons (LM-24) or its leader. */
  private async maySubmit(principal: Principal, order: RectificationOrder): Promise<boolean> {
    if (principal.organisationId !== order.organisationId) return false;
    if (principal.roles.includes('unit_leader')) return true;
    const designated = await this.ctx.em().count(DesignatedStaff, {
      organisationId: order.organisationId,
      userId: principal.userId,
      untilAt: null,
    });
    return designated > 0;
  }

  /** Attachments uploaded by the caller (POST /api/attachments, which bounds their size). */
  private async attachments(principal: Principal, ids: string[]) {
    if (ids.length === 0) return [];
    const rows = await this.ctx.em().find(Attachment, { id: { $in: ids } }, { exclude: ['content'] });
    return ids.map((id, i) => {
      const a = rows.find((r) => r.id === id);
      if (!a || a.uploadedBy !== principal.userId) {
        throw badRequest([
          { field: `attachments.${i}`, rule: 'attachment', message: '附件不存在或不是您上传的' },
        ]);
      }
      return { id: a.id, fileName: a.fileName, size: a.size };
    });
  }
}

/** Sends an update; a refusal by the workflow's validator is a 409 with its reason. */
async function send(update: () => Promise<unknown>): Promise<void> {
  try {
    await update();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw conflict('整改通知已办结');
    const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === RECTIFICATION_REFUSED)
      throw conflict(cause.message);
    throw err;
  }
}

export function orderJson(o: RectificationOrder) {
  return {
    id: o.id,
    managementOrganisationId: o.managementOrganisationId,
    organisationId: o.organisationId,
    findingIds: o.findingIds,
    requirements: o.requirements,
    deadline: { dueAt: o.deadlineAt.toISOString(), provisional: o.deadlineProvisional },
    status: o.status,
    statusLabel: RECTIFICATION_STATUS_LABELS[o.status],
    extensionReason: o.extensionReason,
    responsiblePersons: o.responsiblePersons,
    orderedBy: o.orderedBy,
    orderedAt: o.orderedAt.toISOString(),
    escalatedAt: o.escalatedAt?.toISOString() ?? null,
    closedAt: o.closedAt?.toISOString() ?? null,
  };
}
