/**
 * The approval engine as the API and the web pages use it: building a process's input from its flow definition,
 * acting on tasks and processes (workflow updates), and reading a process (live workflow state, else the
 * projection). Authorisation happens here and again in the workflow's validators, which are authoritative. The
 * inboxes are ApprovalInbox's (approval-inbox.ts); request bodies are in approval-requests.ts.
 */
import { caseNumbersOf } from '../../db/case-numbers';
import { logger } from '../../infra/logger';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  ApprovalCc,
  ApprovalProcess,
  Attachment,
  DeadlineBreach,
  FlowDefinition,
} from '../../db/approval-entities';
import { CC_COLUMNS, EVENT_COLUMNS, fromRow, Row, TASK_COLUMNS } from '../../db/approval-rows';
import { recordAudit } from '../../db/audit';
import { AppUser, Jurisdiction, Organisation, Task } from '../../db/entities';
import { activeFlowFor, snapshotOf } from '../../db/flow-definitions';
import { isOverdue, timeLeftMs } from '../../domain/calendar';
import { userRef } from '../../db/users';
import {
  ActionName,
  ActionRequest,
  Actor,
  ApprovalEvent,
  ApprovalInput,
  ApprovalState,
  ApprovalTask,
  approvalWorkflowId,
  assigneeLabel,
  AttachmentRef,
  isOpen,
  peopleNamed,
  processActionsOffered,
  ProcessStatus,
  taskActionsOffered,
  UserRef,
} from '../../domain/approval';
import { flowPath, GatewayPass } from '../../domain/flow-branches';
import { storeSignature } from './signatures';
import { isStaffAccount } from './directory';
import {
  allEngineSteps,
  approverGroups,
  BREACH_ACTION_LABELS,
  EngineStep,
  FlowNode,
  isParallel,
  PROCESS_KIND_LABELS,
  ProcessKind,
  ProcessVariables,
  SignatureRule,
  stepDueLabel,
  stepModeLabel,
  InitiatorOptions,
  StoredInitiatorOptions,
  stepsNeedingChoice,
} from '../../domain/flow-definition';
import type { UserRole } from '../../domain/roles';
import { SUSPENSION_KIND_LABELS, SuspensionKind } from '../../domain/approval-clock';
import {
  EVENT_LABELS,
  PROCESS_STATUS_LABELS,
  TASK_ORIGIN_LABELS,
  TASK_STATUS_LABELS,
} from '../../presentation/approval-labels';
import {
  ACTION_UPDATES,
  approvalStateQuery,
  PROBLEM_FAILURE_TYPES,
  readyUpdate,
} from '../../workflows/approval-messages';
import { canSeeOrganisationRecords } from '../access';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, FieldProblem, forbidden, notFound } from '../errors';
import { actorOf, Principal } from '../principal';

import { ApprovalInbox } from './approval-inbox';

export interface SubmissionForm {
  flow: {
    name: string;
    version: number;
    steps: Array<{
      key: string;
      name: string;
      modeLabel: string;
      due: string | null;
      choose: boolean;
      chooseMany: boolean;
    }>;
  } | null;
  people: Array<{
    username: string;
    label: string;
    displayName: string;
    organisationId: string;
    organisationName: string;
  }>;
}

