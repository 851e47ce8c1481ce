/**
 * The approval engine's rules as plain JSON state and pure transitions: steps in order; one approver, countersign
 * (all or by ratio) or any one per step; transfer, delegate, add and remove signers, return to an earlier step,
 * withdraw, urge and CC (DESIGN §3 "Approval features Chinese users expect"). The approval workflow holds the
 * state, asks activities to resolve approvers and deadlines, and applies these functions; they never do I/O, so
 * every rule is unit-tested without Temporal.
 *
 * Vocabulary: a step's *primary* tasks are the ones that vote (one per approver of the step). Added signers and
 * delegates hang off a primary as its *children*: a delegate hands the task back to the primary's holder; a signer
 * added before must approve before the primary may decide; signers added after must approve after the primary
 * approved before the primary's vote counts as an approval. A child's rejection is the primary's rejection.
 */
import type { BreachAction, FlowSnapshot, FlowStep, ProcessKind, StepMode } from './flow-definition';
import type { UserRole } from './roles';

// ---------------------------------------------------------------------------------------------------------------
// Types

/** Who acts, as the API resolved them; roles let the engine check authority without a database. */
export interface Actor {
  userId: string;
  displayName: string;
  organisationId: string;
  organisationName: string;
  roles: string[];
}

/** A person a task can go to, or who can be CC'd. */
export interface UserRef {
  userId: string;
  displayName: string;
  organisationId: string;
  organisationName: string;
  email: string | null;
}

export type Assignee =
  | ({ kind: 'user' } & UserRef)
  | { kind: 'group'; organisationId: string; organisationName: string; role: UserRole };

export interface AttachmentRef {
  id: string;
  fileName: string;
  size: number;
}

export type TaskStatus =
  | 'pending' // the holder may act now
  | 'waiting' // not yet: waiting for a signer added before, a delegate, or (added after) for the primary
  | 'approved'
  | 'rejected'
  | 'transferred'
  | 'delegated'
  | 'returned'
  | 'cancelled'
  | 'removed';

export type TaskOrigin = 'step' | 'transfer' | 'escalation' | 'delegate' | 'add_before' | 'add_after';

export interface ApprovalTask {
  id: string;
  stepIndex: number;
  round: number;
  assignee: Assignee;
  status: TaskStatus;
  origin: TaskOrigin;
  /** Primary tasks vote in the step; children (delegate, added signers) belong to `parentId`. */
  primary: boolean;
  parentId: string | null;
  openedAt: string;
  /** The step deadline when the task opened. */
  dueAt: string | null;
  dueProvisional: boolean;
  actedAt: string | null;
  actedBy: ActorRef | null;
  comment: string | null;
  lastUrgedAt: string | null;
}

export interface ActorRef {
  userId: string;
  displayName: string;
  organisationName: string;
}

export type EventAction =
  | 'submitted'
  | 'step_started'
  | 'step_skipped'
  | 'approved'
  | 'rejected'
  | 'transferred'
  | 'delegated'
  | 'delegate_done'
  | 'signer_added'
  | 'signer_removed'
  | 'returned'
  | 'withdrawn'
  | 'urged'
  | 'cc'
  | 'breached'
  | 'escalated'
  | 'auto_approved'
  | 'auto_rejected'
  | 'step_passed'
  | 'completed';

export interface ApprovalEvent {
  seq: number;
  at: string;
  action: EventAction;
  stepIndex: number | null;
  stepName: string | null;
  taskId: string | null;
  actor: ActorRef | null;
  /** Who the action was aimed at: the new holder, the added signer, the CC'd users. */
  targets: string[];
  comment: string | null;
  attachments: AttachmentRef[];
  /** The step deadline, on the events that start a step or record its breach. */
  due: Deadline | null;
}

export interface CcEntry {
  user: UserRef;
  at: string;
  by: ActorRef;
  stepIndex: number | null;
}

export interface Breach {
  stepIndex: number;
  round: number;
  dueAt: string;
  at: string;
  action: BreachAction;
  taskIds: string[];
}

export type NoticeType = 'task' | 'urge' | 'cc' | 'breach' | 'outcome';

/** An e-mail to send. The id is unique within the process and deterministic, so a replay sends nothing twice. */
export interface Notice {
  id: string;
  type: NoticeType;
  taskIds: string[];
  users: UserRef[];
  comment: string | null;
}

export type ProcessStatus = 'running' | 'approved' | 'rejected' | 'withdrawn';
export type Phase = 'starting_step' | 'waiting' | 'done';

export interface Deadline {
  dueAt: string;
  provisional: boolean;
}

