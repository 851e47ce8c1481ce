/**
 * The approval engine's actions, defined once: each action's name (the URL segment, the workflow update's name and
 * the OpenAPI operation), the zod schema of its body (the API validates it at the edge and the workflow's validator
 * validates it again), where it is offered (on a task, on a process), whose tasks may take it, what makes it
 * impossible now, and the pure transition (approval-transitions.ts). The workflow registers its handlers from this
 * table, the API dispatches from it, and the OpenAPI document is generated from it.
 *
 * Self-approval (issue 9): the initiator of a process never holds one of its tasks, and no action hands a task to
 * them; targets of transfer, delegate and add-signer must hold the step's required role (and the process's approver
 * authority, SM-12 for the legal-name seal).
 */
import type { z } from 'zod';
import type * as Bodies from './approval-action-bodies';
import { ROLE_LABELS, UserRole } from './roles';
import { approverGroups, isParallel, TASK_ACTIONS } from './flow-definition';
import { stepOptionProblem } from './approval-step-options';
import {
  Actor,
  ApprovalState,
  ApprovalTask,
  AttachmentRef,
  addCc,
  isOpen,
  openTasks,
  Problem,
  refOf,
  sameUser,
  UserRef,
} from './approval-state';
import { notOfferedMessage, offeredOnStep } from './approval-step-options';
import {
  addSigner,
  approveTask,
  delegate,
  nextUrgeAt,
  rejectTask,
  removeSigner,
  returnTo,
  TaskActionInput,
  transfer,
  urge,
  urgeable,
  withdraw,
} from './approval-transitions';
import { isSuspended, resumeStep, suspendStep } from './approval-clock-steps';

// ---------------------------------------------------------------------------------------------------------------
// Bodies

/**
 * The bodies' zod schemas (approval-action-bodies.ts), loaded on first use. The workflow bundle loads this module
 * for every workflow it starts, issuances too (the SDK gives each workflow its own modules), and loading zod and
 * building the schemas was most of that cost (issue 19 Build 3); an approval workflow loads them on its first
 * update, the API on its first request.
 */
let loadedBodies: typeof Bodies | undefined;
function bodies(): typeof Bodies {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loadedBodies ??= require('./approval-action-bodies') as typeof Bodies);
}

// ---------------------------------------------------------------------------------------------------------------
// The request an action carries from the API into the workflow

export interface ActionRequest<B = unknown> {
  /** The task acted on; null for an action on the process (withdraw, urge, CC by the initiator). */
  taskId: string | null;
  actor: Actor;
  /** The body as the API received it; validated against the action's schema on both sides. */
  body: B;
  /** The people the body names by username, resolved by the API with their roles. */
  people: Record<string, UserRef>;
  /** The body's attachment ids, resolved by the API (each the uploader's own). */
  attachments: AttachmentRef[];
  /** The stored handwritten signature of an approval (the API stored the body's PNG; issue 10). */
  signatureId?: string | null;
}

type TaskKind = 'primary' | 'signer' | 'delegate';

interface ActionContext<B> {
  state: ApprovalState;
  req: ActionRequest<B>;
  body: B;
  /** The task acted on (null on a process action). */
  task: ApprovalTask | null;
  at: string;
}

interface ActionDef<S extends z.ZodType> {
  /** Where the action is offered: on a task (`/tasks/:id/<name>`), on a process (`/approvals/:id/<name>`). */
  on: ReadonlyArray<'task' | 'process'>;
  /** The body's schema (built on first use, see `bodies`). */
  body: () => S;
  /** One line for the API document. */
  summary: string;
  /** On a task: the kinds of task whose holder may take it. */
  holders?: ReadonlyArray<TaskKind>;
  /** Refused with `rate_limited` when taken too often (429). */
  rateLimited?: boolean;
  /** Also while the task waits (for the signer its holder added before). */
  whileWaiting?: boolean;
  /** Also while the step's clock is suspended (补正 etc.); other actions wait for the resumption. */
  whileSuspended?: boolean;
  /** The body's fields that name people by username. */
  people?: (body: z.output<S>) => Array<{ field: string; username: string }>;
  /** On a task: whether the step's state offers the action at all (e.g. resume only while suspended). */
  offeredOnTask?: (state: ApprovalState) => boolean;
  /** On a process: whether the caller is offered the action at all. */
  offered?: (state: ApprovalState, actor: Actor) => boolean;
  problem?: (c: ActionContext<z.output<S>>) => Problem | undefined;
  apply: (c: ActionContext<z.output<S>>) => ApprovalState;
}

