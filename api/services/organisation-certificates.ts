/**
 * Organisation certificates through the platform (issue 12 Build 5, SM-5(1), SM-6): an organisation's seal staff
 * apply for one, renew it within the 30 days before it expires (SM-8) or revoke it, each a request decided by the
 * approval engine (workflows/organisation-certificate-request.ts); the organisation's own staff and the units
 * overseeing it list its certificates and requests. At most one request per organisation at a time (409).
 */
import { randomUUID } from 'node:crypto';
import { CertificateReminder, OrganisationCertificateRequest } from '../../db/certificate-entities';
import { OrganisationCertificate } from '../../db/entities';
import { approvalWorkflowId } from '../../domain/approval';
import {
  applicationProblem,
  CERTIFICATE_ACTIONS,
  CERTIFICATE_REQUEST_STATUS_LABELS,
  CertificateProblem,
  CertificateRequestBody,
  certificateInForce,
  certificateRequestWorkflowId,
  renewalProblem,
  renewalWindowOpen,
  revocationProblem,
} from '../../domain/organisation-certificate';
import { DurableRequests, NewRequest } from '../../usecases/durable-request';
import { organisationCertificateRequestWorkflow } from '../../workflows/organisation-certificate-request';
import { canSeeOrganisationRecords } from '../access';
import type { AppContext } from '../context';
import { ApiError, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import type { ApprovalService } from './approvals';

/** SM-5(1): the organisation's own seal staff act on its certificates. */
const ACTING_ROLES = ['seal_applicant', 'unit_leader'] as const;
const ONE_PENDING = '本单位已有审批中的机构数字证书申请，请等待其办结';

export interface CertificateView {
  id: string;
  organisationId: string;
  serialNumber: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  status: 'valid' | 'expired' | 'revoked' | 'not_yet_valid';
  statusLabel: string;
  revokedAt: string | null;
  revocationReason: string | null;
  renewalWindowOpen: boolean;
  certificatePem: string;
}

export type DueCertificate = CertificateView & { remindedAt: string | null };

export interface CertificateRequestView {
  id: string;
  organisationId: string;
  processKind: OrganisationCertificateRequest['processKind'];
  action: OrganisationCertificateRequest['action'];
  actionLabel: string;
  certificateId: string | null;
  reason: string;
  keyAlgorithm: OrganisationCertificateRequest['keyAlgorithm'];
  status: OrganisationCertificateRequest['status'];
  statusLabel: string;
  outcomeReason: string | null;
  outcomeCertificateId: string | null;
  approval: { workflowId: string; url: string };
  createdAt: string;
  decidedAt: string | null;
}

const STATUS_LABELS: Record<CertificateView['status'], string> = {
  valid: '有效',
  expired: '已过期',
  revoked: '已吊销',
  not_yet_valid: '尚未生效',
};

type Meta = RequestMeta & { idempotencyKey?: string };

const ruleConflict = (p: CertificateProblem) => new ApiError('CONFLICT', p.message, { rule: p.rule });

export function certificateView(c: OrganisationCertificate, now: Date): CertificateView {
  const status: CertificateView['status'] = c.revokedAt
    ? 'revoked'
    : now > c.notAfter
      ? 'expired'
      : now < c.notBefore
        ? 'not_yet_valid'
        : 'valid';
  return {
    id: c.id,
    organisationId: c.organisationId,
    serialNumber: c.serialNumber,
    subject: c.subject,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    status,
    statusLabel: STATUS_LABELS[status],
    revokedAt: c.revokedAt?.toISOString() ?? null,
    revocationReason: c.revocationReason ?? null,
    renewalWindowOpen: status === 'valid' && renewalWindowOpen(c.notAfter, now),
    certificatePem: c.certificatePem,
  };
}

export class OrganisationCertificateService {
  constructor(
    private readonly ctx: AppContext,
    private readonly approvals: ApprovalService,
  ) {}

  /** The organisation's certificates, newest first: its own staff and the units overseeing it. */
  async list(principal: Principal, organisationId: string): Promise<CertificateView[]> {
    await this.assertVisible(principal, organisationId);
    const rows = await this.ctx
      .em()
      .find(OrganisationCertificate, { organisationId }, { orderBy: { notAfter: 'desc' }, limit: 100 });
    const now = new Date();
    return rows.map((c) => certificateView(c, now));
  }

  async requests(principal: Principal, organisationId: string): Promise<CertificateRequestView[]> {
    await this.assertVisible(principal, organisationId);
    const rows = await this.ctx
      .em()
      .find(
        OrganisationCertificateRequest,
        { organisationId },
        { orderBy: { createdAt: 'desc' }, limit: 50 },
      );
    return rows.map(requestView);
  }

  async request(principal: Principal, id: string): Promise<CertificateRequestView> {
    const r = await this.ctx
      .em()
      .findOne(OrganisationCertificateRequest, { id }, { disableIdentityMap: true });
    if (!r) throw notFound('申请');
    await this.assertVisible(principal, r.organisationId);
    return requestView(r);
  }

  /** SM-5(1), SM-6: an application, renewal or revocation, decided by the approval engine. */
  async submit(
    principal: Principal,
    body: CertificateRequestBody,
    meta: Meta,
  ): Promise<{ request: CertificateRequestView; created: boolean }> {
    this.assertActing(principal, body.organisationId);
    await this.checkRules(body);
    const { idempotencyKey } = meta;
    const pending = await this.ctx
      .em()
      .count(OrganisationCertificateRequest, { organisationId: body.organisationId, status: 'pending' });
    if (pending > 0 && !idempotencyKey)
      throw ruleConflict({ rule: 'one_pending_request', message: ONE_PENDING });
    const id = randomUUID();
    const { processKind } = CERTIFICATE_ACTIONS[body.action];
    const childId = approvalWorkflowId(processKind, id);
    const durable = new DurableRequests(this.ctx);
    const submitted = await durable
      .submit({
        findExisting: durable.byClientRequest(
          OrganisationCertificateRequest,
          { applicantId: principal.userId },
          idempotencyKey,
        ),
        prepare: async (): Promise<NewRequest<typeof organisationCertificateRequestWorkflow>> => {
          const options = await this.approvals.resolveInitiatorOptions(body);
          const row = {
            id,
            organisationId: body.organisationId,
            applicantId: principal.userId,
            processKind,
            action: body.action,
            certificateId: body.certificateId ?? null,
            reason: body.reason,
            keyAlgorithm: body.action === 'revoke' ? null : (body.keyAlgorithm ?? null),
            approvalOptions: options,
          };
          const workflowId = certificateRequestWorkflowId(id);
          const audit = {
            actor: actorOf(principal),
            action: 'organisation_certificate_request.submit',
            targetType: 'organisation_certificate_request',
            targetId: id,
            requestId: meta.requestId,
            ip: meta.ip,
          };
          return {
            workflow: organisationCertificateRequestWorkflow,
            workflowId,
            args: [{ requestId: id, processKind, approval: await this.approvalInput(row) }],
            insert: async (tx) => {
              await tx.insert(OrganisationCertificateRequest, {
                ...row,
                status: 'pending',
                workflowId,
                approvalWorkflowId: childId,
                outcomeReason: null,
                clientRequestId: idempotencyKey ?? null,
                createdAt: new Date(),
                decidedAt: null,
              });
            },
            audit: {
              ...audit,
              details: {
                organisationId: body.organisationId,
                action: body.action,
                certificateId: row.certificateId,
              },
            },
            undo: (tx) => tx.nativeDelete(OrganisationCertificateRequest, { id }),
            failureAudit: (err) => ({ ...audit, details: { error: String(err) } }),
            unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，申请未提交，请稍后重试'),
          };
        },
      })
      .catch((err: unknown) => {
        // The partial unique index: another request of this organisation is still being decided.
        if (String(err).includes('organisation_certificate_request_one_pending')) {
          throw ruleConflict({ rule: 'one_pending_request', message: ONE_PENDING });
        }
        throw err;
      });
    if (!submitted.created)
      return { request: await this.request(principal, submitted.existing.id), created: false };
    await this.approvals.waitUntilReady(childId);
    return { request: await this.request(principal, id), created: true };
  }

  /** The rules checked before the request is stored (and again by the CA when carrying it out). */
  private async checkRules(body: CertificateRequestBody): Promise<void> {
    const em = this.ctx.em();
    const now = new Date();
    if (body.action === 'apply') {
      const held = await em.find(OrganisationCertificate, {
        organisationId: body.organisationId,
        revokedAt: null,
      });
      const problem = applicationProblem(held, now);
      if (problem) throw ruleConflict(problem);
      return;
    }
    const certificate = await em.findOne(OrganisationCertificate, { id: body.certificateId! });
    if (!certificate || certificate.organisationId !== body.organisationId) {
      throw new ApiError('NOT_FOUND', '证书不存在或不属于本单位', { field: 'certificateId' });
    }
    const problem =
      body.action === 'renew' ? renewalProblem(certificate, now) : revocationProblem(certificate);
    if (problem) throw ruleConflict(problem);
  }

  /** The request's approval under the organisation's flow of its kind, for submission and resumption. */
  private approvalInput(
    r: Pick<
      OrganisationCertificateRequest,
      'id' | 'organisationId' | 'applicantId' | 'processKind' | 'action' | 'reason' | 'approvalOptions'
    >,
  ) {
    return this.approvals.buildInput({
      kind: r.processKind,
      principal: { userId: r.applicantId },
      organisationId: r.organisationId,
      processId: r.id,
      title: `机构数字证书${CERTIFICATE_ACTIONS[r.action].label}申请`,
      detailPath: `/seals`,
      options: r.approvalOptions,
      comment: r.reason,
    });
  }

  /** Starts the process of any pending request stored without one (a crash between the insert and the start). */
  resumeOrphans(olderThanMs = 60_000): Promise<number> {
    return new DurableRequests(this.ctx).resumeOrphans(
      {
        find: (storedBefore) =>
          this.ctx
            .em()
            .find(OrganisationCertificateRequest, { status: 'pending', createdAt: { $lt: storedBefore } }),
        workflow: organisationCertificateRequestWorkflow,
        workflowId: (r) => r.workflowId,
        input: async (r) => ({
          requestId: r.id,
          processKind: r.processKind,
          approval: await this.approvalInput(r),
        }),
      },
      olderThanMs,
    );
  }

  /**
   * The caller's organisation's certificates for its home page, and those nearing expiry (SM-8: in force, the
   * renewal window open, no newer certificate replacing them) with the reminders sent about them.
   */
  async home(principal: Principal): Promise<{ certificates: CertificateView[]; due: DueCertificate[] }> {
    const em = this.ctx.em();
    const rows = await em.find(
      OrganisationCertificate,
      { organisationId: principal.organisationId },
      { orderBy: { notAfter: 'desc' }, limit: 20 },
    );
    const now = new Date();
    const newest = rows.find((c) => certificateInForce(c, now));
    const due = rows.filter((c) => c === newest && renewalWindowOpen(c.notAfter, now));
    const reminders = await em.find(CertificateReminder, { certificateId: { $in: due.map((c) => c.id) } });
    return {
      certificates: rows.map((c) => certificateView(c, now)),
      due: due.map((c) => ({
        ...certificateView(c, now),
        remindedAt: reminders.find((r) => r.certificateId === c.id)?.sentAt.toISOString() ?? null,
      })),
    };
  }

  private assertActing(principal: Principal, organisationId: string): void {
    if (principal.organisationId !== organisationId) {
      throw forbidden('只能为本单位申请、更新或吊销机构数字证书');
    }
    if (!ACTING_ROLES.some((r) => principal.roles.includes(r))) {
      throw forbidden('办理机构数字证书需要本单位印章申请人或单位负责人的角色');
    }
  }

  private async assertVisible(principal: Principal, organisationId: string): Promise<void> {
    if (
      !(await canSeeOrganisationRecords(principal, organisationId, this.ctx.em(), this.ctx.jurisdictions))
    ) {
      throw forbidden('无权查看其他单位的机构数字证书');
    }
  }
}

function requestView(r: OrganisationCertificateRequest): CertificateRequestView {
  return {
    id: r.id,
    organisationId: r.organisationId,
    processKind: r.processKind,
    action: r.action,
    actionLabel: CERTIFICATE_ACTIONS[r.action].label,
    certificateId: r.certificateId,
    reason: r.reason,
    keyAlgorithm: r.keyAlgorithm,
    status: r.status,
    statusLabel: CERTIFICATE_REQUEST_STATUS_LABELS[r.status],
    outcomeReason: r.outcomeReason,
    outcomeCertificateId: r.outcomeCertificateId,
    approval: { workflowId: r.approvalWorkflowId, url: `/approvals/${r.approvalWorkflowId}` },
    createdAt: r.createdAt.toISOString(),
    decidedAt: r.decidedAt?.toISOString() ?? null,
  };
}
