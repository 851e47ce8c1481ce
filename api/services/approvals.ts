/**
 * The approval engine as the API and the web pages use it: building a process's input from its flow definition,
 * acting on tasks and processes (workflow updates), reading a process (live workflow state, else the projection),
 * and the inboxes: 待办, 已办, 抄送, 我发起的, and a management unit's view of everything pending in its
 * jurisdiction. Authorisation happens here and again in the workflow's validators, which are authoritative.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  ApprovalCc,
  ApprovalEventRecord,
  ApprovalProcess,
  Attachment,
  DeadlineBreach,
} from '../../db/approval-entities';
import { recordAudit } from '../../db/audit';
import { AppUser, Jurisdiction, Organisation, Task } from '../../db/entities';
import { activeFlowFor, snapshotOf } from '../../db/flow-definitions';
import {
  Actor,
  ApprovalEvent,
  ApprovalInput,
  ApprovalState,
  ApprovalTask,
  approvalWorkflowId,
  AttachmentRef,
  EVENT_LABELS,
  isOpen,
  mayHold,
  PROBLEM_FAILURE_TYPES,
  PROCESS_STATUS_LABELS,
  ProcessStatus,
  TASK_ORIGIN_LABELS,
  TASK_STATUS_LABELS,
  TaskStatus,
  UserRef,
} from '../../domain/approval';
import {
  BREACH_ACTION_LABELS,
  PROCESS_KIND_LABELS,
  PROCESS_KINDS,
  ProcessKind,
  stepDueLabel,
  stepModeLabel,
  stepsNeedingChoice,
} from '../../domain/flow-definition';
import type { UserRole } from '../../domain/roles';
import {
  addSignerUpdate,
  approvalStateQuery,
  approveUpdate,
  ccUpdate,
  delegateUpdate,
  readyUpdate,
  rejectUpdate,
  removeSignerUpdate,
  returnUpdate,
  transferUpdate,
  urgeUpdate,
  withdrawUpdate,
} from '../../workflows/approval-messages';
import { canSeeOrganisationRecords } from '../access';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal } from '../principal';

// ---------------------------------------------------------------------------------------------------------------
// Request bodies

const Comment = z.string().trim().max(500);
const AttachmentIds = z.array(z.uuid()).max(10);
const Username = z.string().trim().min(1).max(64);

export const ApproveBody = z
  .object({ comment: Comment.optional(), attachments: AttachmentIds.optional() })
  .strict();
export const RejectBody = z
  .object({ reason: z.string().trim().min(2).max(500), attachments: AttachmentIds.optional() })
  .strict();
export const HandOverBody = z
  .object({ to: Username, comment: Comment.optional(), attachments: AttachmentIds.optional() })
  .strict();
export const AddSignerBody = z
  .object({
    signer: Username,
    position: z.enum(['before', 'after']),
    comment: Comment.optional(),
    attachments: AttachmentIds.optional(),
  })
  .strict();
export const RemoveSignerBody = z
  .object({ signerTaskId: z.string().min(1), comment: Comment.optional() })
  .strict();
export const ReturnBody = z
  .object({
    toStep: z.string().min(1).max(40),
    comment: Comment.optional(),
    attachments: AttachmentIds.optional(),
  })
  .strict();
export const WithdrawBody = z
  .object({ comment: Comment.optional(), attachments: AttachmentIds.optional() })
  .strict();
export const UrgeBody = z.object({ comment: Comment.optional() }).strict();
export const CcBody = z
  .object({ users: z.array(Username).min(1).max(20), comment: Comment.optional() })
  .strict();

export const TASK_ACTIONS = {
  approve: ApproveBody,
  reject: RejectBody,
  transfer: HandOverBody,
  delegate: HandOverBody,
  'add-signer': AddSignerBody,
  'remove-signer': RemoveSignerBody,
  return: ReturnBody,
  cc: CcBody,
} as const;
export type TaskActionName = keyof typeof TASK_ACTIONS;

export const PROCESS_ACTIONS = { withdraw: WithdrawBody, urge: UrgeBody, cc: CcBody } as const;
export type ProcessActionName = keyof typeof PROCESS_ACTIONS;

export const INBOX_BOXES = ['pending', 'done', 'cc', 'started'] as const;
export type InboxBox = (typeof INBOX_BOXES)[number];

const BoolParam = z.enum(['true', 'false']).transform((v) => v === 'true');
export const InboxQuery = z
  .object({
    box: z.enum(INBOX_BOXES).optional(),
    /** The foundation's name for the first two boxes. */
    status: z.enum(['pending', 'done']).optional(),
    kind: z.enum(PROCESS_KINDS).optional(),
    unit: z.string().min(1).max(64).optional(),
    overdue: BoolParam.optional(),
    dueBefore: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type InboxQuery = z.infer<typeof InboxQuery>;

