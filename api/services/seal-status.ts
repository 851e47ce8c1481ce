/**
 * A seal's status as the API and the pages change and read it (issue 12 Build 5): the loss reported at once by the
 * unit (SM-16, no approval), the cancellation (SM-15) or the handling of a loss requested through the approval
 * engine, the history, and the public status (no login) by seal code.
 */
import { randomUUID } from 'node:crypto';
import { Organisation, Seal } from '../../db/entities';
import { SealStatusChange, SealStatusRequest } from '../../db/seal-status-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { SEAL_KIND_LABELS, SEAL_STATUS_LABELS } from '../../domain/seal';
import {
  renewalWindowProblem,
  requestProcessKind,
  REQUEST_ACTION_EVENT,
  SEAL_STATUS_EVENT_LABELS,
  SEAL_STATUS_REQUEST_STATUS_LABELS,
  SealLossReportBody,
  SealStatusConflict,
  SealStatusRequestBody,
  sealStatusRequestWorkflowId,
  transitionProblem,
} from '../../domain/seal-status';
import { DurableRequests, NewRequest } from '../../usecases/durable-request';
import { changeSealStatus } from '../../usecases/seal-status';
import { sealStatusRequestWorkflow } from '../../workflows/seal-status-request';
import { canSeeOrganisationRecords } from '../access';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import type { ApprovalService } from './approvals';

/** SM-15/SM-16: the seal's own unit acts on it, through its seal applicants or its leader. */
const ACTING_ROLES = ['seal_applicant', 'unit_leader'] as const;

export interface SealStatusView {
  sealId: string;
  code: string;
  status: Seal['status'];
  statusLabel: string;
  since: string;
  reason: string | null;
}

export interface SealHistoryEntry {
  status: Seal['status'];
  statusLabel: string;
  event: SealStatusChange['event'];
  eventLabel: string;
  reason: string;
  effectiveAt: string;
  recordedAt: string;
  actor: string;
  requestId: string | null;
}

export interface SealStatusRequestView {
  id: string;
  sealId: string;
  processKind: SealStatusRequest['processKind'];
  action: SealStatusRequest['action'];
  actionLabel: string;
  reason: string;
  effectiveFrom: string | null;
  attachments: SealStatusRequest['attachments'];
  status: SealStatusRequest['status'];
  statusLabel: string;
  outcomeReason: string | null;
  approval: { workflowId: string; url: string };
  createdAt: string;
  decidedAt: string | null;
}

export interface PublicSealStatus {
  code: string;
  name: string;
  kindLabel: string;
  organisationName: string;
  status: Seal['status'];
  statusLabel: string;
  since: string;
  validFrom: string;
  validTo: string;
  history: Array<{ eventLabel: string; statusLabel: string; effectiveAt: string }>;
}

const ONE_PENDING = '该印章已有审批中的挂失处理或注销申请，请等待其办结';

type Meta = RequestMeta & { idempotencyKey?: string };

export class SealStatusService {
  constructor(
    private readonly ctx: AppContext,
    private readonly approvals: ApprovalService,
  ) {}

  /** The seal, if the caller acts for its organisation with a role that may change its status. */
  private async actableSeal(principal: Principal, sealId: string): Promise<Omit<Seal, 'imprint'>> {
    const seal = await this.ctx.em().findOne(Seal, { id: sealId }, { exclude: ['imprint'] });
    if (!seal) throw notFound('印章');
    if (seal.organisationId !== principal.organisationId) {
      // SM-15, SM-16
      throw forbidden('只能为本单位的印章办理挂失或注销');
    }
    if (!ACTING_ROLES.some((r) => principal.roles.includes(r))) {
      throw forbidden('办理印章挂失或注销需要本单位印章申请人或单位负责人的角色');
    }
    return seal;
  }

  /** SM-16: the loss is reported at once and the seal suspended now, without approval. */
  async reportLoss(principal: Principal, sealId: string, body: SealLossReportBody, meta: Meta) {
    const seal = await this.actableSeal(principal, sealId);
    const now = new Date();
    try {
      await this.ctx.em().transactional((tx) =>
        changeSealStatus(tx, {
          sealId: seal.id,
          event: 'loss_reported',
          reason: body.reason,
          effectiveAt: now,
          actor: actorOf(principal),
          eventKey: `seal.loss_reported:${seal.id}:${meta.idempotencyKey ?? randomUUID()}`,
          httpRequestId: meta.requestId,
          ip: meta.ip,
        }),
      );
    } catch (err) {
      if (err instanceof SealStatusConflict) throw conflict(err.message);
      throw err;
    }
    return this.status(principal, seal.id);
  }

  async status(principal: Principal, sealId: string): Promise<SealStatusView> {
    const seal = await this.visibleSeal(principal, sealId);
    return {
      sealId: seal.id,
      code: seal.esId,
      status: seal.status,
      statusLabel: SEAL_STATUS_LABELS[seal.status],
      since: seal.statusSince.toISOString(),
      reason: seal.statusReason,
    };
  }