const action = <S extends z.ZodType>(def: ActionDef<S>): ActionDef<S> => def;
const problem = (kind: Problem['kind'], message: string): Problem => ({ kind, message });

// ---------------------------------------------------------------------------------------------------------------
// The table

export const APPROVAL_ACTIONS = {
  approve: action({
    on: ['task'],
    body: () => bodies().ApproveBody,
    summary: 'Approve (同意); on a delegated task, hand it back to the delegator',
    holders: ['primary', 'signer', 'delegate'],
    problem: ({ state, req, body, task }) => {
      const option = stepOptionProblem(state, task!, 'approve', {
        comment: body.comment,
        signatureId: req.signatureId,
      });
      if (option) return option;
      const authority = state.approverAuthority;
      if (
        task!.origin !== 'delegate' &&
        authority &&
        !authority.roles.some((r) => req.actor.roles.includes(r))
      ) {
        return problem('forbidden', authority.reason);
      }
      return undefined;
    },
    apply: (c) => approveTask(c.state, taskInput(c), c.at),
  }),
  reject: action({
    on: ['task'],
    body: () => bodies().RejectBody,
    summary: 'Reject (驳回) with a reason; ends the process',
    holders: ['primary', 'signer'],
    whileSuspended: true,
    problem: ({ state, body, task }) => stepOptionProblem(state, task!, 'reject', { comment: body.reason }),
    apply: (c) =>
      rejectTask(c.state, { ...taskInput(c), comment: c.body.reason, reason: c.body.reason }, c.at),
  }),
  transfer: action({
    on: ['task'],
    body: () => bodies().HandOverBody,
    summary: 'Transfer (转办) the task for good to a user of the same unit who holds the step’s role',
    holders: ['primary', 'signer'],
    people: (b) => [{ field: 'to', username: b.to }],
    problem: (c) => targetProblem(c, c.req.people[c.body.to]!, 'to'),
    apply: (c) => transfer(c.state, { ...taskInput(c), to: c.req.people[c.body.to]! }, c.at),
  }),
  delegate: action({
    on: ['task'],
    body: () => bodies().HandOverBody,
    summary: 'Delegate (委派) to a user of the same unit who holds the step’s role; it comes back to decide',
    holders: ['primary'],
    people: (b) => [{ field: 'to', username: b.to }],
    problem: (c) => targetProblem(c, c.req.people[c.body.to]!, 'to'),
    apply: (c) => delegate(c.state, { ...taskInput(c), to: c.req.people[c.body.to]! }, c.at),
  }),
  'add-signer': action({
    on: ['task'],
    body: () => bodies().AddSignerBody,
    summary: 'Add a signer (加签) before or after the current approver',
    holders: ['primary'],
    people: (b) => [{ field: 'signer', username: b.signer }],
    problem: (c) => {
      const signer = c.req.people[c.body.signer]!;
      if (c.state.tasks.some((t) => t.parentId === c.task!.id && isOpen(t) && sameUser(t, signer.userId))) {
        return problem('invalid', 'signer: 此人已是本任务的加签人');
      }
      return targetProblem(c, signer, 'signer');
    },
    apply: (c) =>
      addSigner(
        c.state,
        { ...taskInput(c), signer: c.req.people[c.body.signer]!, position: c.body.position },
        c.at,
      ),
  }),
  'remove-signer': action({
    on: ['task'],
    body: () => bodies().RemoveSignerBody,
    summary: 'Remove (减签) a signer added to this task who has not acted',
    holders: ['primary'],
    whileWaiting: true,
    problem: ({ state, body, task }) => {
      const signer = state.tasks.find((t) => t.id === body.signerTaskId);
      if (!signer || signer.parentId !== task!.id || !['add_before', 'add_after'].includes(signer.origin)) {
        return problem('invalid', 'signerTaskId: 只能减去本任务加签的人员');
      }
      if (!isOpen(signer)) return problem('conflict', '该加签人已处理，不能再减签');
      return undefined;
    },
    apply: (c) => removeSigner(c.state, { ...taskInput(c), signerTaskId: c.body.signerTaskId }, c.at),
  }),
  return: action({
    on: ['task'],
    body: () => bodies().ReturnBody,
    summary: 'Return (退回) to an earlier step, which starts fresh',
    holders: ['primary'],
    problem: ({ state, body, task }) => {
      const to = state.flow.steps.findIndex((s) => s.key === body.toStep);
      if (to < 0 || to >= task!.stepIndex) return problem('invalid', 'toStep: 只能退回到之前的步骤');
      return undefined;
    },
    apply: (c) =>
      returnTo(
        c.state,
        { ...taskInput(c), toStepIndex: c.state.flow.steps.findIndex((s) => s.key === c.body.toStep) },
        c.at,
      ),
  }),
  withdraw: action({
    on: ['process'],
    body: () => bodies().WithdrawBody,
    summary: 'Withdraw (撤回) by the initiator while the process is open',
    whileSuspended: true,
    offered: (state, actor) => isInitiator(state, actor),
    problem: ({ state, req }) => {
      if (!isInitiator(state, req.actor)) return problem('forbidden', '只有发起人可以撤回');
      if (state.status !== 'running') return problem('conflict', '流程已结束，不能撤回');
      return undefined;
    },
    apply: ({ state, req, body, at }) =>
      withdraw(state, { actor: req.actor, comment: body.comment ?? null, attachments: req.attachments }, at),
  }),
  urge: action({
    on: ['process'],
    body: () => bodies().UrgeBody,
    summary: 'Urge (催办) the current approvers by e-mail; at most once per hour per task (429 otherwise)',
    rateLimited: true,
    offered: (state, actor) => isInitiator(state, actor),
    problem: ({ state, req, at }) => {
      if (!isInitiator(state, req.actor)) return problem('forbidden', '只有发起人可以催办');
      if (state.status !== 'running') return problem('conflict', '流程已结束，无需催办');
      if (urgeable(state, at).length === 0) {
        const next = nextUrgeAt(state);
        return problem(
          'rate_limited',
          next ? `每项任务每小时只能催办一次，请于 ${next} 之后再催办` : '当前没有可催办的待办任务',
        );
      }
      return undefined;
    },
    apply: ({ state, req, body, at }) => urge(state, { actor: req.actor, comment: body.comment ?? null }, at),
  }),
  cc: action({
    on: ['task', 'process'],
    body: () => bodies().CcBody,
    summary: 'CC (抄送) users on the process (the initiator, or a current approver)',
    whileSuspended: true,
    holders: ['primary', 'signer', 'delegate'],
    people: (b) => b.users.map((username, i) => ({ field: `users.${i}`, username })),
    offered: (state, actor) =>
      isInitiator(state, actor) || openTasks(state).some((t) => mayHold(state, t, actor)),
    problem: ({ state, req }) => {
      if (state.status !== 'running') return problem('conflict', '流程已结束，不能再抄送');
      const holds = openTasks(state).some((t) => mayHold(state, t, req.actor));
      if (!isInitiator(state, req.actor) && !holds) {
        return problem('forbidden', '只有发起人或当前审批人可以抄送');
      }
      return undefined;
    },
    apply: ({ state, req, body, at }) =>
      addCc(
        state,
        body.users.map((u) => req.people[u]!),
        refOf(req.actor),
        state.stepIndex,
        at,
        body.comment ?? null,
      ),
  }),
  suspend: action({
    on: ['task'],
    body: () => bodies().SuspendBody,
    summary:
      'Suspend (中止) the step’s clock: 补正 (with the items to supplement), 检验检测, 专家评审 or 听证; the time does not count',
    holders: ['primary'],
    offeredOnTask: (state) => !isSuspended(state),
    problem: ({ state }) =>
      isSuspended(state) ? problem('conflict', '本步骤已中止计时，不能重复中止') : undefined,
    apply: ({ state, req, body, task, at }) =>
      suspendStep(
        state,
        { actor: req.actor, taskId: task!.id, kind: body.kind, reason: body.reason, items: body.items ?? [] },
        at,
      ),
  }),
  resume: action({
    on: ['task', 'process'],
    body: () => bodies().ResumeBody,
    summary:
      'Resume (恢复计时): the initiator resubmits for 补正 (with optional attachments); the approver ends the other kinds',
    holders: ['primary'],
    whileSuspended: true,
    offeredOnTask: (state) => isSuspended(state) && state.suspension?.kind !== 'supplement',
    offered: (state, actor) => isInitiator(state, actor) && state.suspension?.kind === 'supplement',
    problem: ({ state, task }) => {
      const s = state.suspension;
      if (!s || state.status !== 'running') return problem('conflict', '本步骤未中止计时，无需恢复');
      if (task === null && s.kind !== 'supplement') {
        return problem('forbidden', '检验检测、专家评审、听证结束后由审批人恢复计时');
      }
      if (task !== null && s.kind === 'supplement')
        return problem('forbidden', '补正须由申请人补正后恢复计时');
      return undefined;
    },
    apply: ({ state, req, body, at }) =>
      resumeStep(
        state,
        { actor: req.actor, comment: body.comment?.trim() || null, attachments: req.attachments },
        at,
      ),
  }),
} as const;