export interface ApprovalInput {
  /** The workflow id, also the prefix of every task id. */
  processKey: string;
  kind: ProcessKind;
  /** The business record the process decides on (e.g. the seal application id). */
  processId: string;
  title: string;
  /** Where a person reads the business record, e.g. `/seal-applications/<id>`. */
  detailPath: string;
  initiator: UserRef;
  jurisdictionId: string;
  flow: FlowSnapshot;
  /** Per step key: the users the initiator named (rule `initiator_choice`). */
  choices: Record<string, UserRef[]>;
  cc: UserRef[];
  comment: string | null;
  attachments: AttachmentRef[];
  /**
   * Roles an approver must hold for an approval to count (SM-12: only the custodian's leader may authorise use of
   * the legal-name seal). Null when the flow's approver rules are authority enough.
   */
  approverAuthority: { roles: UserRole[]; reason: string } | null;
  /** The parent process tells the initiator the outcome itself (e.g. with the seal made); no generic e-mail. */
  parentNotifiesOutcome: boolean;
}

export interface ApprovalState {
  processKey: string;
  kind: ProcessKind;
  processId: string;
  title: string;
  detailPath: string;
  initiator: UserRef;
  jurisdictionId: string;
  flow: FlowSnapshot;
  choices: Record<string, UserRef[]>;
  approverAuthority: ApprovalInput['approverAuthority'];
  parentNotifiesOutcome: boolean;
  status: ProcessStatus;
  phase: Phase;
  stepIndex: number;
  round: number;
  stepStartedAt: string;
  stepDue: Deadline | null;
  tasks: ApprovalTask[];
  history: ApprovalEvent[];
  cc: CcEntry[];
  breaches: Breach[];
  outbox: Notice[];
  outcomeReason: string | null;
  endedAt: string | null;
  /** Counters for deterministic ids. */
  taskSeq: number;
  noticeSeq: number;
}

export interface ApprovalOutcome {
  status: Exclude<ProcessStatus, 'running'>;
  reason: string | null;
  /** Who approved the last step, for records such as the seal-use authorisation. */
  finalApprovers: ActorRef[];
}

/** Why an action cannot be taken; the API maps kinds to 403, 409, 400 and 429. */
export interface Problem {
  kind: 'forbidden' | 'conflict' | 'invalid' | 'rate_limited';
  message: string;
}

/** Failure types the workflow raises for refused actions, shared with the API. */
export const PROBLEM_FAILURE_TYPES: Record<Problem['kind'], string> = {
  forbidden: 'ApprovalForbidden',
  conflict: 'TaskNotPending',
  invalid: 'InvalidApprovalAction',
  rate_limited: 'UrgeRateLimited',
};

export const URGE_INTERVAL_MS = 60 * 60 * 1000;

export const SYSTEM_ACTOR_REF: ActorRef = {
  userId: 'system',
  displayName: '系统',
  organisationName: '电子证照与电子印章平台',
};

// Labels for people.
export const TASK_STATUS_LABELS: Record<TaskStatus, string> = {
  pending: '待处理',
  waiting: '等待中',
  approved: '已同意',
  rejected: '已驳回',
  transferred: '已转办',
  delegated: '已委派',
  returned: '已退回',
  cancelled: '已取消',
  removed: '已减签',
};
export const PROCESS_STATUS_LABELS: Record<ProcessStatus, string> = {
  running: '审批中',
  approved: '已通过',
  rejected: '已驳回',
  withdrawn: '已撤回',
};
export const EVENT_LABELS: Record<EventAction, string> = {
  submitted: '提交申请',
  step_started: '进入步骤',
  step_skipped: '跳过步骤',
  approved: '同意',
  rejected: '驳回',
  transferred: '转办',
  delegated: '委派',
  delegate_done: '委派办理完毕',
  signer_added: '加签',
  signer_removed: '减签',
  returned: '退回',
  withdrawn: '撤回',
  urged: '催办',
  cc: '抄送',
  breached: '办理超期',
  escalated: '超期上报',
  auto_approved: '超期自动通过',
  auto_rejected: '超期自动驳回',
  step_passed: '步骤通过',
  completed: '流程结束',
};
export const TASK_ORIGIN_LABELS: Record<TaskOrigin, string> = {
  step: '审批',
  transfer: '转办',
  escalation: '超期上报',
  delegate: '委派',
  add_before: '前加签',
  add_after: '后加签',
};

// ---------------------------------------------------------------------------------------------------------------
// Starting and steps

export function approvalWorkflowId(kind: ProcessKind, processId: string): string {
  return `approval-${kind}-${processId}`;
}

export function startApproval(input: ApprovalInput, at: string): ApprovalState {
  if (input.flow.steps.length === 0) throw new Error('a flow needs at least one step');
  let state: ApprovalState = {
    processKey: input.processKey,
    kind: input.kind,
    processId: input.processId,
    title: input.title,
    detailPath: input.detailPath,
    initiator: input.initiator,
    jurisdictionId: input.jurisdictionId,
    flow: input.flow,
    choices: input.choices,
    approverAuthority: input.approverAuthority,
    parentNotifiesOutcome: input.parentNotifiesOutcome,
    status: 'running',
    phase: 'starting_step',
    stepIndex: 0,
    round: 1,
    stepStartedAt: at,
    stepDue: null,
    tasks: [],
    history: [],
    cc: [],
    breaches: [],
    outbox: [],
    outcomeReason: null,
    endedAt: null,
    taskSeq: 0,
    noticeSeq: 0,
  };
  const by = refOfUser(input.initiator);
  state = event(state, at, 'submitted', {
    actor: by,
    comment: input.comment,
    attachments: input.attachments,
    stepIndex: null,
  });
  if (input.cc.length > 0) state = addCc(state, input.cc, by, null, at, input.comment);
  return state;
}