  async history(principal: Principal, sealId: string): Promise<SealHistoryEntry[]> {
    await this.visibleSeal(principal, sealId);
    const rows = await this.ctx.em().find(SealStatusChange, { sealId }, { orderBy: { recordedAt: 'asc' } });
    return rows.map((c) => ({
      status: c.status,
      statusLabel: SEAL_STATUS_LABELS[c.status],
      event: c.event,
      eventLabel: SEAL_STATUS_EVENT_LABELS[c.event],
      reason: c.reason,
      effectiveAt: c.effectiveAt.toISOString(),
      recordedAt: c.recordedAt.toISOString(),
      actor: c.actorUsername,
      requestId: c.requestId,
    }));
  }

  /** SM-15/SM-16: a cancellation, or the handling of a loss, decided by the approval engine. */
  async submitRequest(
    principal: Principal,
    body: SealStatusRequestBody,
    meta: Meta,
  ): Promise<{ request: SealStatusRequestView; created: boolean }> {
    const seal = await this.actableSeal(principal, body.sealId);
    const problem =
      transitionProblem(seal.status, REQUEST_ACTION_EVENT[body.action]) ??
      (body.action === 'renew' ? renewalWindowProblem(seal.validTo, new Date()) : undefined);
    if (problem) throw conflict(problem);
    const { idempotencyKey } = meta;
    const pending = await this.ctx.em().count(SealStatusRequest, { sealId: seal.id, status: 'pending' });
    if (pending > 0 && !idempotencyKey) throw conflict(ONE_PENDING);
    const id = randomUUID();
    const processKind = requestProcessKind(seal.status, body.action);
    const childId = approvalWorkflowId(processKind, id);
    const durable = new DurableRequests(this.ctx);
    const submitted = await durable
      .submit({
        findExisting: durable.byClientRequest(
          SealStatusRequest,
          { applicantId: principal.userId },
          idempotencyKey,
        ),
        prepare: async (): Promise<NewRequest<typeof sealStatusRequestWorkflow>> => {
          const options = await this.approvals.resolveInitiatorOptions(body);
          const attachments = await this.approvals.attachmentRefs(principal, body.attachments);
          const approval = await this.approvalInput(seal, {
            id,
            applicantId: principal.userId,
            processKind,
            action: body.action,
            reason: body.reason,
            attachments,
            approvalOptions: options,
          });
          const workflowId = sealStatusRequestWorkflowId(id);
          const audit = {
            actor: actorOf(principal),
            action: 'seal_status_request.submit',
            targetType: 'seal_status_request',
            targetId: id,
            requestId: meta.requestId,
            ip: meta.ip,
          };
          return {
            workflow: sealStatusRequestWorkflow,
            workflowId,
            args: [{ requestId: id, processKind, effectiveFrom: body.effectiveFrom ?? null, approval }],
            insert: async (tx) => {
              await tx.insert(SealStatusRequest, {
                id,
                sealId: seal.id,
                organisationId: seal.organisationId,
                applicantId: principal.userId,
                processKind,
                action: body.action,
                reason: body.reason,
                effectiveFrom: body.effectiveFrom ? new Date(body.effectiveFrom) : null,
                attachments,
                status: 'pending',
                workflowId,
                approvalWorkflowId: childId,
                outcomeReason: null,
                clientRequestId: idempotencyKey ?? null,
                approvalOptions: options,
                createdAt: new Date(),
                decidedAt: null,
              });
            },
            audit: {
              ...audit,
              details: {
                sealId: seal.id,
                action: body.action,
                effectiveFrom: body.effectiveFrom ?? null,
                attachments: attachments.map((a) => a.id),
              },
            },
            undo: (tx) => tx.nativeDelete(SealStatusRequest, { id }),
            failureAudit: (err) => ({ ...audit, details: { error: String(err) } }),
            unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，申请未提交，请稍后重试'),
          };
        },
      })
      .catch((err: unknown) => {
        // The partial unique index: another request about this seal is still being decided.
        if (String(err).includes('seal_status_request_one_pending')) {
          throw conflict(ONE_PENDING);
        }
        throw err;
      });
    if (!submitted.created) {
      return { request: await this.requestView(principal, submitted.existing.id), created: false };
    }
    await this.approvals.waitUntilReady(childId);
    return { request: await this.requestView(principal, id), created: true };
  }