export type ActionName = keyof typeof APPROVAL_ACTIONS;
/** The steps' `actions` name entries of this table (a unit test checks that they are exactly its task actions). */
export const STEP_ACTION_NAMES: readonly ActionName[] = TASK_ACTIONS;
export const ACTION_NAMES = Object.keys(APPROVAL_ACTIONS) as ActionName[];
export const TASK_ACTION_NAMES = ACTION_NAMES.filter((n) => defOf(n).on.includes('task'));
export const PROCESS_ACTION_NAMES = ACTION_NAMES.filter((n) => defOf(n).on.includes('process'));

/** The table's entry for a name; the table is the only place that knows an action's body type. */
export function defOf(name: ActionName): ActionDef<z.ZodType> {
  return APPROVAL_ACTIONS[name] as unknown as ActionDef<z.ZodType>;
}

// ---------------------------------------------------------------------------------------------------------------
// Checking and applying

export function isInitiator(state: ApprovalState, actor: { userId: string }): boolean {
  return actor.userId === state.initiator.userId;
}

/** Whether an actor holds a task. The initiator never does: nobody approves their own request. */
export function mayHold(state: ApprovalState, task: ApprovalTask, actor: Actor): boolean {
  if (isInitiator(state, actor)) return false;
  const a = task.assignee;
  if (a.kind === 'user') return a.userId === actor.userId;
  return a.organisationId === actor.organisationId && actor.roles.includes(a.role);
}

