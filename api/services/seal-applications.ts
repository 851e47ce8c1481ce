/**
 * Seal applications as the API and the web pages use them: submit (record + workflow), read (record + live state
 * from the workflow query), decide a review task (workflow update). Authorisation happens here, once for both.
 */
import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { AppUser, Organisation, SealApplication, Task } from '../../db/entities';
import { IMPRINT_MAX_MM, IMPRINT_MEDIA_TYPES, IMPRINT_MIN_MM, imprintProblem } from '../../domain/imprint';
import { SEAL_KINDS } from '../../domain/seal';
import {
  Decision,
  reviewChain,
  REVIEWER_ROLE,
  SealApplicationInput,
  SealApplicationState,
  sealApplicationWorkflowId,
  TASK_NOT_PENDING,
} from '../../domain/seal-application';
import {
  approveUpdate,
  readyUpdate,
  rejectUpdate,
  stateQuery,
} from '../../workflows/seal-application-messages';
import { canSeeOrganisationRecords } from '../access';
import { requireRole } from '../auth';
import { actorOf, Principal } from '../principal';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';

const READY_WAIT_MS = 10_000;
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
  })
  .strict();
export type SealApplicationBody = z.infer<typeof SealApplicationBody>;

export const ApproveBody = z.object({ comment: z.string().trim().max(500).optional() }).strict();
export const RejectBody = z.object({ reason: z.string().trim().min(2).max(500) }).strict();

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
  process: {
    status: SealApplicationState['status'];
    stage: SealApplicationState['stage'];
    currentLevel: number | null;
    levels: Array<{
      level: number;
      organisationId: string;
      organisationName: string;
      jurisdictionName: string;
    }>;
    whoMayAct: Array<{ organisationId: string; organisationName: string; role: string; taskId: string }>;
    history: SealApplicationState['history'];
    live: boolean;
  };
}

export class SealApplicationService {
  constructor(private readonly ctx: AppContext) {}

  async submit(
    principal: Principal,
    body: SealApplicationBody,
    meta: { idempotencyKey?: string; requestId?: string; ip?: string },
  ): Promise<{ application: ApplicationView; created: boolean }> {
    requireRole(principal, 'seal_applicant');
    const imprint = Buffer.from(body.imprint.data, 'base64');
    const problem = imprintProblem(body.imprint.mediaType, imprint);
    if (problem) throw badRequest([{ field: 'imprint.data', rule: 'imprint', message: problem }]);

    const em = this.ctx.em();
    if (meta.idempotencyKey) {
      const existing = await em.findOne(SealApplication, {
        organisationId: principal.organisationId,
        clientRequestId: meta.idempotencyKey,
      });
      if (existing) return { application: await this.view(principal, existing.id), created: false };
    }

    // SM-5(3): the applicant's own seal management department first, then level by level upwards.
    const jurisdictions = await this.ctx.jurisdictions.all();
    const departments = (
      await em.find(Organisation, { functions: { $contains: ['seal_management_department'] } })
    ).map((o) => ({ id: o.id, name: o.name, jurisdictionId: o.jurisdictionId }));
    const chain = reviewChain(principal.jurisdictionId, jurisdictions, departments);
    if (chain.length === 0)
      throw new ApiError('UNPROCESSABLE', '您所在辖区未设置印章管理部门，无法受理印章申请');

    const id = randomUUID();
    const workflowId = sealApplicationWorkflowId(id);
    await em.transactional(async (tx) => {
      tx.create(SealApplication, {
        id,
        organisationId: principal.organisationId,
        applicantId: principal.userId,
        clientRequestId: meta.idempotencyKey ?? null,
        kind: body.kind,
        sealName: body.name,
        imprintMediaType: body.imprint.mediaType,
        imprint,
        widthMm: body.imprint.widthMm,
        heightMm: body.imprint.heightMm,
        custodianName: body.custodian.name,
        custodianPhone: body.custodian.phone ?? null,
        reason: body.reason,
        chain,
        workflowId,
        status: 'pending',
        outcomeReason: null,
        sealId: null,
        createdAt: new Date(),
        decidedAt: null,
      });
      await tx.flush();
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'seal_application.submit',
        targetType: 'seal_application',
        targetId: id,
        outcome: 'success',
        details: { kind: body.kind, name: body.name, chain: chain.map((c) => c.organisationId) },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    });
    try {
      await this.startWorkflow(await this.workflowInput(id));
    } catch (err) {
      // Nothing half-written: without its process the application would wait forever.
      await this.ctx.em().transactional(async (tx) => {
        await tx.nativeDelete(SealApplication, { id });
        await recordAudit(tx, {
          actor: actorOf(principal),
          action: 'seal_application.submit',
          targetType: 'seal_application',
          targetId: id,
          outcome: 'failed',
          details: { error: String(err) },
          requestId: meta.requestId,
        });
      });
      throw new ApiError('UNAVAILABLE', '流程服务暂不可用，申请未提交，请稍后重试');
    }
    return { application: await this.view(principal, id), created: true };
  }

  private async workflowInput(applicationId: string): Promise<SealApplicationInput> {
    const em = this.ctx.em();
    const a = await em.findOneOrFail(SealApplication, { id: applicationId });
    const organisation = await em.findOneOrFail(Organisation, { id: a.organisationId });
    const applicant = await em.findOneOrFail(AppUser, { id: a.applicantId });
    return {
      applicationId: a.id,
      organisationId: a.organisationId,
      organisationName: organisation.name,
      applicant: { userId: applicant.id, displayName: applicant.displayName, email: applicant.email },
      kind: a.kind,
      sealName: a.sealName,
      chain: a.chain,
    };
  }

