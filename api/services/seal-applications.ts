/**
 * Seal applications as the API and the web pages use them: submit (record + workflow), read (record + live state
 * from the workflow query), decide a review task (workflow update). Authorisation happens here, once for both.
 */
import { logger } from '../../infra/logger';
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { AppUser, Jurisdiction, Organisation, Seal, SealApplication } from '../../db/entities';
import { endOfShanghaiDay, startOfShanghaiDay } from '../../domain/calendar';
import { IMPRINT_MAX_MM, IMPRINT_MEDIA_TYPES, IMPRINT_MIN_MM, imprintProblem } from '../../domain/imprint';
import { approvalWorkflowId } from '../../domain/approval';
import { shanghaiDateTime } from '../../domain/format';
import { sealApplicationVariables } from '../../domain/flow-definition';
import { INITIATOR_OPTIONS } from '../../domain/flow-definition-schema';
import { SEAL_KIND_LABELS, SEAL_KINDS, SealKind } from '../../domain/seal';
import {
  SealApplicationInput,
  SealApplicationState,
  sealApplicationWorkflowId,
} from '../../domain/seal-application';
import { DurableRequests, NewRequest, WorkflowStart } from '../../usecases/durable-request';
import { sealApplicationWorkflow } from '../../workflows/seal-application';
import { stateQuery } from '../../workflows/seal-application-messages';
import { canSeeOrganisationRecords } from '../access';
import { requireRole } from '../auth';
import { actorOf, Principal } from '../principal';
import type { AppContext } from '../context';
import { ApiError, badRequest, forbidden, notFound } from '../errors';
import type { ApprovalService, ApprovalView } from './approvals';

export interface ApplicationSearch {
  q?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  page: number;
  pageSize: number;
}

export interface ApplicationSearchPage {
  total: number;
  items: Array<{
    id: string;
    kind: SealKind;
    sealName: string;
    status: string;
    createdAt: Date;
    caseNumber: string | null;
    applicantName: string;
  }>;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const SealApplicationBody = z
  .object({
    kind: z.enum(SEAL_KINDS),
    name: z.string().trim().min(2).max(60),
    imprint: z
      .object({
        mediaType: z.enum(IMPRINT_MEDIA_TYPES),
        data: z.string().regex(BASE64, { message: '必须是 Base64 编码的图片' }),
        widthMm: z.number().min(IMPRINT_MIN_MM).max(IMPRINT_MAX_MM),
        heightMm: z.number().min(IMPRINT_MIN_MM).max(IMPRINT_MAX_MM),
      })
      .strict(),
    custodian: z
      .object({
        name: z.string().trim().min(2).max(30),
        phone: z
          .string()
          .regex(/^(1\d{10}|0\d{2,3}-?\d{7,8})$/, { message: '应为手机号或带区号的固定电话' })
          .optional(),
      })
      .strict(),
    reason: z.string().trim().min(2).max(500),
    ...INITIATOR_OPTIONS,
  })
  .strict();
export type SealApplicationBody = z.infer<typeof SealApplicationBody>;

export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9._:-]{8,100}$/, {
  message: 'Idempotency-Key 应为 8 到 100 位字母、数字或 ._:-',
});

export interface ApplicationView {
  id: string;
  organisationId: string;
  organisationName: string;
  applicantId: string;
  kind: string;
  name: string;
  imprint: { mediaType: string; widthMm: number; heightMm: number; url: string };
  custodian: { name: string; phone: string | null };
  reason: string;
  createdAt: string;
  decidedAt: string | null;
  status: SealApplication['status'];
  outcomeReason: string | null;
  sealId: string | null;
  /** The review, run by the approval engine: steps, tasks, timeline; null if it cannot be read. */
  approval: ApprovalView | null;
  approvalWorkflowId: string | null;
}

export class SealApplicationService {
  constructor(
    private readonly ctx: AppContext,
    private readonly approvals: ApprovalService,
  ) {}

