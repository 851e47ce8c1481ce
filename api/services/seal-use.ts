/**
 * Seal use as the API and the web pages use it (SM-12): requesting a use (record + seal-use workflow, which runs
 * the organisation's `seal_use` approval flow as a child), reading requests and authorisations, and signing under
 * an authorisation. Authorisation of callers happens here, once for both.
 *
 * Signing refusals keep their machine code in `details.reason` and map to HTTP by SEAL_USE_HTTP_STATUS: 403 not the
 * caller's to use (no authorisation, not the grantee, not the seal's organisation), 409 the authorisation's state
 * forbids it (used up, revoked), 422 outside what was authorised (window, document) or the seal cannot sign now.
 */
import { randomUUID } from 'node:crypto';
import { ApprovalProcess } from '../../db/approval-entities';
import { AppUser, Organisation, Seal } from '../../db/entities';
import { SealSignatureRecord, SealUseAuthorisation, SealUseRequest } from '../../db/seal-use-entities';
import { sealUseVariables } from '../../domain/flow-definition';
import { ApprovalInput, approvalWorkflowId } from '../../domain/approval';
import { PROCESS_STATUS_LABELS } from '../../presentation/approval-labels';
import {
  approverAuthorityFor,
  remainingUses,
  SEAL_USE_REQUESTER_ROLES as REQUESTER_ROLES,
  SealSignBody,
  SealUseError,
  SealUseRequestBody,
  SealUseRequestStatus,
  sealUseWorkflowId,
} from '../../domain/seal-use';
import type { SealSignature } from '../../domain/seal-signature';
import { DurableRequests, NewRequest, WorkflowStart } from '../../usecases/durable-request';
import { sealUseWorkflow } from '../../workflows/seal-use';
import { canSeeOrganisationRecords } from '../access';
import type { AppContext } from '../context';
import { ApiError, forbidden, notFound } from '../errors';
import { actorOf, Principal } from '../principal';
import { ApprovalService } from './approvals';
import { refuseOtherUnit, signingRefusalError, signOnSigningQueue } from './seal-signing-client';

export interface AuthorisationView {
  id: string;
  requestId: string;
  sealId: string;
  granteeId: string;
  documents: SealUseAuthorisation['documents'];
  maxUses: number;
  usedCount: number;
  remainingUses: number;
  validFrom: string;
  validTo: string;
  status: SealUseAuthorisation['status'];
  /** Whether it can sign now: active, inside its window, uses left. */
  live: boolean;
  approvedBy: SealUseAuthorisation['approvedBy'];
  createdAt: string;
}

export interface SealUseRequestView {
  id: string;
  sealId: string;
  sealName: string;
  sealKind: string;
  organisationId: string;
  organisationName: string;
  applicant: { id: string; displayName: string };
  documents: SealUseRequest['documents'];
  maxUses: number;
  validFrom: string;
  validTo: string;
  reason: string;
  status: SealUseRequestStatus;
  outcomeReason: string | null;
  createdAt: string;
  decidedAt: string | null;
  approval: {
    workflowId: string;
    /** The approval process page (who must act, the timeline, the actions). */
    url: string;
    status: string | null;
    statusLabel: string | null;
    currentStepName: string | null;
  };
  /** SM-12: for a legal-name seal only the unit leader may approve. */
  approverAuthority: { roles: string[]; reason: string } | null;
  authorisation: AuthorisationView | null;
}

export interface SignatureView {
  id: string;
  authorisationId: string;
  signerUserId: string;
  documentHash: string;
  documentTitle: string;
  signingTime: string;
  signature: SealSignature;
}

type Meta = { idempotencyKey?: string; requestId?: string; ip?: string };

export class SealUseService {
  constructor(
    private readonly ctx: AppContext,
    private readonly approvals: ApprovalService,
  ) {}

  // -------------------------------------------------------------------------------------------------------------
  // Requests