function taskKind(task: ApprovalTask): TaskKind {
  if (task.primary) return 'primary';
  return task.origin === 'delegate' ? 'delegate' : 'signer';
}

/** The people and fields the body names that the request did not resolve (unknown or inactive users). */
export function peopleNamed(name: ActionName, body: unknown): Array<{ field: string; username: string }> {
  const def = defOf(name);
  const parsed = def.body().safeParse(body);
  return parsed.success && def.people ? def.people(parsed.data) : [];
}

/**
 * Why an action cannot be taken now, or undefined when it can: the body, then the task (exists, yours, open, of a
 * kind that allows the action), then the action's own rule. The workflow's validator and the transition share it.
 */
export function actionProblem(
  state: ApprovalState,
  name: ActionName,
  req: ActionRequest,
  at: string,
): Problem | undefined {
  const checked = check(state, name, req, at);
  return 'problem' in checked ? checked.problem : undefined;
}

/** Applies an action. Throws when `actionProblem` has one: callers validate first. */
export function applyAction(
  state: ApprovalState,
  name: ActionName,
  req: ActionRequest,
  at: string,
): ApprovalState {
  const checked = check(state, name, req, at);
  if ('problem' in checked) throw new Error(checked.problem.message);
  return defOf(name).apply(checked.context);
}