export function currentStep(state: ApprovalState): FlowStep {
  return state.flow.steps[state.stepIndex]!;
}

/**
 * Opens the current step with the approvers an activity resolved for it. `assignees` is empty when the rules found
 * no one: a step whose rule may legitimately find nobody (a management unit above the top of the tree) is skipped;
 * any other step ends the process, because approving without an approver would exceed everyone's authority.
 */
export function openStep(
  state: ApprovalState,
  resolved: { assignees: Assignee[]; skippable: boolean },
  due: Deadline | null,
  at: string,
): ApprovalState {
  if (state.phase !== 'starting_step') throw new Error(`no step is starting in phase ${state.phase}`);
  const step = currentStep(state);
  if (resolved.assignees.length === 0) {
    if (resolved.skippable) {
      const skipped = event(state, at, 'step_skipped', { comment: '本级无对应审批单位，自动跳过' });
      return advance(skipped, at);
    }
    return finish(
      event(state, at, 'completed', { comment: `步骤“${step.name}”找不到审批人，流程无法继续` }),
      'rejected',
      `步骤“${step.name}”找不到审批人，请联系平台管理员检查流程定义`,
      at,
    );
  }
  if (step.mode === 'single' && resolved.assignees.length !== 1) {
    throw new Error(`single-approver step ${step.key} resolved to ${resolved.assignees.length} approvers`);
  }
  let next: ApprovalState = { ...state, phase: 'waiting', stepStartedAt: at, stepDue: due };
  next = event(next, at, 'step_started', {
    targets: resolved.assignees.map(assigneeLabel),
    due,
  });
  const ids: string[] = [];
  for (const assignee of resolved.assignees) {
    const created = newTask(next, { assignee, origin: 'step', primary: true, parentId: null }, at);
    next = created.state;
    ids.push(created.task.id);
  }
  return notify(next, 'task', ids, [], null);
}

// ---------------------------------------------------------------------------------------------------------------
// Actions

interface ActionBase {
  taskId: string;
  actor: Actor;
  comment?: string | null;
  attachments?: AttachmentRef[];
}
export type ApproveAction = ActionBase;
export type RejectAction = ActionBase & { reason: string };
export type TransferAction = ActionBase & { to: UserRef };
export type DelegateAction = ActionBase & { to: UserRef };
export type AddSignerAction = ActionBase & { signer: UserRef; position: 'before' | 'after' };
export type RemoveSignerAction = ActionBase & { signerTaskId: string };
export type ReturnAction = ActionBase & { toStepIndex: number };
export interface WithdrawAction {
  actor: Actor;
  comment?: string | null;
  attachments?: AttachmentRef[];
}
export interface UrgeAction {
  actor: Actor;
  comment?: string | null;
}
export interface CcAction {
  actor: Actor;
  users: UserRef[];
  comment?: string | null;
}

export type Action =
  | { type: 'approve'; action: ApproveAction }
  | { type: 'reject'; action: RejectAction }
  | { type: 'transfer'; action: TransferAction }
  | { type: 'delegate'; action: DelegateAction }
  | { type: 'add_signer'; action: AddSignerAction }
  | { type: 'remove_signer'; action: RemoveSignerAction }
  | { type: 'return'; action: ReturnAction }
  | { type: 'withdraw'; action: WithdrawAction }
  | { type: 'urge'; action: UrgeAction }
  | { type: 'cc'; action: CcAction };

/** What the holder of a task may do with it, by the task's kind (the engine's capability table). */
const ALLOWED: Record<'primary' | 'signer' | 'delegate', ReadonlyArray<Action['type']>> = {
  primary: ['approve', 'reject', 'transfer', 'delegate', 'add_signer', 'remove_signer', 'return', 'cc'],
  signer: ['approve', 'reject', 'transfer', 'cc'],
  delegate: ['approve', 'cc'],
};

function taskKind(task: ApprovalTask): keyof typeof ALLOWED {
  if (task.primary) return 'primary';
  return task.origin === 'delegate' ? 'delegate' : 'signer';
}

export function mayHold(task: ApprovalTask, actor: Actor): boolean {
  const a = task.assignee;
  if (a.kind === 'user') return a.userId === actor.userId;
  return a.organisationId === actor.organisationId && actor.roles.includes(a.role);
}

const problem = (kind: Problem['kind'], message: string): Problem => ({ kind, message });