export interface TaskView extends ApprovalTask {
  statusLabel: string;
  originLabel: string;
  assigneeLabel: string;
  overdue: boolean;
  /** Milliseconds until the task's deadline (negative when overdue); null without one or once closed. */
  timeLeftMs: number | null;
  /** What the caller may do with this task now. */
  actions: ActionName[];
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
    /** The step's handwritten signature on approve and required reasons (issue 10), for the action forms. */
    signature: SignatureRule;
    reasonRequired: { approve?: boolean; reject?: boolean };
  }>;
  /** The definition's own nodes, gateways unresolved: the flow drawn with the path taken and ahead (issue 10). */
  flowNodes: FlowNode[];
  currentStep: number | null;
  /**
   * The conditional gateways on the process's path and the branch each takes (issue 10): `atStep` is the index in
   * `steps` of the step the gateway leads to, so steps before it are the path taken, the rest the path ahead.
   */
  gateways: GatewayPass[];
  stepDue: { dueAt: string; provisional: boolean; overdue: boolean } | null;
  /** The current step's open suspension (issue 10: 补正 etc.), shown 已中止; null when the clock runs. */
  suspension: {
    kind: string;
    kindLabel: string;
    reason: string | null;
    items: string[];
    at: string | null;
    by: string | null;
  } | null;
  tasks: TaskView[];
  history: Array<ApprovalEvent & { label: string }>;
  cc: Array<{ userId: string; displayName: string; organisationName: string; at: string; by: string }>;
  breaches: Array<{ step: string; dueAt: string; at: string; action: string; actionLabel: string }>;
  /** Process-level actions open to the caller: withdraw, urge, cc. */
  actions: ActionName[];
  live: boolean;
}

export class ApprovalService {
  /** 待办, 已办, 抄送, 我发起的 and the management unit's view. */
  readonly inbox: ApprovalInbox;

  /** A process's 办件编号 (domain/case-number.ts), or null before its first projection. */
  async caseNumber(processKey: string): Promise<string | null> {
    return (await caseNumbersOf(this.ctx.em(), [processKey])).get(processKey) ?? null;
  }