  /** The request's approval under the seal organisation's flow of its kind, for submission and resumption. */
  private approvalInput(
    seal: Pick<Seal, 'id' | 'organisationId' | 'name' | 'esId' | 'kind'>,
    r: Pick<
      SealStatusRequest,
      'id' | 'applicantId' | 'processKind' | 'action' | 'reason' | 'attachments' | 'approvalOptions'
    >,
  ) {
    const actionLabel = SEAL_STATUS_EVENT_LABELS[REQUEST_ACTION_EVENT[r.action]];
    return this.approvals.buildInput({
      kind: r.processKind,
      principal: { userId: r.applicantId },
      organisationId: seal.organisationId,
      processId: r.id,
      title: `印章${actionLabel}申请：${seal.name}（${seal.esId}）`,
      detailPath: `/seals/${seal.id}`,
      options: r.approvalOptions,
      comment: r.reason,
      attachments: r.attachments,
      variables:
        r.processKind === 'seal_loss_handling'
          ? { sealKind: seal.kind, action: r.action }
          : { sealKind: seal.kind },
    });
  }

  /** Starts the process of any pending request stored without one (a crash between the insert and the start). */
  resumeOrphans(olderThanMs = 60_000): Promise<number> {
    return new DurableRequests(this.ctx).resumeOrphans(
      {
        find: (storedBefore) =>
          this.ctx.em().find(SealStatusRequest, { status: 'pending', createdAt: { $lt: storedBefore } }),
        workflow: sealStatusRequestWorkflow,
        workflowId: (r) => r.workflowId,
        input: async (r) => {
          const seal = await this.ctx.em().findOneOrFail(Seal, { id: r.sealId }, { exclude: ['imprint'] });
          return {
            requestId: r.id,
            processKind: r.processKind,
            effectiveFrom: r.effectiveFrom?.toISOString() ?? null,
            approval: await this.approvalInput(seal, r),
          };
        },
      },
      olderThanMs,
    );
  }

  async requestView(principal: Principal, id: string): Promise<SealStatusRequestView> {
    const r = await this.ctx.em().findOne(SealStatusRequest, { id }, { disableIdentityMap: true });
    if (!r) throw notFound('申请');
    await this.visibleSeal(principal, r.sealId);
    return {
      id: r.id,
      sealId: r.sealId,
      processKind: r.processKind,
      action: r.action,
      actionLabel: SEAL_STATUS_EVENT_LABELS[REQUEST_ACTION_EVENT[r.action]],
      reason: r.reason,
      effectiveFrom: r.effectiveFrom?.toISOString() ?? null,
      attachments: r.attachments,
      status: r.status,
      statusLabel: SEAL_STATUS_REQUEST_STATUS_LABELS[r.status],
      outcomeReason: r.outcomeReason,
      approval: { workflowId: r.approvalWorkflowId, url: `/approvals/${r.approvalWorkflowId}` },
      createdAt: r.createdAt.toISOString(),
      decidedAt: r.decidedAt?.toISOString() ?? null,
    };
  }

  async requestsForSeal(principal: Principal, sealId: string): Promise<SealStatusRequestView[]> {
    await this.visibleSeal(principal, sealId);
    const rows = await this.ctx
      .em()
      .find(SealStatusRequest, { sealId }, { orderBy: { createdAt: 'desc' }, limit: 50 });
    return Promise.all(rows.map((r) => this.requestView(principal, r.id)));
  }

  /** Anyone, without login: a seal's status and since when, by its code (SM-15, SM-16). */
  async publicStatus(code: string): Promise<PublicSealStatus> {
    if (!/^\d{18}$/.test(code)) {
      throw badRequest([{ field: 'code', rule: 'format', message: '印章编码应为 18 位数字' }]);
    }
    const em = this.ctx.em();
    const seal = await em.findOne(Seal, { esId: code }, { exclude: ['imprint'] });
    if (!seal) throw notFound('印章');
    const organisation = await em.findOneOrFail(Organisation, { id: seal.organisationId });
    const history = await em.find(SealStatusChange, { sealId: seal.id }, { orderBy: { recordedAt: 'asc' } });
    return {
      code: seal.esId,
      name: seal.name,
      kindLabel: SEAL_KIND_LABELS[seal.kind],
      organisationName: organisation.name,
      status: seal.status,
      statusLabel: SEAL_STATUS_LABELS[seal.status],
      since: seal.statusSince.toISOString(),
      validFrom: seal.validFrom.toISOString(),
      validTo: seal.validTo.toISOString(),
      history: history.map((c) => ({
        eventLabel: SEAL_STATUS_EVENT_LABELS[c.event],
        statusLabel: SEAL_STATUS_LABELS[c.status],
        effectiveAt: c.effectiveAt.toISOString(),
      })),
    };
  }

  private async visibleSeal(principal: Principal, sealId: string): Promise<Omit<Seal, 'imprint'>> {
    const em = this.ctx.em();
    const seal = await em.findOne(Seal, { id: sealId }, { exclude: ['imprint'], disableIdentityMap: true });
    if (!seal) throw notFound('印章');
    if (!(await canSeeOrganisationRecords(principal, seal.organisationId, em, this.ctx.jurisdictions))) {
      throw forbidden('无权查看其他单位的印章');
    }
    return seal;
  }
}