  private async startWorkflow(input: SealApplicationInput): Promise<void> {
    const handle = await this.ctx.temporal.workflow.start('sealApplicationWorkflow', {
      workflowId: sealApplicationWorkflowId(input.applicationId),
      taskQueue: this.ctx.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    // Answer once the first reviewer has the task. The start itself is durable: if no worker picks the process up
    // in time, the reply comes without waiting and the task appears when a worker runs.
    await Promise.race([
      handle.executeUpdate(readyUpdate).catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, READY_WAIT_MS).unref()),
    ]);
  }

  /**
   * Starts the process of any pending application that has none (a crash between the insert and the start).
   * The workflow id comes from the application id, so a process that exists is never started twice.
   */
  async resumeOrphans(olderThanMs = 60_000): Promise<number> {
    const pending = await this.ctx.em().find(SealApplication, {
      status: 'pending',
      createdAt: { $lt: new Date(Date.now() - olderThanMs) },
    });
    let started = 0;
    for (const a of pending) {
      try {
        await this.startWorkflow(await this.workflowInput(a.id));
        started++;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    return started;
  }

  /** The application if the caller may see it: its organisation, reviewers on its chain, overseeing units. */
  private async visibleApplication(principal: Principal, id: string): Promise<SealApplication> {
    const em = this.ctx.em();
    const a = await em.findOne(SealApplication, { id });
    if (!a) throw notFound('印章申请');
    const inChain = a.chain.some((c) => c.organisationId === principal.organisationId);
    if (
      !inChain &&
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
      process: {
        status: state?.status ?? a.status,
        stage: state?.stage ?? (a.status === 'pending' ? 'review' : 'done'),
        currentLevel: state?.currentLevel ?? null,
        levels: a.chain.map((c, level) => ({ level: level + 1, ...c })),
        whoMayAct:
          state && state.currentLevel !== null && state.currentTaskId
            ? [
                {
                  organisationId: state.chain[state.currentLevel]!.organisationId,
                  organisationName: state.chain[state.currentLevel]!.organisationName,
                  role: REVIEWER_ROLE,
                  taskId: state.currentTaskId,
                },
              ]
            : [],
        history: state?.history ?? [],
        live: !!state,
      },
    };
  }

  /** The process state from the workflow query; null when Temporal cannot answer (the record still can). */
  private async liveState(a: SealApplication): Promise<SealApplicationState | null> {
    try {
      return await this.ctx.temporal.workflow.getHandle(a.workflowId).query(stateQuery);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError))
        console.warn(`query ${a.workflowId} failed: ${String(err)}`);
      return null;
    }
  }

  async imprint(principal: Principal, id: string): Promise<{ mediaType: string; bytes: Buffer }> {
    const a = await this.visibleApplication(principal, id);
    return { mediaType: a.imprintMediaType, bytes: a.imprint };
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

  /** 待办: pending tasks of the caller's organisation and role; 已办: tasks the caller decided. */
  async tasks(principal: Principal, status: 'pending' | 'done'): Promise<Task[]> {
    const em = this.ctx.em();
    if (status === 'pending') {
      return em.find(
        Task,
        {
          status: 'pending',
          assigneeOrganisationId: principal.organisationId,
          assigneeRole: { $in: principal.roles },
        },
        { orderBy: { createdAt: 'asc' }, limit: 500 },
      );
    }
    return em.find(
      Task,
      { status: 'done', actedById: principal.userId },
      { orderBy: { actedAt: 'desc' }, limit: 500 },
    );
  }

  async decide(
    principal: Principal,
    taskId: string,
    action: { kind: 'approve'; comment?: string } | { kind: 'reject'; reason: string },
    meta: { requestId?: string; ip?: string },
  ): Promise<ApplicationView> {
    const em = this.ctx.em();
    const task = await em.findOne(Task, { id: taskId });
    if (!task) throw notFound('待办任务');
    const audit = (outcome: 'success' | 'denied' | 'rejected', details: Record<string, unknown> = {}) =>
      recordAudit(this.ctx.em(), {
        actor: actorOf(principal),
        action: `task.${action.kind}`,
        targetType: 'task',
        targetId: taskId,
        outcome,
        details: { processId: task.processId, ...details },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    if (
      task.assigneeOrganisationId !== principal.organisationId ||
      !principal.roles.includes(task.assigneeRole)
    ) {
      await audit('denied', { reason: 'not the assignee department or role' });
      const error = forbidden('此任务不属于您所在部门的当前审核层级');
      error.audited = true;
      throw error;
    }
    if (task.status !== 'pending') {
      await audit('rejected', { reason: 'task already decided' });
      throw conflict('该任务已处理，不能重复审批');
    }
    const decision: Decision = {
      taskId,
      userId: principal.userId,
      displayName: principal.displayName,
      organisationId: principal.organisationId,
      organisationName: principal.organisationName,
      comment: action.kind === 'approve' ? action.comment : undefined,
    };
    const handle = this.ctx.temporal.workflow.getHandle(task.workflowId);
    try {
      if (action.kind === 'approve') await handle.executeUpdate(approveUpdate, { args: [decision] });
      else await handle.executeUpdate(rejectUpdate, { args: [{ ...decision, reason: action.reason }] });
    } catch (err) {
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (
        (cause instanceof ApplicationFailure && cause.type === TASK_NOT_PENDING) ||
        err instanceof WorkflowNotFoundError
      ) {
        await audit('rejected', { reason: 'task no longer pending' });
        throw conflict('该任务已处理，不能重复审批');
      }
      throw err;
    }
    await audit(
      'success',
      action.kind === 'approve' ? { comment: action.comment ?? null } : { reason: action.reason },
    );
    return this.view(principal, task.processId);
  }
}