  async submit(
    principal: Principal,
    body: SealApplicationBody,
    meta: { idempotencyKey?: string; requestId?: string; ip?: string },
  ): Promise<{ application: ApplicationView; created: boolean }> {
    requireRole(principal, 'seal_applicant');
    const imprint = Buffer.from(body.imprint.data, 'base64');
    const problem = imprintProblem(body.imprint.mediaType, imprint);
    if (problem) throw badRequest([{ field: 'imprint.data', rule: 'imprint', message: problem }]);

    const { idempotencyKey } = meta;
    const id = randomUUID();
    const workflowId = sealApplicationWorkflowId(id);
    let processKey = '';
    const durable = new DurableRequests(this.ctx);
    const submitted = await durable.submit({
      findExisting: durable.byClientRequest(
        SealApplication,
        { organisationId: principal.organisationId },
        idempotencyKey,
      ),
      resume: (existing) => this.pendingStart(existing),
      prepare: async (): Promise<NewRequest<typeof sealApplicationWorkflow>> => {
        const approvalOptions = await this.approvals.resolveInitiatorOptions(body);
        const application = {
          id,
          organisationId: principal.organisationId,
          applicantId: principal.userId,
          clientRequestId: idempotencyKey ?? null,
          kind: body.kind,
          sealName: body.name,
          imprintMediaType: body.imprint.mediaType,
          imprint,
          widthMm: body.imprint.widthMm,
          heightMm: body.imprint.heightMm,
          custodianName: body.custodian.name,
          custodianPhone: body.custodian.phone ?? null,
          reason: body.reason,
          // The levels now come from the flow definition the review runs under (see the approval process).
          chain: [],
          workflowId,
          approvalWorkflowId: approvalWorkflowId('seal_application', id),
          approvalOptions,
          status: 'pending' as const,
          outcomeReason: null,
          sealId: null,
          createdAt: new Date(),
          decidedAt: null,
        };
        // Everything that can refuse (the flow snapshot included) runs before anything is stored.
        const input = await this.workflowInput(principal, application);
        processKey = input.approval.processKey;
        const audit = {
          actor: actorOf(principal),
          action: 'seal_application.submit',
          targetType: 'seal_application',
          targetId: id,
          requestId: meta.requestId,
        };
        return {
          workflow: sealApplicationWorkflow,
          workflowId,
          args: [input],
          insert: async (tx) => {
            tx.create(SealApplication, application);
            await tx.flush();
          },
          audit: { ...audit, details: { kind: body.kind, name: body.name }, ip: meta.ip },
          undo: (tx) => tx.nativeDelete(SealApplication, { id }),
          failureAudit: (err) => ({ ...audit, details: { error: String(err) } }),
          unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，申请未提交，请稍后重试'),
        };
      },
    });
    if (!submitted.created) {
      return { application: await this.view(principal, submitted.existing.id), created: false };
    }
    // Answer once the first reviewers have their tasks. The start itself is durable: if no worker picks the
    // process up in time, the reply comes without waiting and the tasks appear when a worker runs.
    await this.approvals.waitUntilReady(processKey);
    return { application: await this.view(principal, id), created: true };
  }

  private async workflowInput(
    principal: Principal | null,
    a: Pick<
      SealApplication,
      'id' | 'organisationId' | 'applicantId' | 'sealName' | 'kind' | 'approvalOptions' | 'reason'
    >,
  ): Promise<SealApplicationInput> {
    const em = this.ctx.em();
    const organisation = await em.findOneOrFail(Organisation, { id: a.organisationId });
    const applicant = await em.findOneOrFail(AppUser, { id: a.applicantId });
    const jurisdiction = await em.findOneOrFail(Jurisdiction, { id: organisation.jurisdictionId });
    const approval = await this.approvals.buildInput({
      kind: 'seal_application',
      principal: principal ?? { userId: applicant.id },
      organisationId: a.organisationId,
      processId: a.id,
      title: `${organisation.name}申请电子印章“${a.sealName}”（${SEAL_KIND_LABELS[a.kind]}）`,
      detailPath: `/seal-applications/${a.id}`,
      options: a.approvalOptions,
      comment: a.reason,
      // The seal application tells the applicant the outcome with the seal's details (SM-8).
      parentNotifiesOutcome: true,
      variables: sealApplicationVariables({ sealKind: a.kind, applicantLevel: jurisdiction.level }),
    });
    return {
      applicationId: a.id,
      organisationId: a.organisationId,
      organisationName: organisation.name,
      applicant: { userId: applicant.id, displayName: applicant.displayName, email: applicant.email },
      kind: a.kind,
      sealName: a.sealName,
      approval,
    };
  }

