/**
 * A using unit's usage list and its requests (issue 16 Build 5, LM-12, LM-14, LM-15): the unit's staff (its
 * verifiers or its leader) ask for a licence type, for a purpose, masked or in full; the management unit of the
 * unit's jurisdiction decides through the approval engine, and the approved entry changes what the unit's
 * verifiers see (api/services/licence-search.ts reads the list). The list and the requests are visible to the unit
 * and to the management units above it.
 */
import { randomUUID } from 'node:crypto';
import { LicenceType, LicenceUsageGrant, LicenceUsageRequest } from '../../db/licence-entities';
import { approvalWorkflowId } from '../../domain/approval';
import {
  LICENCE_USAGE_REQUEST_STATUS_LABELS,
  LicenceUsageRequestBody,
  licenceUsageRequestWorkflowId,
  usageScopeLabel,
} from '../../domain/licence-usage';
import { DurableRequests, NewRequest } from '../../usecases/durable-request';
import { licenceUsageRequestWorkflow } from '../../workflows/licence-usage-request';
import { canSeeOrganisationRecords } from '../access';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import type { ApprovalService } from './approvals';
import type { ServiceItemService } from './service-items';

/** LM-14: a using unit's verifiers or its leader ask for its list entries. */
const REQUESTING_ROLES = ['licence_verifier', 'unit_leader'] as const;
const ONE_PENDING = '本单位对该证照类型已有审批中的用证清单申请，请等待其办结';

export interface LicenceUsageRequestView {
  id: string;
  organisationId: string;
  typeCode: string;
  typeName: string;
  purpose: string;
  fullData: boolean;
  scopeLabel: string;
  serviceItems: Array<{ code: string; name: string }>;
  status: LicenceUsageRequest['status'];
  statusLabel: string;
  outcomeReason: string | null;
  approval: { workflowId: string; url: string };
  createdAt: string;
  decidedAt: string | null;
}

export interface UsageListEntry {
  typeCode: string;
  typeName: string;
  purpose: string;
  fullData: boolean;
  scopeLabel: string;
  requestId: string | null;
  /** The service items of the request that set the entry (none for a seeded entry). */
  serviceItems: Array<{ code: string; name: string }>;
  grantedAt: string | null;
}

type Meta = RequestMeta & { idempotencyKey?: string };

export class LicenceUsageRequestService {
  constructor(
    private readonly ctx: AppContext,
    private readonly approvals: ApprovalService,
    private readonly serviceItems: ServiceItemService,
  ) {}

  async submit(
    principal: Principal,
    body: LicenceUsageRequestBody,
    meta: Meta,
  ): Promise<{ request: LicenceUsageRequestView; created: boolean }> {
    if (
      !principal.organisationFunctions.includes('using_unit') ||
      !REQUESTING_ROLES.some((r) => principal.roles.includes(r))
    ) {
      throw forbidden('申请用证清单需要用证单位核验人员或单位负责人的角色');
    }
    const typeName = await this.publishedTypeName(body.typeCode);
    if (!typeName) {
      throw badRequest([{ field: 'typeCode', rule: 'published_type', message: '没有已发布的该证照类型' }]);
    }
    const serviceItems = [...new Set(body.serviceItems)];
    await this.serviceItems.assertKnown(serviceItems);
    const { idempotencyKey } = meta;
    const id = randomUUID();
    const durable = new DurableRequests(this.ctx);
    const submitted = await durable
      .submit({
        findExisting: durable.byClientRequest(
          LicenceUsageRequest,
          { applicantId: principal.userId },
          idempotencyKey,
        ),
        prepare: async (): Promise<NewRequest<typeof licenceUsageRequestWorkflow>> => {
          const pending = await this.ctx.em().count(LicenceUsageRequest, {
            organisationId: principal.organisationId,
            typeCode: body.typeCode,
            status: 'pending',
          });
          if (pending > 0) throw conflict(ONE_PENDING);
          const options = await this.approvals.resolveInitiatorOptions(body);
          const row = {
            id,
            organisationId: principal.organisationId,
            applicantId: principal.userId,
            typeCode: body.typeCode,
            purpose: body.purpose,
            fullData: body.fullData,
            serviceItems,
            workflowId: licenceUsageRequestWorkflowId(id),
            approvalWorkflowId: approvalWorkflowId('licence_usage', id),
            clientRequestId: idempotencyKey ?? null,
            approvalOptions: options,
          };
          const approval = await this.approvalInput(row, typeName);
          const audit = {
            actor: actorOf(principal),
            action: 'licence_usage_request.submit',
            targetType: 'licence_usage_request',
            targetId: id,
            requestId: meta.requestId,
            ip: meta.ip,
          };
          return {
            workflow: licenceUsageRequestWorkflow,
            workflowId: row.workflowId,
            args: [{ requestId: id, approval }],
            insert: async (tx) => {
              await tx.insert(LicenceUsageRequest, { ...row, status: 'pending', createdAt: new Date() });
            },
            audit: {
              ...audit,
              details: {
                typeCode: body.typeCode,
                purpose: body.purpose,
                fullData: body.fullData,
                serviceItems,
              },
            },
            undo: (tx) => tx.nativeDelete(LicenceUsageRequest, { id }),
            failureAudit: (err) => ({ ...audit, details: { error: String(err) } }),
            unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，申请未提交，请稍后重试'),
          };
        },
      })
      .catch((err: unknown) => {
        // The partial unique index: the same unit's request for the type is still being decided.
        if (String(err).includes('licence_usage_request_one_pending')) throw conflict(ONE_PENDING);
        throw err;
      });
    if (!submitted.created) {
      return { request: await this.requestView(principal, submitted.existing.id), created: false };
    }
    await this.approvals.waitUntilReady(approvalWorkflowId('licence_usage', id));
    return { request: await this.requestView(principal, id), created: true };
  }