/** The checks of `actionProblem`, answering the context a transition needs when there is no problem. */
function check(
  state: ApprovalState,
  name: ActionName,
  req: ActionRequest,
  at: string,
): { problem: Problem } | { context: ActionContext<unknown> } {
  const def = defOf(name);
  const fail = (kind: Problem['kind'], message: string) => ({ problem: problem(kind, message) });
  const parsed = def.body().safeParse(req.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fail('invalid', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  for (const { field, username } of def.people?.(parsed.data) ?? []) {
    if (!req.people[username]) return fail('invalid', `${field}: 用户 ${username} 不存在或已停用`);
  }
  let task: ApprovalTask | null = null;
  if (req.taskId !== null) {
    if (!def.on.includes('task')) return fail('invalid', 'taskId: 此操作针对整个流程，不针对任务');
    task = state.tasks.find((t) => t.id === req.taskId) ?? null;
    if (!task) return fail('conflict', `任务 ${req.taskId} 不存在或已不在流程中`);
    if (isInitiator(state, req.actor)) return fail('forbidden', '发起人不能办理本人发起的审批');
    if (!mayHold(state, task, req.actor)) return fail('forbidden', '此任务不属于您，您无权处理');
    const actable = def.whileWaiting ? ['pending', 'waiting'] : ['pending'];
    if (state.status !== 'running' || !actable.includes(task.status)) {
      return fail('conflict', '该任务已处理或已不在待办中');
    }
    if (!def.holders?.includes(taskKind(task))) return fail('invalid', '此类任务不能执行此操作');
    if (!offeredOnStep(state, task, name)) return fail('forbidden', notOfferedMessage(name));
  } else if (!def.on.includes('process')) {
    return fail('invalid', 'taskId: 请指明要办理的任务');
  }
  if (isSuspended(state) && !def.whileSuspended) {
    return fail('conflict', '本步骤已中止计时（补正、检验检测、专家评审或听证），恢复计时后才能办理');
  }
  const context = { state, req, body: parsed.data, task, at };
  const p = def.problem?.(context);
  return p ? { problem: p } : { context };
}

/** The task actions open to an actor on a task now (the buttons a page shows). */
export function taskActionsOffered(state: ApprovalState, task: ApprovalTask, actor: Actor): ActionName[] {
  if (state.status !== 'running' || !mayHold(state, task, actor)) return [];
  return TASK_ACTION_NAMES.filter((name) => {
    const def = defOf(name);
    const statuses = def.whileWaiting ? ['pending', 'waiting'] : ['pending'];
    return (
      statuses.includes(task.status) &&
      !!def.holders?.includes(taskKind(task)) &&
      offeredOnStep(state, task, name) &&
      (!isSuspended(state) || !!def.whileSuspended) &&
      (def.offeredOnTask?.(state) ?? true)
    );
  });
}

/** The process actions open to an actor now. */
export function processActionsOffered(state: ApprovalState, actor: Actor): ActionName[] {
  if (state.status !== 'running') return [];
  return PROCESS_ACTION_NAMES.filter((name) => {
    const def = defOf(name);
    return (!isSuspended(state) || !!def.whileSuspended) && (def.offered?.(state, actor) ?? false);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Rules shared by the entries

function taskInput(c: ActionContext<unknown>): TaskActionInput {
  const comment = (c.body as { comment?: string }).comment;
  return {
    taskId: c.task!.id,
    actor: c.req.actor,
    comment: comment?.trim() || null,
    attachments: c.req.attachments,
    ...(c.req.signatureId ? { signatureId: c.req.signatureId } : {}),
  };
}

/**
 * The roles a task's holder needs, from its assignee (a department's role) or the step's rules (the role a rule
 * names; a department leader's rule needs `unit_leader`); empty where the step names people, not roles.
 */
export function requiredRoles(state: ApprovalState, task: ApprovalTask): UserRole[] {
  if (task.assignee.kind === 'group') return [task.assignee.role];
  const step = state.flow.steps[task.stepIndex]!;
  const groups = approverGroups(step).filter((g) => !isParallel(step) || g.key === task.branchKey);
  const roles = groups
    .flatMap((g) => g.approvers)
    .flatMap((r): UserRole[] => {
      if (r.type === 'role' || r.type === 'management_unit') return [r.role];
      if (r.type === 'department_leader') return ['unit_leader'];
      return [];
    });
  return [...new Set(roles)];
}

/**
 * Who a task may be handed to (transfer, delegate, add-signer): not oneself, never the initiator, someone of the
 * approving unit (authority stays with the unit responsible for the step), holding the step's role and the
 * process's approver authority (SM-12).
 */
function targetProblem(c: ActionContext<unknown>, to: UserRef, field: string): Problem | undefined {
  const task = c.task!;
  if (to.userId === c.req.actor.userId) {
    return problem('invalid', field === 'signer' ? 'signer: 不能给自己加签' : `${field}: 不能转给自己`);
  }
  if (isInitiator(c.state, to)) return problem('forbidden', `${field}: 不能交给发起人本人审批`);
  if (to.organisationId !== task.assignee.organisationId) {
    return problem('forbidden', `${field}: 只能交给本审批单位（${task.assignee.organisationName}）的人员`);
  }
  const held = to.roles ?? [];
  const roles = requiredRoles(c.state, task);
  if (roles.length > 0 && !roles.some((r) => held.includes(r))) {
    const names = roles.map((r) => ROLE_LABELS[r]).join('或');
    return problem('forbidden', `${field}: ${to.displayName}不具备本步骤要求的${names}角色`);
  }
  const authority = c.state.approverAuthority;
  if (authority && !authority.roles.some((r) => held.includes(r))) {
    return problem('forbidden', `${field}: ${authority.reason}`);
  }
  return undefined;
}
