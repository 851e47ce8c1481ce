/**
 * What each human action does to an approval process: the pure transitions behind the action table in
 * approval-actions.ts, which validates an action before it gets here (a transition assumes the action is allowed).
 */
import {
  acted,
  ApprovalState,
  ApprovalTask,
  assigneeLabel,
  Actor,
  AttachmentRef,
  cancelOpen,
  details,
  event,
  isOpen,
  newTask,
  notify,
  refOf,
  setTask,
  taskById,
  URGE_INTERVAL_MS,
  UserRef,
} from './approval-state';
import { evaluateStep, finish } from './approval-steps';

/** An action on a task, as the table hands it to a transition. */
export interface TaskActionInput {
  taskId: string;
  actor: Actor;
  comment: string | null;
  attachments: AttachmentRef[];
  /** An approval's handwritten signature (issue 10), carried by its event. */
  signatureId?: string | null;
}

export function approveTask(state: ApprovalState, a: TaskActionInput, at: string): ApprovalState {
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
  next = event(next, at, 'approved', {
    ...details(a, task),
    ...(a.signatureId ? { signatureId: a.signatureId } : {}),
  });
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

export function rejectTask(
  state: ApprovalState,
  a: TaskActionInput & { reason: string },
  at: string,
): ApprovalState {
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

export function transfer(
  state: ApprovalState,
  a: TaskActionInput & { to: UserRef },
  at: string,
): ApprovalState {
  const task = taskById(state, a.taskId);
  let next = setTask(state, task.id, { status: 'transferred', ...acted(a, at) });
  const created = newTask(
    next,
    {
      assignee: { kind: 'user', ...a.to },
      origin: task.primary ? 'transfer' : task.origin,
      primary: task.primary,
      parentId: task.parentId,
      branchKey: task.branchKey ?? null,
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

export function delegate(
  state: ApprovalState,
  a: TaskActionInput & { to: UserRef },
  at: string,
): ApprovalState {
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

export function addSigner(
  state: ApprovalState,
  a: TaskActionInput & { signer: UserRef; position: 'before' | 'after' },
  at: string,
): ApprovalState {
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

export function removeSigner(
  state: ApprovalState,
  a: TaskActionInput & { signerTaskId: string },
  at: string,
): ApprovalState {
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

export function returnTo(
  state: ApprovalState,
  a: TaskActionInput & { toStepIndex: number },
  at: string,
): ApprovalState {
  const task = taskById(state, a.taskId);
  let next = setTask(state, task.id, { status: 'returned', ...acted(a, at) });
  next = cancelOpen(next, at);
  const target = state.flow.steps[a.toStepIndex]!;
  next = event(next, at, 'returned', details(a, task, [target.name]));
  // The returned-to step starts fresh: new round, approvers resolved anew, earlier votes forgotten.
  return { ...next, phase: 'starting_step', stepIndex: a.toStepIndex, round: next.round + 1, stepDue: null };
}

export function withdraw(
  state: ApprovalState,
  a: { actor: Actor; comment: string | null; attachments: AttachmentRef[] },
  at: string,
): ApprovalState {
  let next = cancelOpen(state, at);
  next = event(next, at, 'withdrawn', {
    actor: refOf(a.actor),
    comment: a.comment ?? null,
    attachments: a.attachments ?? [],
  });
  return finish(next, 'withdrawn', a.comment?.trim() || '发起人撤回', at);
}

export function urge(
  state: ApprovalState,
  a: { actor: Actor; comment: string | null },
  at: string,
): ApprovalState {
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

export function nextUrgeAt(state: ApprovalState): string | null {
  const times = state.tasks
    .filter((t) => t.status === 'pending' && t.lastUrgedAt)
    .map((t) => Date.parse(t.lastUrgedAt!) + URGE_INTERVAL_MS);
  return times.length ? new Date(Math.min(...times)).toISOString() : null;
}
