/**
 * How an approval process moves through its steps: opening a step with the approvers an activity resolved,
 * counting votes (one, all or by ratio, any one), passing, finishing, and the step deadline with its breach actions
 * (notify, escalate, decide automatically). Pure functions over ApprovalState (approval-state.ts).
 */
import type { StepMode } from './flow-definition';
import {
  ApprovalOutcome,
  ApprovalState,
  ApprovalTask,
  Assignee,
  assigneeLabel,
  cancelOpen,
  currentStep,
  Deadline,
  event,
  newTask,
  notify,
  openTasks,
  ProcessStatus,
  setTask,
  SYSTEM_ACTOR_REF,
} from './approval-state';

// ---------------------------------------------------------------------------------------------------------------
// Opening a step

/**
 * Opens the current step with the approvers an activity resolved for it. `assignees` is empty when the rules found
 * no one: a step whose rule may legitimately find nobody (a management unit above the top of the tree) is skipped;
 * any other step ends the process, because approving without an approver would exceed everyone's authority.
 */
export function openStep(
  state: ApprovalState,
  resolved: { assignees: Assignee[]; skippable: boolean; note?: string | null },
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
    comment: resolved.note ?? null,
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

export function evaluateStep(state: ApprovalState, at: string, reason?: string): ApprovalState {
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

export function passStep(state: ApprovalState, at: string): ApprovalState {
  const next = event(cancelOpen(state, at), at, 'step_passed', {});
  return advance(next, at);
}

export function advance(state: ApprovalState, at: string): ApprovalState {
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

export function finish(
  state: ApprovalState,
  status: Exclude<ProcessStatus, 'running'>,
  reason: string | null,
  at: string,
) {
  let next: ApprovalState = { ...state, status, phase: 'done', outcomeReason: reason, endedAt: at };
  next = event(next, at, 'completed', {
    comment: reason ?? (status === 'approved' ? '审批通过' : null),
    stepIndex: null,
  });
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