  /**
   * Starts the process of any pending application that has none (a crash between the insert and the start).
   * The workflow id comes from the application id, so a process that exists is never started twice.
   */
  resumeOrphans(olderThanMs = 60_000): Promise<number> {
    return new DurableRequests(this.ctx).resumeOrphans(
      {
        find: (storedBefore) =>
          this.ctx.em().find(SealApplication, { status: 'pending', createdAt: { $lt: storedBefore } }),
        workflow: sealApplicationWorkflow,
        workflowId: (a) => sealApplicationWorkflowId(a.id),
        input: (a) => this.workflowInput(null, a),
      },
      olderThanMs,
    );
  }

  /**
   * The process of an application submitted again under its Idempotency-Key while still pending (issue 11: its
   * first submission may have been stored without its process, answered 503); started unless it exists.
   */
  private async pendingStart(
    a: SealApplication,
  ): Promise<WorkflowStart<typeof sealApplicationWorkflow> | null> {
    if (a.status !== 'pending') return null;
    return {
      workflow: sealApplicationWorkflow,
      workflowId: sealApplicationWorkflowId(a.id),
      args: [await this.workflowInput(null, a)],
    };
  }

  /** The application if the caller may see it: its organisation, reviewers on its chain, overseeing units. */
  private async visibleApplication(principal: Principal, id: string): Promise<SealApplication> {
    const em = this.ctx.em();
    const a = await em.findOne(SealApplication, { id });
    if (!a) throw notFound('印章申请');
    if (
      !(await this.involvedInReview(principal, a)) &&
      !(await canSeeOrganisationRecords(principal, a.organisationId, em, this.ctx.jurisdictions))
    ) {
      throw forbidden('无权查看此印章申请');
    }
    return a;
  }

  async view(principal: Principal, id: string): Promise<ApplicationView> {
    const em = this.ctx.em();
    const a = await this.visibleApplication(principal, id);
    const organisation = await em.findOneOrFail(Organisation, { id: a.organisationId });
    const state = await this.liveState(a);
    return {
      id: a.id,
      organisationId: a.organisationId,
      organisationName: organisation.name,
      applicantId: a.applicantId,
      kind: a.kind,
      name: a.sealName,
      imprint: {
        mediaType: a.imprintMediaType,
        widthMm: a.widthMm,
        heightMm: a.heightMm,
        url: `/api/seal-applications/${a.id}/imprint`,
      },
      custodian: { name: a.custodianName, phone: a.custodianPhone },
      reason: a.reason,
      createdAt: a.createdAt.toISOString(),
      decidedAt: a.decidedAt?.toISOString() ?? null,
      status: state?.status ?? a.status,
      outcomeReason: state?.outcomeReason ?? a.outcomeReason,
      sealId: state?.sealId ?? a.sealId,
      approval: a.approvalWorkflowId ? await this.approvalView(principal, a.approvalWorkflowId) : null,
      approvalWorkflowId: a.approvalWorkflowId,
    };
  }

  private async approvalView(principal: Principal, key: string): Promise<ApprovalView | null> {
    try {
      return await this.approvals.view(principal, key);
    } catch (err) {
      // Not projected yet (no worker has run the process), or the caller sees the application but not the review.
      if (err instanceof ApiError) return null;
      throw err;
    }
  }

  /** Reviewers of an application: whoever holds or held one of its review tasks. */
  private async involvedInReview(principal: Principal, a: SealApplication): Promise<boolean> {
    if (!a.approvalWorkflowId) return false;
    const rows: unknown[] = await this.ctx
      .em()
      .getConnection()
      .execute(
        `select 1 from task where workflow_id = ? and (assignee_user_id = ? or acted_by_id = ?
           or (assignee_user_id is null and assignee_organisation_id = ?)) limit 1`,
        [a.approvalWorkflowId, principal.userId, principal.userId, principal.organisationId],
      );
    return rows.length > 0;
  }