export const SupervisionQuery = z
  .object({
    kind: z.enum(PROCESS_KINDS).optional(),
    unit: z.string().min(1).max(64).optional(),
    overdue: BoolParam.optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------------------------
// Views

export interface InboxItem {
  taskId: string | null;
  processKey: string;
  /** The business record the process decides on (e.g. the seal application id). */
  processId: string;
  kind: ProcessKind;
  kindLabel: string;
  title: string;
  stepName: string | null;
  status: string;
  statusLabel: string;
  organisationId: string;
  organisationName: string;
  initiatorName: string;
  assigneeLabel: string | null;
  origin: string | null;
  dueAt: string | null;
  dueProvisional: boolean;
  overdue: boolean;
  /** Milliseconds until the due time (negative when overdue); null without a deadline. */
  timeLeftMs: number | null;
  openedAt: string | null;
  actedAt: string | null;
  url: string;
}

export interface TaskView extends ApprovalTask {
  statusLabel: string;
  originLabel: string;
  assigneeLabel: string;
  overdue: boolean;
  /** What the caller may do with this task now. */
  actions: string[];
}

export interface ApprovalView {
  id: string;
  kind: ProcessKind;
  kindLabel: string;
  processId: string;
  title: string;
  detailPath: string;
  status: ProcessStatus;
  statusLabel: string;
  outcomeReason: string | null;
  initiator: { userId: string; displayName: string; organisationId: string; organisationName: string };
  definition: { id: string; version: number; name: string };
  steps: Array<{
    index: number;
    key: string;
    name: string;
    mode: string;
    modeLabel: string;
    due: string | null;
    current: boolean;
    onBreach: string;
  }>;
  currentStep: number | null;
  stepDue: { dueAt: string; provisional: boolean; overdue: boolean } | null;
  tasks: TaskView[];
  history: Array<ApprovalEvent & { label: string }>;
  cc: Array<{ userId: string; displayName: string; organisationName: string; at: string; by: string }>;
  breaches: Array<{ step: string; dueAt: string; at: string; action: string; actionLabel: string }>;
  /** Process-level actions open to the caller: withdraw, urge, cc. */
  actions: string[];
  live: boolean;
}

// ---------------------------------------------------------------------------------------------------------------

export class ApprovalService {
  constructor(private readonly ctx: AppContext) {}

  /**
   * The input of a new approval process: the organisation's active flow definition (snapshotted: the process
   * keeps this version), the initiator, and their choices and CC list.
   */
  async buildInput(p: {
    kind: ProcessKind;
    principal: Pick<Principal, 'userId'>;
    organisationId: string;
    processId: string;
    title: string;
    detailPath: string;
    choices?: Record<string, UserRef[]>;
    cc?: UserRef[];
    comment?: string | null;
    attachments?: AttachmentRef[];
    approverAuthority?: ApprovalInput['approverAuthority'];
    parentNotifiesOutcome?: boolean;
  }): Promise<ApprovalInput> {
    const em = this.ctx.em();
    const organisation = await em.findOneOrFail(Organisation, { id: p.organisationId });
    const jurisdiction = await em.findOneOrFail(Jurisdiction, { id: organisation.jurisdictionId });
    const definition = await activeFlowFor(em, p.kind, organisation.id, jurisdiction.level);
    if (!definition) {
      throw new ApiError(
        'UNPROCESSABLE',
        `尚未配置“${PROCESS_KIND_LABELS[p.kind]}”的审批流程，请联系平台管理员`,
      );
    }
    const choices = p.choices ?? {};
    for (const step of stepsNeedingChoice(definition.steps)) {
      const chosen = choices[step.key] ?? [];
      const max = step.mode === 'single' ? 1 : 20;
      if (chosen.length === 0 || chosen.length > max) {
        throw badRequest([
          {
            field: `approvers.${step.key}`,
            rule: 'initiator_choice',
            message: `步骤“${step.name}”需要发起人选择${step.mode === 'single' ? '一位' : '至少一位'}审批人`,
          },
        ]);
      }
    }
    const initiator = await this.userRef(p.principal.userId);
    return {
      processKey: approvalWorkflowId(p.kind, p.processId),
      kind: p.kind,
      processId: p.processId,
      title: p.title,
      detailPath: p.detailPath,
      initiator: initiator!,
      jurisdictionId: organisation.jurisdictionId,
      flow: snapshotOf(definition),
      choices,
      cc: p.cc ?? [],
      comment: p.comment ?? null,
      attachments: p.attachments ?? [],
      approverAuthority: p.approverAuthority ?? null,
      parentNotifiesOutcome: p.parentNotifiesOutcome ?? false,
    };
  }

  /**
   * Waits (bounded) until the approval workflow has opened its first tasks, so that a submitter's reply shows a
   * process approvers can act on. The child may not exist yet when its parent was just started: retry until then.
   */
  async waitUntilReady(workflowId: string, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      try {
        await this.ctx.temporal.workflow.getHandle(workflowId).executeUpdate(readyUpdate);
        return;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async userRef(idOrUsername: string): Promise<UserRef | null> {
    const em = this.ctx.em();
    const user = await em.findOne(AppUser, {
      $or: [{ id: idOrUsername }, { username: idOrUsername }],
      active: true,
    });
    if (!user) return null;
    const organisation = await em.findOneOrFail(Organisation, { id: user.organisationId });
    return {
      userId: user.id,
      displayName: user.displayName,
      organisationId: user.organisationId,
      organisationName: organisation.name,
      email: user.email,
    };
  }

  private async userRefsOrFail(usernames: string[], field: string): Promise<UserRef[]> {
    const refs: UserRef[] = [];
    for (const [i, name] of usernames.entries()) {
      const ref = await this.userRef(name);
      if (!ref) {
        throw badRequest([
          {
            field: usernames.length > 1 || field === 'users' ? `${field}.${i}` : field,
            rule: 'user',
            message: `用户 ${name} 不存在或已停用`,
          },
        ]);
      }
      refs.push(ref);
    }
    return refs;
  }

  private async attachmentRefs(principal: Principal, ids: string[] | undefined): Promise<AttachmentRef[]> {
    if (!ids?.length) return [];
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

  // -------------------------------------------------------------------------------------------------------------
  // Actions

  async actOnTask(
    principal: Principal,
    taskId: string,
    name: TaskActionName,
    rawBody: unknown,
    meta: { requestId?: string; ip?: string },
  ): Promise<ApprovalView> {
    const body = rawBody as Record<string, unknown>;
    const em = this.ctx.em();
    const task = await em.findOne(Task, { id: taskId });
    if (!task) throw notFound('待办任务');
    const audit = (outcome: 'success' | 'denied' | 'rejected', details: Record<string, unknown> = {}) =>
      recordAudit(this.ctx.em(), {
        actor: actorOf(principal),
        action: `task.${name}`,
        targetType: 'task',
        targetId: taskId,
        outcome,
        details: { processKey: task.workflowId, processId: task.processId, ...details },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    // The projection answers "is this yours" even when the workflow is gone; the workflow re-checks.
    const holds =
      task.assigneeUserId !== null
        ? task.assigneeUserId === principal.userId
        : task.assigneeOrganisationId === principal.organisationId &&
          principal.roles.includes(task.assigneeRole as UserRole);
    if (!holds) {
      await audit('denied', { reason: 'not the holder of the task' });
      const error = forbidden('此任务不属于您或您所在部门，您无权处理');
      error.audited = true;
      throw error;
    }
    const actor = actorOfPrincipal(principal);
    const comment = (body.comment as string | undefined) ?? null;
    const attachments = await this.attachmentRefs(principal, body.attachments as string[] | undefined);
    const base = { taskId, actor, comment, attachments };
    const handle = this.ctx.temporal.workflow.getHandle(task.workflowId);
    const send = async (): Promise<unknown> => {
      switch (name) {
        case 'approve':
          return handle.executeUpdate(approveUpdate, { args: [base] });
        case 'reject':
          return handle.executeUpdate(rejectUpdate, {
            args: [{ ...base, comment: body.reason as string, reason: body.reason as string }],
          });
        case 'transfer': {
          const [to] = await this.userRefsOrFail([body.to as string], 'to');
          return handle.executeUpdate(transferUpdate, { args: [{ ...base, to: to! }] });
        }
        case 'delegate': {
          const [to] = await this.userRefsOrFail([body.to as string], 'to');
          return handle.executeUpdate(delegateUpdate, { args: [{ ...base, to: to! }] });
        }
        case 'add-signer': {
          const [signer] = await this.userRefsOrFail([body.signer as string], 'signer');
          return handle.executeUpdate(addSignerUpdate, {
            args: [{ ...base, signer: signer!, position: body.position as 'before' | 'after' }],
          });
        }
        case 'remove-signer':
          return handle.executeUpdate(removeSignerUpdate, {
            args: [{ ...base, signerTaskId: body.signerTaskId as string }],
          });
        case 'return': {
          const state = await this.liveState(task.workflowId);
          const toStepIndex = state?.flow.steps.findIndex((s) => s.key === body.toStep) ?? -1;
          if (toStepIndex < 0) {
            throw badRequest([
              { field: 'toStep', rule: 'step', message: `流程中没有步骤 ${String(body.toStep)}` },
            ]);
          }
          return handle.executeUpdate(returnUpdate, { args: [{ ...base, toStepIndex }] });
        }
        case 'cc': {
          const users = await this.userRefsOrFail(body.users as string[], 'users');
          return handle.executeUpdate(ccUpdate, { args: [{ actor, users, comment }] });
        }
      }
    };
    await this.sendUpdate(send, audit);
    await audit('success', { comment, attachments: attachments.map((a) => a.id), ...targetsOf(body) });
    return this.view(principal, task.workflowId);
  }

  async actOnProcess(
    principal: Principal,
    processKey: string,
    name: ProcessActionName,
    rawBody: unknown,
    meta: { requestId?: string; ip?: string },
  ): Promise<ApprovalView> {
    const body = rawBody as Record<string, unknown>;
    const process = await this.ctx.em().findOne(ApprovalProcess, { id: processKey });
    if (!process) throw notFound('审批流程');
    const audit = (outcome: 'success' | 'denied' | 'rejected', details: Record<string, unknown> = {}) =>
      recordAudit(this.ctx.em(), {
        actor: actorOf(principal),
        action: `approval.${name}`,
        targetType: 'approval_process',
        targetId: processKey,
        outcome,
        details: { processId: process.processId, ...details },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    if (!(await this.canView(principal, process))) {
      await audit('denied', { reason: 'not a participant' });
      const error = forbidden('无权操作此审批流程');
      error.audited = true;
      throw error;
    }
    const actor = actorOfPrincipal(principal);
    const comment = (body.comment as string | undefined) ?? null;
    const handle = this.ctx.temporal.workflow.getHandle(processKey);
    const send = async (): Promise<unknown> => {
      switch (name) {
        case 'withdraw': {
          const attachments = await this.attachmentRefs(principal, body.attachments as string[] | undefined);
          return handle.executeUpdate(withdrawUpdate, { args: [{ actor, comment, attachments }] });
        }
        case 'urge':
          return handle.executeUpdate(urgeUpdate, { args: [{ actor, comment }] });
        case 'cc': {
          const users = await this.userRefsOrFail(body.users as string[], 'users');
          return handle.executeUpdate(ccUpdate, { args: [{ actor, users, comment }] });
        }
      }
    };
    await this.sendUpdate(send, audit);
    await audit('success', { comment, ...targetsOf(body) });
    return this.view(principal, processKey);
  }

  /** Sends an update and turns the workflow's refusal into the API's answer (403, 409, 400, 429). */
  private async sendUpdate(
    send: () => Promise<unknown>,
    audit: (outcome: 'denied' | 'rejected', details: Record<string, unknown>) => Promise<unknown>,
  ): Promise<void> {
    try {
      await send();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        await audit('rejected', { reason: 'process not running' });
        throw conflict('审批流程已结束');
      }
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (!(cause instanceof ApplicationFailure)) throw err;
      const mapped: Record<string, () => ApiError> = {
        [PROBLEM_FAILURE_TYPES.forbidden]: () => forbidden(cause.message),
        [PROBLEM_FAILURE_TYPES.conflict]: () => conflict(cause.message),
        [PROBLEM_FAILURE_TYPES.invalid]: () => {
          const [field, ...rest] = cause.message.split(': ');
          return rest.length
            ? badRequest([{ field: field!, rule: 'approval', message: rest.join(': ') }])
            : new ApiError('VALIDATION_FAILED', cause.message, []);
        },
        [PROBLEM_FAILURE_TYPES.rate_limited]: () => new ApiError('TOO_MANY_REQUESTS', cause.message),
      };
      const make = cause.type ? mapped[cause.type] : undefined;
      if (!make) throw err;
      const error = make();
      await audit(error.status === 403 ? 'denied' : 'rejected', { reason: cause.message });
      error.audited = true;
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Reading

  /** Participants see a process: initiator, task holders (past and present), CC'd users, and overseeing units. */
  private async canView(principal: Principal, process: ApprovalProcess): Promise<boolean> {
    if (process.initiatorId === principal.userId) return true;
    const em = this.ctx.em();
    const involved = await em.count(Task, {
      workflowId: process.id,
      $or: [
        { assigneeUserId: principal.userId },
        { actedById: principal.userId },
        {
          assigneeUserId: null,
          assigneeOrganisationId: principal.organisationId,
          assigneeRole: { $in: principal.roles },
        },
      ],
    });
    if (involved > 0) return true;
    if ((await em.count(ApprovalCc, { processKey: process.id, userId: principal.userId })) > 0) return true;
    return canSeeOrganisationRecords(principal, process.organisationId, em, this.ctx.jurisdictions);
  }

  async view(principal: Principal, processKey: string): Promise<ApprovalView> {
    const em = this.ctx.em();
    const process = await em.findOne(ApprovalProcess, { id: processKey });
    if (!process) throw notFound('审批流程');
    if (!(await this.canView(principal, process))) throw forbidden('无权查看此审批流程');
    const state = await this.liveState(processKey);
    return state ? this.viewOfState(principal, state) : this.viewOfRecords(principal, process);
  }

  async liveState(processKey: string): Promise<ApprovalState | null> {
    try {
      return await this.ctx.temporal.workflow.getHandle(processKey).query(approvalStateQuery);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) console.warn(`query ${processKey} failed: ${String(err)}`);
      return null;
    }
  }

  private viewOfState(principal: Principal, state: ApprovalState): ApprovalView {
    const now = Date.now();
    const actor = actorOfPrincipal(principal);
    const running = state.status === 'running';
    const isInitiator = state.initiator.userId === principal.userId;
    const holdsOpen = state.tasks.some((t) => isOpen(t) && mayHold(t, actor));
    return {
      id: state.processKey,
      kind: state.kind,
      kindLabel: PROCESS_KIND_LABELS[state.kind],
      processId: state.processId,
      title: state.title,
      detailPath: state.detailPath,
      status: state.status,
      statusLabel: PROCESS_STATUS_LABELS[state.status],
      outcomeReason: state.outcomeReason,
      initiator: {
        userId: state.initiator.userId,
        displayName: state.initiator.displayName,
        organisationId: state.initiator.organisationId,
        organisationName: state.initiator.organisationName,
      },
      definition: { id: state.flow.definitionId, version: state.flow.version, name: state.flow.name },
      steps: state.flow.steps.map((s, index) => ({
        index,
        key: s.key,
        name: s.name,
        mode: s.mode,
        modeLabel: stepModeLabel(s),
        due: stepDueLabel(s),
        current: running && index === state.stepIndex,
        onBreach: BREACH_ACTION_LABELS[s.onBreach],
      })),
      currentStep: running ? state.stepIndex : null,
      stepDue:
        running && state.stepDue
          ? { ...state.stepDue, overdue: Date.parse(state.stepDue.dueAt) < now }
          : null,
      tasks: state.tasks.map((t) => ({
        ...t,
        statusLabel: TASK_STATUS_LABELS[t.status],
        originLabel: TASK_ORIGIN_LABELS[t.origin],
        assigneeLabel:
          t.assignee.kind === 'user'
            ? `${t.assignee.displayName}（${t.assignee.organisationName}）`
            : `${t.assignee.organisationName}`,
        overdue: isOpen(t) && !!t.dueAt && Date.parse(t.dueAt) < now,
        actions: running ? taskActions(t, actor) : [],
      })),
      history: state.history.map((e) => ({ ...e, label: EVENT_LABELS[e.action] })),
      cc: state.cc.map((c) => ({
        userId: c.user.userId,
        displayName: c.user.displayName,
        organisationName: c.user.organisationName,
        at: c.at,
        by: c.by.displayName,
      })),
      breaches: state.breaches.map((b) => ({
        step: state.flow.steps[b.stepIndex]!.name,
        dueAt: b.dueAt,
        at: b.at,
        action: b.action,
        actionLabel: BREACH_ACTION_LABELS[b.action],
      })),
      actions: running
        ? [...(isInitiator ? ['withdraw', 'urge'] : []), ...(isInitiator || holdsOpen ? ['cc'] : [])]
        : [],
      live: true,
    };
  }

  /** When Temporal cannot answer, the projection still can: the timeline, the tasks and the outcome. */
  private async viewOfRecords(principal: Principal, p: ApprovalProcess): Promise<ApprovalView> {
    const em = this.ctx.em();
    const [tasks, events, cc, breaches, initiator, organisation] = await Promise.all([
      em.find(Task, { workflowId: p.id }, { orderBy: { createdAt: 'asc', id: 'asc' } }),
      em.find(ApprovalEventRecord, { processKey: p.id }, { orderBy: { seq: 'asc' } }),
      em.find(ApprovalCc, { processKey: p.id }, { orderBy: { at: 'asc' } }),
      em.find(DeadlineBreach, { processKey: p.id }, { orderBy: { breachedAt: 'asc' } }),
      em.findOneOrFail(AppUser, { id: p.initiatorId }),
      em.findOneOrFail(Organisation, { id: p.organisationId }),
    ]);
    const users = new Map(
      (await em.find(AppUser, { id: { $in: cc.map((c) => c.userId) } })).map((u) => [u.id, u.displayName]),
    );
    void principal;
    return {
      id: p.id,
      kind: p.kind,
      kindLabel: PROCESS_KIND_LABELS[p.kind],
      processId: p.processId,
      title: p.title,
      detailPath: p.detailPath,
      status: p.status,
      statusLabel: PROCESS_STATUS_LABELS[p.status],
      outcomeReason: p.outcomeReason,
      initiator: {
        userId: initiator.id,
        displayName: initiator.displayName,
        organisationId: organisation.id,
        organisationName: organisation.name,
      },
      definition: { id: p.definitionId, version: p.definitionVersion, name: '' },
      steps: [],
      currentStep: p.currentStepIndex,
      stepDue: p.stepDueAt
        ? {
            dueAt: p.stepDueAt.toISOString(),
            provisional: p.stepDueProvisional,
            overdue: p.stepDueAt < new Date(),
          }
        : null,
      tasks: tasks.map((t) => ({
        id: t.id,
        stepIndex: t.stepIndex,
        round: t.round,
        assignee:
          t.assigneeUserId !== null
            ? {
                kind: 'user' as const,
                userId: t.assigneeUserId,
                displayName: t.assigneeName ?? '',
                organisationId: t.assigneeOrganisationId ?? '',
                organisationName: '',
                email: null,
              }
            : {
                kind: 'group' as const,
                organisationId: t.assigneeOrganisationId!,
                organisationName: '',
                role: t.assigneeRole!,
              },
        status: t.status as TaskStatus,
        origin: t.origin,
        primary: t.isPrimary,
        parentId: t.parentTaskId,
        openedAt: (t.openedAt ?? t.createdAt).toISOString(),
        dueAt: t.dueAt?.toISOString() ?? null,
        dueProvisional: t.dueProvisional,
        actedAt: t.actedAt?.toISOString() ?? null,
        actedBy: t.actedByName
          ? { userId: t.actedById ?? '', displayName: t.actedByName, organisationName: '' }
          : null,
        comment: t.comment,
        lastUrgedAt: t.lastUrgedAt?.toISOString() ?? null,
        statusLabel: TASK_STATUS_LABELS[t.status as TaskStatus],
        originLabel: TASK_ORIGIN_LABELS[t.origin],
        assigneeLabel: t.assigneeName ?? t.assigneeOrganisationId ?? '',
        overdue: false,
        actions: [],
      })),
      history: events.map((e) => ({
        seq: e.seq,
        at: e.at.toISOString(),
        action: e.action,
        stepIndex: e.stepIndex,
        stepName: e.stepName,
        taskId: e.taskId,
        actor: e.actor,
        targets: e.targets,
        comment: e.comment,
        attachments: e.attachments,
        label: EVENT_LABELS[e.action],
      })),
      cc: cc.map((c) => ({
        userId: c.userId,
        displayName: users.get(c.userId) ?? c.userId,
        organisationName: '',
        at: c.at.toISOString(),
        by: c.addedBy.displayName,
      })),
      breaches: breaches.map((b) => ({
        step: b.stepName,
        dueAt: b.dueAt.toISOString(),
        at: b.breachedAt.toISOString(),
        action: b.action,
        actionLabel: BREACH_ACTION_LABELS[b.action],
      })),
      actions: [],
      live: false,
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Inboxes

  async inbox(principal: Principal, query: InboxQuery): Promise<InboxItem[]> {
    const box: InboxBox = query.box ?? query.status ?? 'pending';
    const conn = this.ctx.em().getConnection();
    const filters: string[] = [];
    const params: unknown[] = [];
    if (query.kind) {
      filters.push('p.kind = ?');
      params.push(query.kind);
    }
    if (query.unit) {
      filters.push('p.organisation_id = ?');
      params.push(query.unit);
    }
    const taskDue = (f: string[], p: unknown[]) => {
      if (query.overdue !== undefined)
        f.push(query.overdue ? 't.due_at < now()' : '(t.due_at is null or t.due_at >= now())');
      if (query.dueBefore) {
        f.push('t.due_at < ?');
        p.push(new Date(query.dueBefore));
      }
    };
    const where = (extra: string[]) => [...extra, ...filters].join(' and ');
    let rows: Row[];
    if (box === 'pending' || box === 'done') {
      const own =
        box === 'pending'
          ? `t.status = 'pending' and (t.assignee_user_id = ? or (t.assignee_user_id is null and t.assignee_organisation_id = ? and t.assignee_role = any(string_to_array(?, ','))))`
          : `t.acted_by_id = ? and t.status not in ('pending','waiting','delegated')`;
      const ownParams =
        box === 'pending'
          ? [principal.userId, principal.organisationId, principal.roles]
          : [principal.userId];
      const f: string[] = [];
      const p: unknown[] = [];
      taskDue(f, p);
      rows = await conn.execute(
        `${TASK_SELECT} where ${where([own, ...f])}
         order by ${box === 'pending' ? 't.due_at asc nulls last, t.created_at asc' : 't.acted_at desc'} limit 500`,
        [...ownParams, ...p, ...params],
      );
    } else {
      const own =
        box === 'cc'
          ? 'exists (select 1 from approval_cc c where c.process_key = p.id and c.user_id = ?)'
          : 'p.initiator_id = ?';
      const f: string[] = [];
      const p: unknown[] = [];
      if (query.overdue !== undefined)
        f.push(
          query.overdue
            ? `p.status = 'running' and p.step_due_at < now()`
            : '(p.step_due_at is null or p.step_due_at >= now())',
        );
      if (query.dueBefore) {
        f.push('p.step_due_at < ?');
        p.push(new Date(query.dueBefore));
      }
      rows = await conn.execute(
        `${PROCESS_SELECT} where ${where([own, ...f])} order by p.started_at desc limit 500`,
        [principal.userId, ...p, ...params],
      );
    }
    return rows.map(inboxItem);
  }

  /**
   * A management unit's view: every pending task of processes in its jurisdiction, least time left first (LM-28).
   */
  async supervision(principal: Principal, query: z.infer<typeof SupervisionQuery>): Promise<InboxItem[]> {
    this.assertSupervisor(principal);
    const within = await this.jurisdictionsWithin(principal.jurisdictionId);
    const filters = [`t.status = 'pending'`, "p.jurisdiction_id = any(string_to_array(?, ','))"];
    const params: unknown[] = [within.join(',')];
    if (query.kind) {
      filters.push('p.kind = ?');
      params.push(query.kind);
    }
    if (query.unit) {
      filters.push('(p.organisation_id = ? or t.assignee_organisation_id = ?)');
      params.push(query.unit, query.unit);
    }
    if (query.overdue !== undefined)
      filters.push(query.overdue ? 't.due_at < now()' : '(t.due_at is null or t.due_at >= now())');
    const rows: Row[] = await this.ctx
      .em()
      .getConnection()
      .execute(
        `${TASK_SELECT} where ${filters.join(' and ')} order by t.due_at asc nulls last, t.created_at asc limit 1000`,
        params,
      );
    return rows.map(inboxItem);
  }

  async deadlineBreaches(principal: Principal): Promise<DeadlineBreach[]> {
    this.assertSupervisor(principal);
    const within = await this.jurisdictionsWithin(principal.jurisdictionId);
    return this.ctx
      .em()
      .find(
        DeadlineBreach,
        { jurisdictionId: { $in: within } },
        { orderBy: { breachedAt: 'desc' }, limit: 500 },
      );
  }

  private assertSupervisor(principal: Principal): void {
    const role = principal.roles.some((r) => r === 'supervisor' || r === 'platform_admin');
    if (!role || !principal.organisationFunctions.includes('management_unit')) {
      throw forbidden('只有管理单位的监督管理人员可以查看辖区内的待办情况');
    }
  }

  private async jurisdictionsWithin(root: string): Promise<string[]> {
    const all = await this.ctx.jurisdictions.all();
    const ids: string[] = [];
    for (const j of all) if (await this.ctx.jurisdictions.isWithin(root, j.id)) ids.push(j.id);
    return ids;
  }
}

// ---------------------------------------------------------------------------------------------------------------

export function actorOfPrincipal(p: Principal): Actor {
  return {
    userId: p.userId,
    displayName: p.displayName,
    organisationId: p.organisationId,
    organisationName: p.organisationName,
    roles: p.roles,
  };
}

/** The actions a task offers its holder, as the engine's capability table allows them. */
function taskActions(t: ApprovalTask, actor: Actor): string[] {
  if (!mayHold(t, actor)) return [];
  if (t.status === 'waiting' && t.primary) return ['remove-signer'];
  if (t.status !== 'pending') return [];
  if (t.primary)
    return ['approve', 'reject', 'transfer', 'delegate', 'add-signer', 'remove-signer', 'return', 'cc'];
  if (t.origin === 'delegate') return ['approve', 'cc'];
  return ['approve', 'reject', 'transfer', 'cc'];
}

function targetsOf(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['to', 'signer', 'position', 'signerTaskId', 'toStep', 'users', 'reason']) {
    if (body[k] !== undefined) out[k] = body[k];
  }
  return out;
}

interface Row {
  task_id: string | null;
  process_key: string;
  process_id: string;
  kind: ProcessKind;
  title: string;
  step_name: string | null;
  status: string;
  organisation_id: string;
  organisation_name: string;
  initiator_name: string;
  assignee_name: string | null;
  assignee_org_name: string | null;
  origin: string | null;
  due_at: Date | null;
  due_provisional: boolean | null;
  opened_at: Date | null;
  acted_at: Date | null;
}

const TASK_SELECT = `
  select t.id as task_id, p.id as process_key, p.process_id, p.kind, p.title, t.step_name, t.status, p.organisation_id,
         o.name as organisation_name, u.display_name as initiator_name, t.assignee_name,
         ao.name as assignee_org_name, t.origin, t.due_at, t.due_provisional, t.opened_at, t.acted_at
    from task t
    join approval_process p on p.id = t.workflow_id
    join organisation o on o.id = p.organisation_id
    join app_user u on u.id = p.initiator_id
    left join organisation ao on ao.id = t.assignee_organisation_id`;

const PROCESS_SELECT = `
  select null as task_id, p.id as process_key, p.process_id, p.kind, p.title, p.current_step_name as step_name, p.status,
         p.organisation_id, o.name as organisation_name, u.display_name as initiator_name, null as assignee_name,
         null as assignee_org_name, null as origin, p.step_due_at as due_at, p.step_due_provisional as due_provisional,
         p.started_at as opened_at, p.ended_at as acted_at
    from approval_process p
    join organisation o on o.id = p.organisation_id
    join app_user u on u.id = p.initiator_id`;

function inboxItem(r: Row): InboxItem {
  const now = Date.now();
  const due = r.due_at ? new Date(r.due_at) : null;
  const open = r.task_id ? r.status === 'pending' || r.status === 'waiting' : r.status === 'running';
  const statusLabel = r.task_id
    ? (TASK_STATUS_LABELS[r.status as TaskStatus] ?? r.status)
    : (PROCESS_STATUS_LABELS[r.status as ProcessStatus] ?? r.status);
  return {
    taskId: r.task_id,
    processKey: r.process_key,
    processId: r.process_id,
    kind: r.kind,
    kindLabel: PROCESS_KIND_LABELS[r.kind],
    title: r.title,
    stepName: r.step_name,
    status: r.status,
    statusLabel,
    organisationId: r.organisation_id,
    organisationName: r.organisation_name,
    initiatorName: r.initiator_name,
    assigneeLabel: r.assignee_name ?? r.assignee_org_name,
    origin: r.origin ? TASK_ORIGIN_LABELS[r.origin as keyof typeof TASK_ORIGIN_LABELS] : null,
    dueAt: due?.toISOString() ?? null,
    dueProvisional: !!r.due_provisional,
    overdue: open && !!due && due.getTime() < now,
    timeLeftMs: open && due ? due.getTime() - now : null,
    openedAt: r.opened_at ? new Date(r.opened_at).toISOString() : null,
    actedAt: r.acted_at ? new Date(r.acted_at).toISOString() : null,
    url: `/approvals/${r.process_key}`,
  };
}
