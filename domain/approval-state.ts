/**
 * The approval engine's state as plain JSON and the helpers every transition uses: steps in order; one approver,
 * countersign (all or by ratio) or any one per step (DESIGN §3 "Approval features Chinese users expect"). The
 * approval workflow holds the state, asks activities to resolve approvers and deadlines, and applies the pure
 * transitions of approval-steps.ts (steps, votes, deadlines) and approval-actions.ts (what people do); none of them
 * does I/O or reads a clock, so every rule is unit-tested without Temporal.
 *
 * Vocabulary: a step's *primary* tasks are the ones that vote (one per approver of the step). Added signers and
 * delegates hang off a primary as its *children*: a delegate hands the task back to the primary's holder; a signer
 * added before must approve before the primary may decide; signers added after must approve after the primary
 * approved before the primary's vote counts as an approval. A child's rejection is the primary's rejection.
 */
import type {
  BreachAction,
  EngineStep,
  FlowNode,
  FlowSnapshot,
  ProcessKind,
  ProcessVariables,
} from './flow-definition';
import { flowPath, GatewayPass } from './flow-branches';
import type { Deadline } from './calendar';
import type { UserRole } from './roles';
import type { StepClock, Suspension } from './approval-clock';

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
  /** The person's roles, where a rule needs them (a transfer's target must hold the step's role). */
  roles?: string[];
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
  /** On a parallel node (issue 10): the branch the task belongs to; children inherit their parent's. */
  branchKey?: string | null;
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
  | 'completed'
  // issue 10: a conditional gateway's branch taken (engine); the clock's suspension, reminders and re-timing.
  | 'branch_taken'
  | 'suspended'
  | 'resumed'
  | 'reminded'
  | 'retimed'
  // issue 15: the holder left or moved; the task went back to the role group or the unit leader.
  | 'reassigned';

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
  /** The handwritten signature (a stored PNG, served as an attachment) of an approval (issue 10). */
  signatureId?: string | null;
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

export type NoticeType =
  | 'task'
  | 'urge'
  | 'cc'
  | 'breach'
  | 'outcome'
  // The clock (issue 10): a reminder to the holders; a suspension to the initiator; a resumption to the holders.
  | 'remind'
  | 'suspended'
  | 'resumed';

/** An e-mail to send. The id is unique within the process and deterministic, so a replay sends nothing twice. */
export interface Notice {
  id: string;
  type: NoticeType;
  taskIds: string[];
  users: UserRef[];
  comment: string | null;
  /** When the notice was made, where its text depends on it (a reminder's time left). */
  at?: string;
}

export type ProcessStatus = 'running' | 'approved' | 'rejected' | 'withdrawn';
export type Phase = 'starting_step' | 'waiting' | 'done';

export type { Deadline } from './calendar';

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
  /**
   * The process's variables (flow-definition PROCESS_VARIABLES), fixed at submission; conditional branches test
   * them (issue 10). Absent for processes started before.
   */
  variables?: ProcessVariables;
}

/**
 * The flow as a process runs it: `steps` is the path of engine steps its variables give (approval steps and
 * parallel nodes; gateways resolved), `nodes` the definition's own nodes (absent on processes started before).
 */
export interface RunFlow extends Omit<FlowSnapshot, 'steps'> {
  steps: EngineStep[];
  nodes?: FlowNode[];
}

/** What the process keeps of its input (the submission's CC list, comment and attachments go to the history). */
type ProcessFacts = Omit<ApprovalInput, 'cc' | 'comment' | 'attachments' | 'flow'>;