  async submit(
    principal: Principal,
    body: SealUseRequestBody,
    meta: Meta,
  ): Promise<{ request: SealUseRequestView; created: boolean }> {
    const em = this.ctx.em();
    const seal = await em.findOne(Seal, { id: body.sealId }, { exclude: ['imprint'] });
    if (!seal) throw notFound('印章');
    if (seal.organisationId !== principal.organisationId) {
      // SM-12
      throw forbidden('只能为本单位的印章申请用印');
    }
    if (!REQUESTER_ROLES.some((r) => principal.roles.includes(r))) {
      throw forbidden('申请用印需要本单位印章申请人或单位负责人的角色');
    }
    if (seal.status !== 'active') {
      throw new ApiError('UNPROCESSABLE', '印章已注销或挂失，不能申请用印', { reason: 'SEAL_NOT_ACTIVE' });
    }
    const { idempotencyKey } = meta;
    const id = randomUUID();
    const childId = approvalWorkflowId('seal_use', id);
    const durable = new DurableRequests(this.ctx);
    const submitted = await durable.submit({
      findExisting: durable.byClientRequest(
        SealUseRequest,
        { applicantId: principal.userId },
        idempotencyKey,
      ),
      resume: (existing) => this.pendingStart(existing),
      prepare: async (): Promise<NewRequest<typeof sealUseWorkflow>> => {
        const options = await this.approvals.resolveInitiatorOptions(body);
        // Everything that can refuse runs before anything is stored: the flow snapshot included.
        const approval = await this.approvalInput(seal, {
          id,
          applicantId: principal.userId,
          documents: body.documents,
          maxUses: body.maxUses,
          reason: body.reason,
          approvalOptions: options,
        });
        const workflowId = sealUseWorkflowId(id);
        const audit = {
          actor: actorOf(principal),
          action: 'seal_use.request',
          targetType: 'seal_use_request',
          targetId: id,
          requestId: meta.requestId,
        };
        return {
          workflow: sealUseWorkflow,
          workflowId,
          args: [{ requestId: id, approval }],
          insert: async (tx) => {
            await tx.insert(SealUseRequest, {
              id,
              sealId: seal.id,
              organisationId: seal.organisationId,
              applicantId: principal.userId,
              documents: body.documents,
              maxUses: body.maxUses,
              validFrom: new Date(body.validFrom),
              validTo: new Date(body.validTo),
              reason: body.reason,
              status: 'pending',
              approvalWorkflowId: childId,
              workflowId,
              outcomeReason: null,
              createdAt: new Date(),
              decidedAt: null,
              clientRequestId: idempotencyKey ?? null,
              approvalOptions: options,
            });
          },
          audit: {
            ...audit,
            details: {
              sealId: seal.id,
              sealKind: seal.kind,
              documents: body.documents.length,
              maxUses: body.maxUses,
              validFrom: body.validFrom,
              validTo: body.validTo,
              flow: { id: approval.flow.definitionId, version: approval.flow.version },
            },
            ip: meta.ip,
          },
          undo: (tx) => tx.nativeDelete(SealUseRequest, { id }),
          failureAudit: (err) => ({ ...audit, details: { error: String(err) } }),
          unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，用印申请未提交，请稍后重试'),
        };
      },
    });
    if (!submitted.created) {
      return { request: await this.view(principal, submitted.existing.id), created: false };
    }
    // Answer once the approver has the task; the start is durable, so a slow worker only delays the inbox.
    await this.approvals.waitUntilReady(childId);
    return { request: await this.view(principal, id), created: true };
  }

  /** The request's approval under the seal organisation's seal_use flow (SM-12), for submission and resumption. */
  private approvalInput(
    seal: Pick<Seal, 'organisationId' | 'name' | 'kind'>,
    r: Pick<SealUseRequest, 'id' | 'applicantId' | 'documents' | 'maxUses' | 'reason' | 'approvalOptions'>,
  ): Promise<ApprovalInput> {
    return this.approvals.buildInput({
      kind: 'seal_use',
      principal: { userId: r.applicantId },
      organisationId: seal.organisationId,
      processId: r.id,
      title: `用印申请：${seal.name}（${r.documents.length} 份文件，${r.maxUses} 次）`,
      detailPath: `/seal-use-requests/${r.id}`,
      options: r.approvalOptions,
      comment: r.reason,
      approverAuthority: approverAuthorityFor(seal.kind),
      // The seal-use workflow e-mails the outcome with the authorisation's details.
      parentNotifiesOutcome: true,
      variables: sealUseVariables({
        sealKind: seal.kind,
        documentCount: r.documents.length,
        maxUses: r.maxUses,
      }),
    });
  }