  constructor(private readonly ctx: AppContext) {
    this.inbox = new ApprovalInbox(ctx);
  }

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
    /** The initiator's choices and CC list, as resolveInitiatorOptions stored them. */
    options?: StoredInitiatorOptions;
    comment?: string | null;
    attachments?: AttachmentRef[];
    approverAuthority?: ApprovalInput['approverAuthority'];
    parentNotifiesOutcome?: boolean;
    /** The process's variables for conditional branches (issue 10), fixed now. */
    variables?: ProcessVariables;
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
    const choices: Record<string, UserRef[]> = {};
    for (const [step, ids] of Object.entries(p.options?.approvers ?? {})) {
      if (!stepsNeedingChoice(definition.steps).some((s) => s.key === step)) {
        throw badRequest([
          {
            field: `approvers.${step}`,
            rule: 'initiator_choice',
            message: `流程中没有需要发起人选择审批人的步骤 ${step}`,
          },
        ]);
      }
      if (ids.includes(p.principal.userId)) {
        throw badRequest([
          { field: `approvers.${step}`, rule: 'not_self', message: '不能选择本人审批自己的申请' },
        ]);
      }
      choices[step] = await this.userRefsOf(ids);
    }
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
      cc: await this.userRefsOf(p.options?.cc ?? []),
      comment: p.comment ?? null,
      attachments: p.attachments ?? [],
      approverAuthority: p.approverAuthority ?? null,
      parentNotifiesOutcome: p.parentNotifiesOutcome ?? false,
      variables: p.variables ?? {},
    };
  }

  /**
   * What a submission form shows before a process starts: the flow it will follow (so that the applicant knows who
   * reviews), the steps whose approvers they choose, and the people they may choose or CC: active staff of their
   * own jurisdiction and below, and of the management units above it.
   */
  async submissionForm(kind: ProcessKind, principal: Principal): Promise<SubmissionForm> {
    const em = this.ctx.em();
    const organisation = await em.findOneOrFail(Organisation, { id: principal.organisationId });
    const jurisdiction = await em.findOneOrFail(Jurisdiction, { id: organisation.jurisdictionId });
    const definition = await activeFlowFor(em, kind, organisation.id, jurisdiction.level);
    const below = await this.ctx.jurisdictions.within(principal.jurisdictionId);
    const ancestors = await this.ctx.jurisdictions.ancestorsOf(principal.jurisdictionId);
    const organisations = await em.find(Organisation, {
      $or: [
        { jurisdictionId: { $in: below } },
        { jurisdictionId: { $in: ancestors }, functions: { $contains: ['management_unit'] } },
      ],
    });
    const names = new Map(organisations.map((o) => [o.id, o.name]));
    const users = await em.find(
      AppUser,
      { organisationId: { $in: [...names.keys()] }, active: true, id: { $ne: principal.userId } },
      { orderBy: { organisationId: 'asc', username: 'asc' } },
    );
    return {
      flow: definition
        ? {
            name: definition.name,
            version: definition.version,
            // Every step of every branch, a parallel node's branches one by one (issue 10).
            steps: allEngineSteps(definition.steps).flatMap(({ step }) =>
              approverGroups(step).map((g) => ({
                key: g.key,
                name: isParallel(step) ? `${step.name}·${g.name}` : g.name,
                modeLabel: stepModeLabel(g),
                due: stepDueLabel(step),
                choose: g.approvers.some((a) => a.type === 'initiator_choice'),
                chooseMany: g.mode !== 'single',
              })),
            ),
          }
        : null,
      // Issue 17 Build 6: staff only (no holders' or systems' accounts), named by person and unit.
      people: users
        .filter((u) => isStaffAccount(u.roles))
        .map((u) => ({
          username: u.username,
          label: `${u.displayName}（${names.get(u.organisationId)}）`,
          displayName: u.displayName,
          organisationId: u.organisationId,
          organisationName: names.get(u.organisationId) ?? '',
        })),
    };
  }

  /**
   * Waits, at most `timeoutMs`, until the approval workflow has opened its first tasks, so that a submitter's reply
   * shows a process approvers can act on. The child may not exist yet when its parent was just started: retry
   * until then. The start is durable: with no worker running, the reply comes after the timeout and the tasks
   * appear when a worker runs.
   */
  async waitUntilReady(workflowId: string, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    const ready = async () => {
      while (Date.now() < until) {
        try {
          await this.ctx.temporal.workflow.getHandle(workflowId).executeUpdate(readyUpdate);
          return;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) return;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([ready(), timeout]);
    clearTimeout(timer);
  }

  /**
   * The initiator's choices and CC list as the engine takes them, from usernames or ids; unknown or inactive users
   * are a 400 naming the field (`approvers.<step>.<n>`, `cc.<n>`). Returns user ids to store with the record.
   */
  async resolveInitiatorOptions(options: InitiatorOptions): Promise<StoredInitiatorOptions> {
    const problems: FieldProblem[] = [];
    const ids = async (names: string[], field: string) => {
      const out: string[] = [];
      for (const [i, name] of names.entries()) {
        const ref = await this.userRef(name);
        if (!ref)
          problems.push({ field: `${field}.${i}`, rule: 'user', message: `用户 ${name} 不存在或已停用` });
        else if (!out.includes(ref.userId)) out.push(ref.userId);
      }
      return out;
    };
    const approvers: Record<string, string[]> = {};
    for (const [step, names] of Object.entries(options.approvers ?? {})) {
      approvers[step] = await ids(names, `approvers.${step}`);
    }
    const cc = await ids(options.cc ?? [], 'cc');
    if (problems.length) throw badRequest(problems);
    return { approvers, cc };
  }

  private async userRefsOf(ids: string[]): Promise<UserRef[]> {
    const refs: UserRef[] = [];
    for (const id of ids) {
      const ref = await this.userRef(id);
      if (ref) refs.push(ref);
    }
    return refs;
  }

  userRef(idOrUsername: string): Promise<UserRef | null> {
    return userRef(this.ctx.em(), idOrUsername);
  }

  async attachmentRefs(principal: Principal, ids: string[] | undefined): Promise<AttachmentRef[]> {
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

  /**
   * One action of the table (domain/approval-actions.ts) on a task or a process: authorised by the projection
   * (the workflow re-checks, authoritatively), the people and attachments the body names resolved, sent as the
   * action's update, audited whatever the outcome.
   */
  async act(
    principal: Principal,
    target: { taskId: string } | { processKey: string },
    name: ActionName,
    body: Record<string, unknown>,
    meta: { requestId?: string; ip?: string },
  ): Promise<ApprovalView> {
    const { processKey, taskId, audit } = await this.authoriseAction(principal, target, name, meta);
    // A handwritten signature is checked and stored here; the workflow gets its id, never the image (issue 10).
    const { signature, ...rest } = body;
    const people = await this.peopleOf(name, rest);
    const attachments = await this.attachmentRefs(principal, rest.attachments as string[] | undefined);
    const signatureId =
      name === 'approve' && typeof signature === 'string'
        ? await storeSignature(this.ctx, principal, signature, meta)
        : null;
    const request: ActionRequest = {
      taskId,
      actor: actorOfPrincipal(principal),
      body: rest,
      people,
      attachments,
      ...(signatureId ? { signatureId } : {}),
    };
    // The update answers with the process's state once the database shows it (the next step's tasks included):
    // the view is built from that state, without asking the workflow again (issue 19: approval step latency).
    const state = await this.sendUpdate(
      () =>
        this.ctx.temporal.workflow.getHandle(processKey).executeUpdate(ACTION_UPDATES[name], {
          args: [request],
        }),
      audit,
    );
    const { attachments: _attachmentIds, ...details } = rest;
    await audit('success', {
      ...details,
      attachments: request.attachments.map((a) => a.id),
      ...(signatureId ? { signatureId } : {}),
    });
    // No read before answering: whoever the workflow let act on the process is one of its participants (a task's
    // holder acts on it and stays its actor; a process action was allowed by canView above), and the state is
    // the one the update answered with.
    return this.viewOfState(principal, state);
  }

  /** The process a task belongs to (404 for an unknown task). */
  async processKeyOfTask(taskId: string): Promise<string> {
    const task = await this.ctx.em().findOne(Task, { id: taskId });
    if (!task) throw notFound('待办任务');
    return task.workflowId;
  }

  /** Who may try an action, as the projection knows it; a refusal is audited and answered 403 or 404. */
  private async authoriseAction(
    principal: Principal,
    target: { taskId: string } | { processKey: string },
    name: ActionName,
    meta: { requestId?: string; ip?: string },
  ) {
    const em = this.ctx.em();
    const task = 'taskId' in target ? await this.taskHolding(target.taskId) : null;
    if ('taskId' in target && !task) throw notFound('待办任务');
    const process =
      'processKey' in target ? await em.findOne(ApprovalProcess, { id: target.processKey }) : null;
    if ('processKey' in target && !process) throw notFound('审批流程');
    const processKey = task ? task.workflowId : process!.id;
    const audit = (outcome: 'success' | 'denied' | 'rejected', details: Record<string, unknown> = {}) =>
      recordAudit(this.ctx.em(), {
        actor: actorOf(principal),
        action: task ? `task.${name}` : `approval.${name}`,
        targetType: task ? 'task' : 'approval_process',
        targetId: task ? task.id : processKey,
        outcome,
        details: { processKey, processId: task ? task.processId : process!.processId, ...details },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    const allowed = task ? holdsTask(task, principal) : await this.canView(principal, process!);
    if (!allowed) {
      await audit('denied', { reason: task ? 'not the holder of the task' : 'not a participant' });
      const error = forbidden(task ? '此任务不属于您或您所在部门，您无权处理' : '无权操作此审批流程');
      error.audited = true;
      throw error;
    }
    return { processKey, taskId: task ? task.id : null, audit };
  }

  /** The task's process and who holds it, in one plain statement (issue 19: before every approval step). */
  private async taskHolding(taskId: string): Promise<TaskHolding | null> {
    const [row] = await this.ctx.em().execute<
      Array<{
        id: string;
        workflow_id: string;
        process_id: string;
        assignee_user_id: string | null;
        assignee_organisation_id: string | null;
        assignee_role: string | null;
      }>
    >(
      `select id, workflow_id, process_id, assignee_user_id, assignee_organisation_id, assignee_role
           from task where id = ?`,
      [taskId],
    );
    return row
      ? {
          id: row.id,
          workflowId: row.workflow_id,
          processId: row.process_id,
          assigneeUserId: row.assignee_user_id,
          assigneeOrganisationId: row.assignee_organisation_id,
          assigneeRole: row.assignee_role,
        }
      : null;
  }

  /** The users an action's body names, with their roles; an unknown or inactive one is a 400 naming the field. */
  private async peopleOf(name: ActionName, body: unknown): Promise<Record<string, UserRef>> {
    const people: Record<string, UserRef> = {};
    for (const { field, username } of peopleNamed(name, body)) {
      const ref = await this.userRef(username);
      if (!ref) throw badRequest([{ field, rule: 'user', message: `用户 ${username} 不存在或已停用` }]);
      people[username] = ref;
    }
    return people;
  }

  /** Sends an update and turns the workflow's refusal into the API's answer (403, 409, 400, 429). */
  private async sendUpdate<T>(
    send: () => Promise<T>,
    audit: (outcome: 'denied' | 'rejected', details: Record<string, unknown>) => Promise<unknown>,
  ): Promise<T> {
    try {
      return await send();
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

  /** A process as the principal may see it; from `known`, the state an update just answered with, if given. */
  async view(principal: Principal, processKey: string, known?: ApprovalState): Promise<ApprovalView> {
    const em = this.ctx.em();
    const process = await em.findOne(ApprovalProcess, { id: processKey });
    if (!process) throw notFound('审批流程');
    if (!(await this.canView(principal, process))) throw forbidden('无权查看此审批流程');
    const state = known ?? (await this.liveState(processKey));
    return state ? this.viewOfState(principal, state) : this.viewOfRecords(process);
  }

  async liveState(processKey: string): Promise<ApprovalState | null> {
    try {
      return await this.ctx.temporal.workflow.getHandle(processKey).query(approvalStateQuery);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError))
        logger.warn({ err, workflowId: processKey }, 'workflow query failed');
      return null;
    }
  }

  private viewOfState(principal: Principal, state: ApprovalState): ApprovalView {
    const now = new Date();
    const actor = actorOfPrincipal(principal);
    const running = state.status === 'running';
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
      steps: stepViews(state.flow.steps, running ? state.stepIndex : null),
      flowNodes: state.flow.nodes ?? state.flow.steps,
      currentStep: running ? state.stepIndex : null,
      gateways: state.gateways ?? [],
      stepDue:
        running && state.stepDue ? { ...state.stepDue, overdue: isOverdue(state.stepDue.dueAt, now) } : null,
      suspension:
        running && state.suspension
          ? {
              kind: state.suspension.kind,
              kindLabel: SUSPENSION_KIND_LABELS[state.suspension.kind],
              reason: state.suspension.reason,
              items: state.suspension.items,
              at: state.suspension.at,
              by: state.suspension.by.displayName,
            }
          : null,
      tasks: state.tasks.map((t) => ({
        ...t,
        statusLabel: TASK_STATUS_LABELS[t.status],
        originLabel: TASK_ORIGIN_LABELS[t.origin],
        assigneeLabel: assigneeLabel(t.assignee),
        overdue: isOpen(t) && isOverdue(t.dueAt, now),
        timeLeftMs: isOpen(t) ? timeLeftMs(t.dueAt, now) : null,
        actions: taskActionsOffered(state, t, actor),
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
      actions: processActionsOffered(state, actor),
      live: true,
    };
  }

  /** When Temporal cannot answer, the projection still can: the timeline, the tasks and the outcome. */
  private async viewOfRecords(p: ApprovalProcess): Promise<ApprovalView> {
    const em = this.ctx.em();
    // The rows as the projection wrote them, read back through the same table (db/approval-rows.ts).
    const rows = (sql: string) => em.execute<Row[]>(sql, [p.id]);
    const tasks = (await rows('select * from task where workflow_id = ? order by created_at, id')).map((r) =>
      fromRow(TASK_COLUMNS, r),
    );
    const events = (await rows('select * from approval_event where process_key = ? order by seq')).map((r) =>
      fromRow(EVENT_COLUMNS, r),
    );
    const ccRows = await rows('select * from approval_cc where process_key = ? order by at');
    const cc = ccRows.map((r) => ({ userId: r.user_id as string, ...fromRow(CC_COLUMNS, r) }));
    const breaches = await em.find(DeadlineBreach, { processKey: p.id }, { orderBy: { breachedAt: 'asc' } });
    const initiator = await em.findOneOrFail(AppUser, { id: p.initiatorId });
    const organisation = await em.findOneOrFail(Organisation, { id: p.organisationId });
    const definition = await em.findOneOrFail(FlowDefinition, { id: p.definitionId });
    const path = flowPath(definition.steps, p.variables ?? {});
    const users = new Map(
      (await em.find(AppUser, { id: { $in: cc.map((c) => c.userId) } })).map((u) => [u.id, u.displayName]),
    );
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
      definition: { id: p.definitionId, version: p.definitionVersion, name: definition.name },
      flowNodes: definition.steps,
      steps: stepViews(path.steps, p.status === 'running' ? p.currentStepIndex : null),
      currentStep: p.currentStepIndex,
      gateways: path.gateways,
      stepDue: p.stepDueAt
        ? {
            dueAt: p.stepDueAt.toISOString(),
            provisional: p.stepDueProvisional,
            overdue: isOverdue(p.stepDueAt, new Date()),
          }
        : null,
      suspension: p.suspensionKind
        ? {
            kind: p.suspensionKind,
            kindLabel: SUSPENSION_KIND_LABELS[p.suspensionKind as SuspensionKind] ?? p.suspensionKind,
            reason: null,
            items: [],
            at: p.suspendedAt?.toISOString() ?? null,
            by: null,
          }
        : null,
      tasks: tasks.map((t) => ({
        ...t,
        statusLabel: TASK_STATUS_LABELS[t.status],
        originLabel: TASK_ORIGIN_LABELS[t.origin],
        assigneeLabel:
          t.assignee.kind === 'user' && t.assignee.displayName
            ? t.assignee.displayName
            : t.assignee.organisationId,
        overdue: false,
        timeLeftMs: null,
        actions: [],
      })),
      history: events.map((e) => ({ ...e, label: EVENT_LABELS[e.action] })),
      cc: cc.map((c) => ({
        userId: c.userId,
        displayName: users.get(c.userId) ?? c.userId,
        organisationName: '',
        at: c.at,
        by: c.by.displayName,
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
}

export function actorOfPrincipal(p: Principal): Actor {
  return {
    userId: p.userId,
    displayName: p.displayName,
    organisationId: p.organisationId,
    organisationName: p.organisationName,
    roles: p.roles,
  };
}

function stepViews(steps: EngineStep[], current: number | null): ApprovalView['steps'] {
  return steps.map((s, index) => ({
    index,
    key: s.key,
    name: s.name,
    // A parallel node decides as its join: all branches (会签-like) or the first (或签-like).
    mode: isParallel(s) ? s.join : s.mode,
    modeLabel: stepModeLabel(s),
    due: stepDueLabel(s),
    current: index === current,
    onBreach: BREACH_ACTION_LABELS[s.onBreach],
    signature: s.signature ?? 'none',
    reasonRequired: s.reasonRequired ?? {},
  }));
}

type TaskHolding = Pick<
  Task,
  'id' | 'workflowId' | 'processId' | 'assigneeUserId' | 'assigneeOrganisationId'
> & { assigneeRole: string | null };

/** Whether a task is the caller's, as the projection says (the workflow decides for good). */
function holdsTask(task: TaskHolding, principal: Principal): boolean {
  return task.assigneeUserId !== null
    ? task.assigneeUserId === principal.userId
    : task.assigneeOrganisationId === principal.organisationId &&
        principal.roles.includes(task.assigneeRole as UserRole);
}