export interface ApprovalState extends ProcessFacts {
  flow: RunFlow;
  /** The conditional gateways on the path and the branch each takes (absent on processes started before). */
  gateways?: GatewayPass[];
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
  /** The current step's clock (issue 10): used time, suspensions, reminders; absent for a step without `due`. */
  clock?: StepClock | null;
  /** The current step's open suspension (补正 etc.); the inbox shows 已中止. */
  suspension?: Suspension | null;
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

export const URGE_INTERVAL_MS = 60 * 60 * 1000;

export const SYSTEM_ACTOR_REF: ActorRef = {
  userId: 'system',
  displayName: '系统',
  organisationName: '电子证照与电子印章平台',
};

// ---------------------------------------------------------------------------------------------------------------
// Helpers shared by the transitions

export function isOpen(t: ApprovalTask): boolean {
  return t.status === 'pending' || t.status === 'waiting' || t.status === 'delegated';
}

export function openTasks(state: ApprovalState): ApprovalTask[] {
  return state.tasks.filter(isOpen);
}

export function sameUser(t: ApprovalTask, userId: string): boolean {
  return t.assignee.kind === 'user' && t.assignee.userId === userId;
}

export function taskById(state: ApprovalState, id: string): ApprovalTask {
  const t = state.tasks.find((x) => x.id === id);
  if (!t) throw new Error(`unknown task ${id}`);
  return t;
}

export function setTask(state: ApprovalState, id: string, patch: Partial<ApprovalTask>): ApprovalState {
  return { ...state, tasks: state.tasks.map((t) => (t.id === id ? { ...t, ...patch } : t)) };
}

export function cancelOpen(state: ApprovalState, at: string): ApprovalState {
  return {
    ...state,
    tasks: state.tasks.map((t) => (isOpen(t) ? { ...t, status: 'cancelled' as const, actedAt: at } : t)),
  };
}

export function newTask(
  state: ApprovalState,
  spec: Pick<ApprovalTask, 'assignee' | 'origin' | 'primary' | 'parentId' | 'branchKey'> & {
    status?: TaskStatus;
  },
  at: string,
): { state: ApprovalState; task: ApprovalTask } {
  const seq = state.taskSeq + 1;
  // On a parallel node a task belongs to a branch: its own, or its parent's.
  const branchKey =
    spec.branchKey ?? (spec.parentId ? state.tasks.find((t) => t.id === spec.parentId)?.branchKey : null);
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
    ...(branchKey ? { branchKey } : {}),
  };
  return { state: { ...state, taskSeq: seq, tasks: [...state.tasks, task] }, task };
}

export function acted(a: { actor: Actor; comment?: string | null }, at: string): Partial<ApprovalTask> {
  return { actedAt: at, actedBy: refOf(a.actor), comment: a.comment?.trim() || null };
}

export function details(
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

export function event(
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
    ...(e.signatureId ? { signatureId: e.signatureId } : {}),
  };
  return { ...state, history: [...state.history, entry] };
}

export function notify(
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

// ---------------------------------------------------------------------------------------------------------------
// Starting

export function approvalWorkflowId(kind: ProcessKind, processId: string): string {
  return `approval-${kind}-${processId}`;
}

export function startApproval(input: ApprovalInput, at: string): ApprovalState {
  const { cc: _cc, comment: _comment, attachments: _attachments, flow, ...facts } = input;
  // Gateways resolve once: the variables are fixed at submission (issue 10).
  const path = flowPath(flow.steps, input.variables ?? {});
  // The schema makes every path hold a step (FlowDefinitionBody).
  if (path.steps.length === 0) throw new Error('a flow needs at least one step on every path');
  let state: ApprovalState = {
    ...facts,
    flow: { ...flow, steps: path.steps, nodes: flow.steps },
    gateways: path.gateways,
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
  return gatewaysReached(state, 0, at);
}

/** Records `branch_taken` for the gateways that lead to the step at path index `atStep` (issue 10). */
export function gatewaysReached(state: ApprovalState, atStep: number, at: string): ApprovalState {
  let next = state;
  for (const g of state.gateways ?? []) {
    if (g.atStep !== atStep) continue;
    next = event(next, at, 'branch_taken', {
      stepIndex: null,
      targets: [g.branchName],
      comment: `${g.name}：进入“${g.branchName}”`,
    });
  }
  return next;
}

export function currentStep(state: ApprovalState): EngineStep {
  return state.flow.steps[state.stepIndex]!;
}

/** CC (抄送): adds users once and notifies only the new ones. */
export function addCc(
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