  /** The request if the caller may see it: the seal's organisation and the units overseeing it. */
  private async visibleRequest(principal: Principal, id: string): Promise<SealUseRequest> {
    const em = this.ctx.em();
    const request = await em.findOne(SealUseRequest, { id });
    if (!request) throw notFound('用印申请');
    if (!(await canSeeOrganisationRecords(principal, request.organisationId, em, this.ctx.jurisdictions))) {
      throw forbidden('无权查看其他单位的用印申请');
    }
    return request;
  }

  async view(principal: Principal, id: string): Promise<SealUseRequestView> {
    const em = this.ctx.em();
    const r = await this.visibleRequest(principal, id);
    const [seal, organisation, applicant, process, authorisation] = await Promise.all([
      em.findOneOrFail(Seal, { id: r.sealId }, { exclude: ['imprint'] }),
      em.findOneOrFail(Organisation, { id: r.organisationId }),
      em.findOneOrFail(AppUser, { id: r.applicantId }),
      em.findOne(ApprovalProcess, { id: r.approvalWorkflowId }),
      em.findOne(SealUseAuthorisation, { requestId: r.id }),
    ]);
    return {
      id: r.id,
      sealId: r.sealId,
      sealName: seal.name,
      sealKind: seal.kind,
      organisationId: r.organisationId,
      organisationName: organisation.name,
      applicant: { id: applicant.id, displayName: applicant.displayName },
      documents: r.documents,
      maxUses: r.maxUses,
      validFrom: r.validFrom.toISOString(),
      validTo: r.validTo.toISOString(),
      reason: r.reason,
      status: r.status,
      outcomeReason: r.outcomeReason,
      createdAt: r.createdAt.toISOString(),
      decidedAt: r.decidedAt?.toISOString() ?? null,
      approval: {
        workflowId: r.approvalWorkflowId,
        url: `/approvals/${r.approvalWorkflowId}`,
        status: process?.status ?? null,
        statusLabel: process ? PROCESS_STATUS_LABELS[process.status] : null,
        currentStepName: process?.status === 'running' ? process.currentStepName : null,
      },
      approverAuthority: approverAuthorityFor(seal.kind),
      authorisation: authorisation ? authorisationView(authorisation, new Date()) : null,
    };
  }

  /**
   * Starts the process of any pending request that has none (a crash between the insert and the start), under
   * the flow active now. The workflow id comes from the request id, so a process that exists is never doubled.
   */
  resumeOrphans(olderThanMs = 60_000): Promise<number> {
    return new DurableRequests(this.ctx).resumeOrphans(
      {
        find: (storedBefore) =>
          this.ctx.em().find(SealUseRequest, { status: 'pending', createdAt: { $lt: storedBefore } }),
        workflow: sealUseWorkflow,
        workflowId: (r) => r.workflowId,
        input: (r) => this.workflowInput(r),
      },
      olderThanMs,
    );
  }

  private async workflowInput(r: SealUseRequest): Promise<Parameters<typeof sealUseWorkflow>[0]> {
    const seal = await this.ctx.em().findOneOrFail(Seal, { id: r.sealId }, { exclude: ['imprint'] });
    return { requestId: r.id, approval: await this.approvalInput(seal, r) };
  }

  /**
   * The process of a request submitted again under its Idempotency-Key while still pending (issue 11: its first
   * submission may have been stored without its process, answered 503); started unless it exists.
   */
  private async pendingStart(r: SealUseRequest): Promise<WorkflowStart<typeof sealUseWorkflow> | null> {
    if (r.status !== 'pending') return null;
    return { workflow: sealUseWorkflow, workflowId: r.workflowId, args: [await this.workflowInput(r)] };
  }

  async list(principal: Principal, filter: { sealId?: string } = {}): Promise<SealUseRequest[]> {
    return this.ctx
      .em()
      .find(
        SealUseRequest,
        { organisationId: principal.organisationId, ...(filter.sealId ? { sealId: filter.sealId } : {}) },
        { orderBy: { createdAt: 'desc' }, limit: 200 },
      );
  }