  /** The process state from the workflow query; null when Temporal cannot answer (the record still can). */
  private async liveState(a: SealApplication): Promise<SealApplicationState | null> {
    try {
      return await this.ctx.temporal.workflow.getHandle(a.workflowId).query(stateQuery);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError))
        logger.warn({ err, workflowId: a.workflowId }, 'workflow query failed');
      return null;
    }
  }

  /**
   * The application as its reviewers read it on the approval page and on the printed 审批单 (issue 17): the fields
   * in words and the imprint's bytes, for whoever may see the application.
   */
  async material(
    principal: Principal,
    id: string,
  ): Promise<{
    fields: Array<{ label: string; value: string }>;
    imprint: ApplicationView['imprint'] & { bytes: Buffer };
  }> {
    const a = await this.visibleApplication(principal, id);
    const organisation = await this.ctx.em().findOneOrFail(Organisation, { id: a.organisationId });
    const fields = [
      { label: '申请单位', value: organisation.name },
      { label: '印章类型', value: SEAL_KIND_LABELS[a.kind] },
      { label: '印章名称', value: a.sealName },
      { label: '印模尺寸', value: `${a.widthMm} × ${a.heightMm} 毫米` },
      {
        label: '保管人',
        value: a.custodianPhone ? `${a.custodianName}（${a.custodianPhone}）` : a.custodianName,
      },
      { label: '申请事由', value: a.reason },
      { label: '提交时间', value: shanghaiDateTime(a.createdAt) },
    ];
    return {
      fields,
      imprint: {
        mediaType: a.imprintMediaType,
        widthMm: a.widthMm,
        heightMm: a.heightMm,
        url: `/api/seal-applications/${a.id}/imprint`,
        bytes: a.imprint,
      },
    };
  }

  async imprint(principal: Principal, id: string): Promise<{ mediaType: string; bytes: Buffer }> {
    const a = await this.visibleApplication(principal, id);
    return { mediaType: a.imprintMediaType, bytes: a.imprint };
  }

  /**
   * 我的申请 (issue 17 Build 5): the unit's applications found by a keyword (办件编号, seal name, reason, custodian,
   * applicant) and the submission dates, newest first, one page at a time with the total.
   */
  async search(principal: Principal, query: ApplicationSearch): Promise<ApplicationSearchPage> {
    const where = ['a.organisation_id = ?'];
    const params: unknown[] = [principal.organisationId];
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, '\\$&')}%`;
      where.push(
        '(p.case_number ilike ? or a.seal_name ilike ? or a.reason ilike ? or a.custodian_name ilike ? or u.display_name ilike ?)',
      );
      params.push(like, like, like, like, like);
    }
    if (query.from) {
      where.push('a.created_at >= ?');
      params.push(startOfShanghaiDay(query.from));
    }
    if (query.to) {
      where.push('a.created_at < ?');
      params.push(endOfShanghaiDay(query.to));
    }
    const rows = (await this.ctx
      .em()
      .getConnection()
      .execute(
        `select a.id, a.kind, a.seal_name, a.status, a.created_at, p.case_number, u.display_name as applicant_name,
                count(*) over () as total_count
           from seal_application a
           join app_user u on u.id = a.applicant_id
           left join approval_process p on p.id = a.approval_workflow_id
          where ${where.join(' and ')}
          order by a.created_at desc, a.id
          limit ? offset ?`,
        [...params, query.pageSize, (query.page - 1) * query.pageSize],
      )) as Array<Record<string, unknown>>;
    return {
      total: rows.length ? Number(rows[0]!.total_count) : 0,
      items: rows.map((r) => ({
        id: String(r.id),
        kind: r.kind as SealKind,
        sealName: String(r.seal_name),
        status: String(r.status),
        createdAt: new Date(r.created_at as string),
        caseNumber: (r.case_number as string | null) ?? null,
        applicantName: String(r.applicant_name),
      })),
    };
  }

  /**
   * Issue 17 Build 6: the unit's active seal that already bears `name` (spaces ignored), so that a second seal of
   * the same name is applied for knowingly; null when there is none.
   */
  async activeSealNamed(principal: Principal, name: string): Promise<{ esId: string; name: string } | null> {
    const wanted = name.replace(/\s+/g, '');
    if (!wanted) return null;
    const seals = await this.ctx
      .em()
      .find(
        Seal,
        { organisationId: principal.organisationId, status: 'active' },
        { fields: ['esId', 'name'] },
      );
    const same = seals.find((s) => s.name.replace(/\s+/g, '') === wanted);
    return same ? { esId: same.esId, name: same.name } : null;
  }

  async listForOrganisation(principal: Principal): Promise<Array<Omit<SealApplication, 'imprint'>>> {
    return this.ctx
      .em()
      .find(
        SealApplication,
        { organisationId: principal.organisationId },
        { orderBy: { createdAt: 'desc' }, limit: 200, exclude: ['imprint'] },
      );
  }
}