  /** The approval under the using unit's `licence_usage` flow, for submission and resumption. */
  private approvalInput(
    r: Pick<
      LicenceUsageRequest,
      'id' | 'organisationId' | 'applicantId' | 'purpose' | 'fullData' | 'approvalOptions'
    >,
    typeName: string,
  ) {
    return this.approvals.buildInput({
      kind: 'licence_usage',
      principal: { userId: r.applicantId },
      organisationId: r.organisationId,
      processId: r.id,
      title: `用证清单申请：${typeName}（${usageScopeLabel(r.fullData)}）`,
      detailPath: `/api/usage-list-requests/${r.id}`,
      options: r.approvalOptions,
      comment: `用证目的：${r.purpose}`,
      variables: { fullData: r.fullData ? 'full' : 'masked' },
    });
  }

  /** Starts the process of any pending request stored without one (a crash between the insert and the start). */
  resumeOrphans(olderThanMs = 60_000): Promise<number> {
    return new DurableRequests(this.ctx).resumeOrphans(
      {
        find: (storedBefore) =>
          this.ctx.em().find(LicenceUsageRequest, { status: 'pending', createdAt: { $lt: storedBefore } }),
        workflow: licenceUsageRequestWorkflow,
        workflowId: (r) => r.workflowId,
        input: async (r) => ({
          requestId: r.id,
          approval: await this.approvalInput(r, (await this.publishedTypeName(r.typeCode)) ?? r.typeCode),
        }),
      },
      olderThanMs,
    );
  }

  async requestView(principal: Principal, id: string): Promise<LicenceUsageRequestView> {
    const r = await this.ctx.em().findOne(LicenceUsageRequest, { id }, { disableIdentityMap: true });
    if (!r) throw notFound('用证清单申请');
    await this.assertVisible(principal, r.organisationId);
    return this.view(r);
  }

  /** The unit's requests, newest first; `organisationId` defaults to the caller's own unit. */
  async requests(principal: Principal, organisationId?: string): Promise<LicenceUsageRequestView[]> {
    const org = organisationId ?? principal.organisationId;
    await this.assertVisible(principal, org);
    const rows = await this.ctx
      .em()
      .find(LicenceUsageRequest, { organisationId: org }, { orderBy: { createdAt: 'desc' }, limit: 100 });
    return Promise.all(rows.map((r) => this.view(r)));
  }

  /** LM-14: the unit's usage list as it stands. */
  async usageList(principal: Principal, organisationId?: string): Promise<UsageListEntry[]> {
    const org = organisationId ?? principal.organisationId;
    await this.assertVisible(principal, org);
    const rows = await this.ctx
      .em()
      .find(LicenceUsageGrant, { organisationId: org }, { orderBy: { typeCode: 'asc' } });
    return Promise.all(
      rows.map(async (g) => ({
        typeCode: g.typeCode,
        typeName: (await this.publishedTypeName(g.typeCode)) ?? g.typeCode,
        purpose: g.purpose,
        fullData: g.fullData,
        scopeLabel: usageScopeLabel(g.fullData),
        requestId: g.requestId ?? null,
        serviceItems: await this.serviceItems.names(
          g.requestId
            ? ((await this.ctx.em().findOne(LicenceUsageRequest, { id: g.requestId }))?.serviceItems ?? [])
            : [],
        ),
        grantedAt: g.grantedAt?.toISOString() ?? null,
      })),
    );
  }

  private async view(r: LicenceUsageRequest): Promise<LicenceUsageRequestView> {
    return {
      id: r.id,
      organisationId: r.organisationId,
      typeCode: r.typeCode,
      typeName: (await this.publishedTypeName(r.typeCode)) ?? r.typeCode,
      purpose: r.purpose,
      fullData: r.fullData,
      scopeLabel: usageScopeLabel(r.fullData),
      serviceItems: await this.serviceItems.names(r.serviceItems ?? []),
      status: r.status,
      statusLabel: LICENCE_USAGE_REQUEST_STATUS_LABELS[r.status],
      outcomeReason: r.outcomeReason,
      approval: { workflowId: r.approvalWorkflowId, url: `/approvals/${r.approvalWorkflowId}` },
      createdAt: r.createdAt.toISOString(),
      decidedAt: r.decidedAt?.toISOString() ?? null,
    };
  }

  private async publishedTypeName(code: string): Promise<string | null> {
    const type = await this.ctx
      .em()
      .findOne(
        LicenceType,
        { code, status: 'published' },
        { fields: ['name'], orderBy: { version: 'desc' } },
      );
    return type?.name ?? null;
  }

  private async assertVisible(principal: Principal, organisationId: string): Promise<void> {
    const em = this.ctx.em();
    if (!(await canSeeOrganisationRecords(principal, organisationId, em, this.ctx.jurisdictions))) {
      throw forbidden('无权查看其他单位的用证清单');
    }
  }
}