/** Why an action cannot be taken now, or undefined when it can. Validators and transitions share it. */
export function actionProblem(state: ApprovalState, a: Action, at: string): Problem | undefined {
  if (a.type === 'withdraw') {
    if (a.action.actor.userId !== state.initiator.userId) return problem('forbidden', '只有发起人可以撤回');
    if (state.status !== 'running') return problem('conflict', '流程已结束，不能撤回');
    return undefined;
  }
  if (a.type === 'urge') {
    if (a.action.actor.userId !== state.initiator.userId) return problem('forbidden', '只有发起人可以催办');
    if (state.status !== 'running') return problem('conflict', '流程已结束，无需催办');
    if (urgeable(state, at).length === 0) {
      const next = nextUrgeAt(state);
      return problem(
        'rate_limited',
        next ? `每项任务每小时只能催办一次，请于 ${next} 之后再催办` : '当前没有可催办的待办任务',
      );
    }
    return undefined;
  }
  if (a.type === 'cc') {
    if (state.status !== 'running') return problem('conflict', '流程已结束，不能再抄送');
    const holds = openTasks(state).some((t) => mayHold(t, a.action.actor));
    if (a.action.actor.userId !== state.initiator.userId && !holds) {
      return problem('forbidden', '只有发起人或当前审批人可以抄送');
    }
    if (a.action.users.length === 0) return problem('invalid', 'users: 至少选择一位抄送人');
    return undefined;
  }

  const { taskId, actor } = a.action;
  const task = state.tasks.find((t) => t.id === taskId);
  if (!task) return problem('conflict', `任务 ${taskId} 不存在或已不在流程中`);
  // remove_signer is also allowed while the primary waits for the signer it added before itself.
  const actable = a.type === 'remove_signer' ? ['pending', 'waiting'] : ['pending'];
  if (!mayHold(task, actor)) return problem('forbidden', '此任务不属于您，您无权处理');
  if (state.status !== 'running' || !actable.includes(task.status)) {
    return problem('conflict', '该任务已处理或已不在待办中');
  }
  if (!ALLOWED[taskKind(task)].includes(a.type)) {
    return problem('invalid', `${TASK_ORIGIN_LABELS[task.origin]}任务不能执行此操作`);
  }
  switch (a.type) {
    case 'approve': {
      const authority = state.approverAuthority;
      if (task.origin !== 'delegate' && authority && !authority.roles.some((r) => actor.roles.includes(r))) {
        return problem('forbidden', authority.reason);
      }
      return undefined;
    }
    case 'reject':
      if (!a.action.reason.trim()) return problem('invalid', 'reason: 驳回必须填写理由');
      return undefined;
    case 'transfer':
    case 'delegate': {
      const to = a.action.to;
      if (to.userId === actor.userId) return problem('invalid', 'to: 不能转给自己');
      return targetProblem(task, to, 'to');
    }
    case 'add_signer': {
      const s = a.action.signer;
      if (s.userId === actor.userId) return problem('invalid', 'signer: 不能给自己加签');
      if (state.tasks.some((t) => t.parentId === task.id && isOpen(t) && sameUser(t, s.userId))) {
        return problem('invalid', 'signer: 此人已是本任务的加签人');
      }
      return targetProblem(task, s, 'signer');
    }
    case 'remove_signer': {
      const signer = state.tasks.find((t) => t.id === a.action.signerTaskId);
      if (!signer || signer.parentId !== task.id || !['add_before', 'add_after'].includes(signer.origin)) {
        return problem('invalid', 'signerTaskId: 只能减去本任务加签的人员');
      }
      if (!isOpen(signer)) return problem('conflict', '该加签人已处理，不能再减签');
      return undefined;
    }
    case 'return': {
      const to = a.action.toStepIndex;
      if (!Number.isInteger(to) || to < 0 || to >= task.stepIndex) {
        return problem('invalid', 'toStep: 只能退回到之前的步骤');
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Authority stays with the unit responsible for the step: a task can be passed on only to someone of the
 * assignee's organisation (a department's review cannot be handed to another department).
 */
function targetProblem(task: ApprovalTask, to: UserRef, field: string): Problem | undefined {
  if (to.organisationId !== task.assignee.organisationId) {
    return problem('forbidden', `${field}: 只能交给本审批单位（${task.assignee.organisationName}）的人员`);
  }
  return undefined;
}

/** Applies an action. Throws when `actionProblem` has one: callers validate first. */
export function applyAction(state: ApprovalState, a: Action, at: string): ApprovalState {
  const p = actionProblem(state, a, at);
  if (p) throw new Error(p.message);
  switch (a.type) {
    case 'approve':
      return approveTask(state, a.action, at);
    case 'reject':
      return rejectTask(state, a.action, at);
    case 'transfer':
      return transfer(state, a.action, at);
    case 'delegate':
      return delegate(state, a.action, at);
    case 'add_signer':
      return addSigner(state, a.action, at);
    case 'remove_signer':
      return removeSigner(state, a.action, at);
    case 'return':
      return returnTo(state, a.action, at);
    case 'withdraw':
      return withdraw(state, a.action, at);
    case 'urge':
      return urge(state, a.action, at);
    case 'cc':
      return addCc(
        state,
        a.action.users,
        refOf(a.action.actor),
        state.stepIndex,
        at,
        a.action.comment ?? null,
      );
  }
}

function approveTask(state: ApprovalState, a: ApproveAction, at: string): ApprovalState {
  const task = taskById(state, a.taskId);
  let next = setTask(state, task.id, { status: 'approved', ...acted(a, at) });
  if (task.origin === 'delegate') {
    // 委派: the delegate's work goes back to the delegator, who decides.
    next = setTask(next, task.parentId!, { status: 'pending' });
    next = event(
      next,
      at,
      'delegate_done',
      details(a, task, [assigneeLabel(taskById(next, task.parentId!).assignee)]),
    );
    return notify(next, 'task', [task.parentId!], [], a.comment ?? null);
  }
  next = event(next, at, 'approved', details(a, task));
  if (task.origin === 'add_before') {
    // The primary may decide once no signer added before it is still open.
    const parent = taskById(next, task.parentId!);
    if (!next.tasks.some((t) => t.parentId === parent.id && t.origin === 'add_before' && isOpen(t))) {
      next = setTask(next, parent.id, { status: 'pending' });
      next = notify(next, 'task', [parent.id], [], null);
    }
    return next;
  }
  if (task.primary) {
    // Signers added after open now; the primary's approval counts once they approved too.
    const after = next.tasks.filter(
      (t) => t.parentId === task.id && t.origin === 'add_after' && t.status === 'waiting',
    );
    for (const t of after) next = setTask(next, t.id, { status: 'pending', openedAt: at });
    if (after.length > 0)
      next = notify(
        next,
        'task',
        after.map((t) => t.id),
        [],
        null,
      );
  }
  return evaluateStep(next, at);
}

function rejectTask(state: ApprovalState, a: RejectAction, at: string): ApprovalState {
  const task = taskById(state, a.taskId);
  const withReason = { ...a, comment: a.reason };
  let next = setTask(state, task.id, { status: 'rejected', ...acted(withReason, at) });
  next = event(next, at, 'rejected', details(withReason, task));
  if (!task.primary) {
    // An added signer's rejection is the rejection of the task it was added to.
    next = setTask(next, task.parentId!, { status: 'rejected', actedAt: at });
  }
  return evaluateStep(next, at, a.reason);
}

function transfer(state: ApprovalState, a: TransferAction, at: string): ApprovalState {
  const task = taskById(state, a.taskId);
  let next = setTask(state, task.id, { status: 'transferred', ...acted(a, at) });
  const created = newTask(
    next,
    {
      assignee: { kind: 'user', ...a.to },
      origin: task.primary ? 'transfer' : task.origin,
      primary: task.primary,
      parentId: task.parentId,
    },
    at,
  );
  next = created.state;
  // The new holder takes over the old task's place: its signers and delegates now belong to the new task.
  next = {
    ...next,
    tasks: next.tasks.map((t) => (t.parentId === task.id ? { ...t, parentId: created.task.id } : t)),
  };
  next = event(next, at, 'transferred', details(a, task, [a.to.displayName]));
  return notify(next, 'task', [created.task.id], [], a.comment ?? null);
}

function delegate(state: ApprovalState, a: DelegateAction, at: string): ApprovalState {
  const task = taskById(state, a.taskId);
  let next = setTask(state, task.id, { status: 'delegated' });
  const created = newTask(
    next,
    { assignee: { kind: 'user', ...a.to }, origin: 'delegate', primary: false, parentId: task.id },
    at,
  );
  next = event(created.state, at, 'delegated', details(a, task, [a.to.displayName]));
  return notify(next, 'task', [created.task.id], [], a.comment ?? null);
}

function addSigner(state: ApprovalState, a: AddSignerAction, at: string): ApprovalState {
  const task = taskById(state, a.taskId);
  const before = a.position === 'before';
  const created = newTask(
    state,
    {
      assignee: { kind: 'user', ...a.signer },
      origin: before ? 'add_before' : 'add_after',
      primary: false,
      parentId: task.id,
      status: before ? 'pending' : 'waiting',
    },
    at,
  );
  let next = created.state;
  if (before) next = setTask(next, task.id, { status: 'waiting' });
  next = event(next, at, 'signer_added', {
    ...details(a, task, [a.signer.displayName]),
    comment: [before ? '前加签' : '后加签', a.comment].filter(Boolean).join('：'),
  });
  return before ? notify(next, 'task', [created.task.id], [], a.comment ?? null) : next;
}

function removeSigner(state: ApprovalState, a: RemoveSignerAction, at: string): ApprovalState {
  const task = taskById(state, a.taskId);
  const signer = taskById(state, a.signerTaskId);
  let next = setTask(state, signer.id, { status: 'removed', ...acted(a, at) });
  if (
    task.status === 'waiting' &&
    !next.tasks.some((t) => t.parentId === task.id && t.origin === 'add_before' && isOpen(t)) &&
    !next.tasks.some((t) => t.parentId === task.id && t.origin === 'delegate' && isOpen(t))
  ) {
    next = setTask(next, task.id, { status: 'pending' });
  }
  return event(next, at, 'signer_removed', details(a, task, [assigneeLabel(signer.assignee)]));
}

function returnTo(state: ApprovalState, a: ReturnAction, at: string): ApprovalState {
  const task = taskById(state, a.taskId);
  let next = setTask(state, task.id, { status: 'returned', ...acted(a, at) });
  next = cancelOpen(next, at);
  const target = state.flow.steps[a.toStepIndex]!;
  next = event(next, at, 'returned', details(a, task, [target.name]));
  // The returned-to step starts fresh: new round, approvers resolved anew, earlier votes forgotten.
  return { ...next, phase: 'starting_step', stepIndex: a.toStepIndex, round: next.round + 1, stepDue: null };
}

function withdraw(state: ApprovalState, a: WithdrawAction, at: string): ApprovalState {
  let next = cancelOpen(state, at);
  next = event(next, at, 'withdrawn', {
    actor: refOf(a.actor),
    comment: a.comment ?? null,
    attachments: a.attachments ?? [],
  });
  return finish(next, 'withdrawn', a.comment?.trim() || '发起人撤回', at);
}

function urge(state: ApprovalState, a: UrgeAction, at: string): ApprovalState {
  const tasks = urgeable(state, at);
  let next: ApprovalState = {
    ...state,
    tasks: state.tasks.map((t) => (tasks.some((u) => u.id === t.id) ? { ...t, lastUrgedAt: at } : t)),
  };
  next = event(next, at, 'urged', {
    actor: refOf(a.actor),
    comment: a.comment ?? null,
    targets: tasks.map((t) => assigneeLabel(t.assignee)),
  });
  return notify(
    next,
    'urge',
    tasks.map((t) => t.id),
    [],
    a.comment ?? null,
  );
}

/** Open tasks not urged within the last hour (催办: at most once per hour per task). */
export function urgeable(state: ApprovalState, at: string): ApprovalTask[] {
  const now = Date.parse(at);
  return state.tasks.filter(
    (t) => t.status === 'pending' && (!t.lastUrgedAt || now - Date.parse(t.lastUrgedAt) >= URGE_INTERVAL_MS),
  );
}

function nextUrgeAt(state: ApprovalState): string | null {
  const times = state.tasks
    .filter((t) => t.status === 'pending' && t.lastUrgedAt)
    .map((t) => Date.parse(t.lastUrgedAt!) + URGE_INTERVAL_MS);
  return times.length ? new Date(Math.min(...times)).toISOString() : null;
}

function addCc(
  state: ApprovalState,
  users: UserRef[],
  by: ActorRef,
  stepIndex: number | null,
  at: string,
  comment: string | null,
): ApprovalState {
  const fresh = users.filter(
    (u, i) =>
      !state.cc.some((c) => c.user.userId === u.userId) &&
      users.findIndex((x) => x.userId === u.userId) === i,
  );
  let next: ApprovalState = {
    ...state,
    cc: [...state.cc, ...fresh.map((user) => ({ user, at, by, stepIndex }))],
  };
  next = event(next, at, 'cc', { actor: by, targets: users.map((u) => u.displayName), comment, stepIndex });
  return fresh.length ? notify(next, 'cc', [], fresh, comment) : next;
}

// ---------------------------------------------------------------------------------------------------------------
// Deadlines

/** The deadline the workflow's timer waits for: the current step's, unless already breached this round. */
export function pendingDeadline(state: ApprovalState): Deadline | null {
  if (state.status !== 'running' || state.phase !== 'waiting' || !state.stepDue) return null;
  const breached = state.breaches.some((b) => b.stepIndex === state.stepIndex && b.round === state.round);
  return breached ? null : state.stepDue;
}

/**
 * A breached step deadline. Recorded once per step round; then the step's breach action: tell the supervisor
 * (the notice does it), escalate (the workflow resolves the unit above and calls `escalate`), or decide for the
 * open tasks automatically.
 */
export function breach(state: ApprovalState, at: string): ApprovalState {
  const due = pendingDeadline(state);
  if (!due) throw new Error('no deadline to breach');
  const step = currentStep(state);
  const open = openTasks(state);
  let next: ApprovalState = {
    ...state,
    breaches: [
      ...state.breaches,
      {
        stepIndex: state.stepIndex,
        round: state.round,
        dueAt: due.dueAt,
        at,
        action: step.onBreach,
        taskIds: open.map((t) => t.id),
      },
    ],
  };
  next = event(next, at, 'breached', {
    actor: SYSTEM_ACTOR_REF,
    targets: open.map((t) => assigneeLabel(t.assignee)),
    due,
  });
  next = notify(
    next,
    'breach',
    open.map((t) => t.id),
    [],
    null,
  );
  if (step.onBreach === 'auto_approve') {
    for (const t of open) {
      next = setTask(next, t.id, {
        status: 'approved',
        actedAt: at,
        actedBy: SYSTEM_ACTOR_REF,
        comment: '超期自动通过',
      });
    }
    next = event(next, at, 'auto_approved', { actor: SYSTEM_ACTOR_REF });
    return passStep(next, at);
  }
  if (step.onBreach === 'auto_reject') {
    next = cancelOpen(next, at);
    next = event(next, at, 'auto_rejected', { actor: SYSTEM_ACTOR_REF });
    return finish(next, 'rejected', `步骤“${step.name}”超过办理时限，自动驳回`, at);
  }
  return next;
}

/** Escalation on breach: each open primary task moves to the unit one level up (resolved by an activity). */
export function escalate(state: ApprovalState, to: Assignee, at: string): ApprovalState {
  let next = state;
  const moved: string[] = [];
  for (const t of openTasks(state).filter((x) => x.primary)) {
    next = setTask(next, t.id, {
      status: 'transferred',
      actedAt: at,
      actedBy: SYSTEM_ACTOR_REF,
      comment: '超期上报',
    });
    const created = newTask(next, { assignee: to, origin: 'escalation', primary: true, parentId: null }, at);
    next = {
      ...created.state,
      tasks: created.state.tasks.map((x) =>
        x.parentId === t.id ? { ...x, status: 'cancelled' as const } : x,
      ),
    };
    moved.push(created.task.id);
  }
  next = event(next, at, 'escalated', { actor: SYSTEM_ACTOR_REF, targets: [assigneeLabel(to)] });
  return notify(next, 'task', moved, [], '原审批人超期未办理，已上报');
}

// ---------------------------------------------------------------------------------------------------------------
// Step evaluation

export type Vote = 'approved' | 'rejected' | 'open';

/** A primary task's vote: a rejection anywhere in its family rejects; approval needs the signers after it too. */
export function voteOf(state: ApprovalState, primary: ApprovalTask): Vote {
  if (primary.status === 'rejected') return 'rejected';
  if (primary.status !== 'approved') return 'open';
  const after = state.tasks.filter((t) => t.parentId === primary.id && t.origin === 'add_after');
  if (after.some((t) => t.status === 'rejected')) return 'rejected';
  return after.every((t) => t.status === 'approved' || t.status === 'removed' || t.status === 'cancelled')
    ? 'approved'
    : 'open';
}

/** Primaries of the current step round that still vote (not transferred away, not cancelled). */
export function voters(state: ApprovalState): ApprovalTask[] {
  return state.tasks.filter(
    (t) =>
      t.primary &&
      t.stepIndex === state.stepIndex &&
      t.round === state.round &&
      !['transferred', 'cancelled', 'removed', 'returned'].includes(t.status),
  );
}

/** How many approvals a step needs: one; all; or the ratio's share, rounded up (会签按比例). */
export function requiredApprovals(mode: StepMode, members: number, passRatio?: number): number {
  if (mode !== 'all') return 1;
  return Math.max(1, Math.ceil(members * (passRatio ?? 1) - 1e-9));
}

function evaluateStep(state: ApprovalState, at: string, reason?: string): ApprovalState {
  const step = currentStep(state);
  const votes = voters(state).map((t) => voteOf(state, t));
  const approved = votes.filter((v) => v === 'approved').length;
  const rejected = votes.filter((v) => v === 'rejected').length;
  const needed = requiredApprovals(step.mode, votes.length, step.passRatio);
  if (step.mode === 'all') {
    if (approved >= needed) return passStep(state, at);
    if (rejected > votes.length - needed) {
      return finish(cancelOpen(state, at), 'rejected', reason ?? `步骤“${step.name}”会签未通过`, at);
    }
    return state;
  }
  // single and any-one: the first decision decides.
  if (approved > 0) return passStep(state, at);
  if (rejected > 0) return finish(cancelOpen(state, at), 'rejected', reason ?? '审批未通过', at);
  return state;
}

function passStep(state: ApprovalState, at: string): ApprovalState {
  const next = event(cancelOpen(state, at), at, 'step_passed', {});
  return advance(next, at);
}

function advance(state: ApprovalState, at: string): ApprovalState {
  if (state.stepIndex + 1 < state.flow.steps.length) {
    return {
      ...state,
      phase: 'starting_step',
      stepIndex: state.stepIndex + 1,
      round: state.round + 1,
      stepDue: null,
    };
  }
  return finish(state, 'approved', null, at);
}

function finish(
  state: ApprovalState,
  status: Exclude<ProcessStatus, 'running'>,
  reason: string | null,
  at: string,
) {
  let next: ApprovalState = { ...state, status, phase: 'done', outcomeReason: reason, endedAt: at };
  next = event(next, at, 'completed', { comment: reason ?? PROCESS_STATUS_LABELS[status], stepIndex: null });
  return state.parentNotifiesOutcome ? next : notify(next, 'outcome', [], [state.initiator], reason);
}

export function outcomeOf(state: ApprovalState): ApprovalOutcome {
  if (state.status === 'running') throw new Error('the process is still running');
  const last = state.flow.steps.length - 1;
  return {
    status: state.status,
    reason: state.outcomeReason,
    finalApprovers: state.tasks
      .filter((t) => t.primary && t.stepIndex === last && t.status === 'approved' && t.actedBy)
      .map((t) => t.actedBy!),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

export function isOpen(t: ApprovalTask): boolean {
  return t.status === 'pending' || t.status === 'waiting' || t.status === 'delegated';
}

export function openTasks(state: ApprovalState): ApprovalTask[] {
  return state.tasks.filter(isOpen);
}

function sameUser(t: ApprovalTask, userId: string): boolean {
  return t.assignee.kind === 'user' && t.assignee.userId === userId;
}

function taskById(state: ApprovalState, id: string): ApprovalTask {
  const t = state.tasks.find((x) => x.id === id);
  if (!t) throw new Error(`unknown task ${id}`);
  return t;
}

function setTask(state: ApprovalState, id: string, patch: Partial<ApprovalTask>): ApprovalState {
  return { ...state, tasks: state.tasks.map((t) => (t.id === id ? { ...t, ...patch } : t)) };
}

function cancelOpen(state: ApprovalState, at: string): ApprovalState {
  return {
    ...state,
    tasks: state.tasks.map((t) => (isOpen(t) ? { ...t, status: 'cancelled' as const, actedAt: at } : t)),
  };
}

function newTask(
  state: ApprovalState,
  spec: Pick<ApprovalTask, 'assignee' | 'origin' | 'primary' | 'parentId'> & { status?: TaskStatus },
  at: string,
): { state: ApprovalState; task: ApprovalTask } {
  const seq = state.taskSeq + 1;
  const task: ApprovalTask = {
    id: `${state.processKey}-t${seq}`,
    stepIndex: state.stepIndex,
    round: state.round,
    assignee: spec.assignee,
    status: spec.status ?? 'pending',
    origin: spec.origin,
    primary: spec.primary,
    parentId: spec.parentId,
    openedAt: at,
    dueAt: state.stepDue?.dueAt ?? null,
    dueProvisional: state.stepDue?.provisional ?? false,
    actedAt: null,
    actedBy: null,
    comment: null,
    lastUrgedAt: null,
  };
  return { state: { ...state, taskSeq: seq, tasks: [...state.tasks, task] }, task };
}

function acted(a: { actor: Actor; comment?: string | null }, at: string): Partial<ApprovalTask> {
  return { actedAt: at, actedBy: refOf(a.actor), comment: a.comment?.trim() || null };
}

function details(
  a: { actor: Actor; comment?: string | null; attachments?: AttachmentRef[] },
  task: ApprovalTask,
  targets: string[] = [],
): Partial<Omit<ApprovalEvent, 'seq' | 'at' | 'action'>> {
  return {
    actor: refOf(a.actor),
    taskId: task.id,
    targets,
    comment: a.comment?.trim() || null,
    attachments: a.attachments ?? [],
  };
}

function event(
  state: ApprovalState,
  at: string,
  action: EventAction,
  e: Partial<Omit<ApprovalEvent, 'seq' | 'at' | 'action'>>,
): ApprovalState {
  const stepIndex = e.stepIndex === undefined ? state.stepIndex : e.stepIndex;
  const entry: ApprovalEvent = {
    seq: state.history.length + 1,
    at,
    action,
    stepIndex,
    stepName: stepIndex === null ? null : (state.flow.steps[stepIndex]?.name ?? null),
    taskId: e.taskId ?? null,
    actor: e.actor ?? null,
    targets: e.targets ?? [],
    comment: e.comment ?? null,
    attachments: e.attachments ?? [],
    due: e.due ?? null,
  };
  return { ...state, history: [...state.history, entry] };
}

function notify(
  state: ApprovalState,
  type: NoticeType,
  taskIds: string[],
  users: UserRef[],
  comment: string | null,
): ApprovalState {
  const seq = state.noticeSeq + 1;
  return {
    ...state,
    noticeSeq: seq,
    outbox: [...state.outbox, { id: `${state.processKey}:n${seq}`, type, taskIds, users, comment }],
  };
}

export function refOf(actor: Actor): ActorRef {
  return { userId: actor.userId, displayName: actor.displayName, organisationName: actor.organisationName };
}

export function refOfUser(u: UserRef): ActorRef {
  return { userId: u.userId, displayName: u.displayName, organisationName: u.organisationName };
}

export function assigneeLabel(a: Assignee): string {
  return a.kind === 'user' ? `${a.displayName}（${a.organisationName}）` : `${a.organisationName}`;
}