  /** The seal's use requests, for anyone who may see the seal (the seal page). */
  async requestsForSeal(principal: Principal, sealId: string): Promise<SealUseRequest[]> {
    await this.visibleSeal(principal, sealId);
    return this.ctx.em().find(SealUseRequest, { sealId }, { orderBy: { createdAt: 'desc' }, limit: 200 });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Authorisations

  /** The caller's own authorisations (they are the grantee), optionally for one seal. */
  async ownAuthorisations(
    principal: Principal,
    filter: { sealId?: string } = {},
  ): Promise<AuthorisationView[]> {
    const rows = await this.ctx
      .em()
      .find(
        SealUseAuthorisation,
        { granteeId: principal.userId, ...(filter.sealId ? { sealId: filter.sealId } : {}) },
        { orderBy: { createdAt: 'desc' }, limit: 200 },
      );
    const now = new Date();
    return rows.map((a) => authorisationView(a, now));
  }

  /** Every authorisation for the seal, for anyone who may see the seal (the seal page). */
  async authorisationsForSeal(principal: Principal, sealId: string): Promise<AuthorisationView[]> {
    await this.visibleSeal(principal, sealId);
    const rows = await this.ctx
      .em()
      .find(SealUseAuthorisation, { sealId }, { orderBy: { createdAt: 'desc' }, limit: 200 });
    const now = new Date();
    return rows.map((a) => authorisationView(a, now));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Signing

  async sign(
    principal: Principal,
    sealId: string,
    body: SealSignBody,
    meta: Meta,
  ): Promise<{
    id: string;
    usedCount: number;
    maxUses: number;
    remainingUses: number;
    signature: SealSignature;
  }> {
    const em = this.ctx.em();
    const seal = await em.findOne(Seal, { id: sealId }, { exclude: ['imprint'] });
    if (!seal) throw notFound('印章');
    if (seal.organisationId !== principal.organisationId) await refuseOtherUnit(em, principal, sealId, meta);
    try {
      // Issue 11 Build 5: signed by the signing worker, which alone holds the seal's key.
      const signed = await signOnSigningQueue(this.ctx, {
        authorisationId: body.authorisationId,
        sealId,
        signerUserId: principal.userId,
        documentHash: body.documentHash,
        documentTitle: body.documentTitle,
        actor: actorOf(principal),
        requestId: meta.requestId,
        ip: meta.ip,
      });
      return {
        id: signed.signatureId,
        usedCount: signed.usedCount,
        maxUses: signed.maxUses,
        remainingUses: signed.remainingUses,
        signature: signed.record,
      };
    } catch (err) {
      if (!(err instanceof SealUseError)) throw err;
      throw signingRefusalError(err); // signUnderAuthorisation recorded the refusal
    }
  }

  async signatures(principal: Principal, sealId: string): Promise<SignatureView[]> {
    await this.visibleSeal(principal, sealId);
    const rows = await this.ctx
      .em()
      .find(SealSignatureRecord, { sealId }, { orderBy: { signingTime: 'desc' }, limit: 500 });
    return rows.map((s) => ({
      id: s.id,
      authorisationId: s.authorisationId,
      signerUserId: s.signerUserId,
      documentHash: s.documentHash,
      documentTitle: s.documentTitle,
      signingTime: s.signingTime.toISOString(),
      signature: s.record,
    }));
  }

  private async visibleSeal(principal: Principal, sealId: string): Promise<void> {
    const em = this.ctx.em();
    const seal = await em.findOne(Seal, { id: sealId }, { exclude: ['imprint'] });
    if (!seal) throw notFound('印章');
    if (!(await canSeeOrganisationRecords(principal, seal.organisationId, em, this.ctx.jurisdictions))) {
      throw forbidden('无权查看其他单位的印章');
    }
  }
}

function authorisationView(a: SealUseAuthorisation, now: Date): AuthorisationView {
  return {
    id: a.id,
    requestId: a.requestId,
    sealId: a.sealId,
    granteeId: a.granteeId,
    documents: a.documents,
    maxUses: a.maxUses,
    usedCount: a.usedCount,
    remainingUses: remainingUses(a),
    validFrom: a.validFrom.toISOString(),
    validTo: a.validTo.toISOString(),
    status: a.status,
    live: a.status === 'active' && remainingUses(a) > 0 && now >= a.validFrom && now < a.validTo,
    approvedBy: a.approvedBy,
    createdAt: a.createdAt.toISOString(),
  };
}
