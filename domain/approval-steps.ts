/**
 * How an approval process moves through its steps: opening a step with the approvers an activity resolved,
 * counting votes (one, all or by ratio, any one), passing, finishing, and the step deadline with its breach actions
 * (notify, escalate, decide automatically). Pure functions over ApprovalState (approval-state.ts).
 */
import { isParallel, ParallelNode, StepMode } from './flow-definition';
import { branchVerdicts, closeBranch, groupVerdict, joinVerdict, Vote } from './approval-parallel';
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
  gatewaysReached,
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
/** Who a step's rules found: for a parallel node, per branch (issue 10). */
export interface ResolvedStep {
  assignees: Assignee[];
  skippable: boolean;
  note?: string | null;
  /** Why nobody may approve (the no-approver rule rejects, or the administrator lacks the required role). */
  reason?: string | null;
  branches?: Array<{
    key: string;
    assignees: Assignee[];
    skippable: boolean;
    note?: string | null;
    reason?: string | null;
  }>;
}

export function openStep(
  state: ApprovalState,
  resolved: ResolvedStep,
  due: Deadline | null,
  at: string,
): ApprovalState {
  if (state.phase !== 'starting_step') throw new Error(`no step is starting in phase ${state.phase}`);
  const step = currentStep(state);
  // A parallel node's groups are its branches (a branch at a missing level of the tree drops out).
  type Group = Omit<ResolvedStep, 'branches'> & { key: string | null; name: string; mode: StepMode };
  const groups: Group[] = isParallel(step)
    ? step.branches.map((b) => {
        const r = resolved.branches?.find((x) => x.key === b.key);
        return { assignees: [], skippable: false, ...r, key: b.key, name: b.name, mode: b.mode };
      })
    : [{ ...resolved, key: null, name: step.name, mode: step.mode }];
  const live = groups.filter((g) => g.assignees.length > 0 || !g.skippable);
  if (live.length === 0) {
    const skipped = event(state, at, 'step_skipped', { comment: '本级无对应审批单位，自动跳过' });
    return advance(skipped, at);
  }
  const missing = live.find((g) => g.assignees.length === 0);
  if (missing) {
    const who = missing.key ? `步骤“${step.name}”的分支“${missing.name}”` : `步骤“${step.name}”`;
    return finish(
      event(state, at, 'completed', { comment: `${who}找不到审批人，流程无法继续` }),
      'rejected',
      missing.reason ?? `${who}找不到审批人，请联系平台管理员检查流程定义`,
      at,
    );
  }
  for (const g of live) {
    if (g.mode === 'single' && g.assignees.length !== 1) {
      throw new Error(
        `single-approver group ${g.key ?? step.key} resolved to ${g.assignees.length} approvers`,
      );
    }
  }
  let next: ApprovalState = { ...state, phase: 'waiting', stepStartedAt: at, stepDue: due };
  next = event(next, at, 'step_started', {
    targets: live.flatMap((g) => g.assignees.map(assigneeLabel)),
    comment: [resolved.note, ...live.map((g) => (g.key ? g.note : null))].filter(Boolean).join('；') || null,
    due,
  });
  const ids: string[] = [];
  for (const g of live) {
    for (const assignee of g.assignees) {
      const spec = { assignee, origin: 'step' as const, primary: true, parentId: null, branchKey: g.key };
      const created = newTask(next, spec, at);
      next = created.state;
      ids.push(created.task.id);
    }
  }
  return notify(next, 'task', ids, [], null);
}
// ---------------------------------------------------------------------------------------------------------------
// Step evaluation

export type { Vote } from './approval-parallel';
export { requiredApprovals } from './approval-parallel';

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

export function evaluateStep(state: ApprovalState, at: string, reason?: string): ApprovalState {
  const step = currentStep(state);
  if (isParallel(step)) return evaluateParallel(state, step, at, reason);
  const votes = voters(state).map((t) => voteOf(state, t));
  // Countersign counts; single and any-one: the first decision decides.
  const verdict = groupVerdict(step.mode, step.passRatio, votes);
  if (verdict === 'passed') return passStep(state, at);
  if (verdict === 'rejected') {
    const why = step.mode === 'all' ? `步骤“${step.name}”会签未通过` : '审批未通过';
    return finish(cancelOpen(state, at), 'rejected', reason ?? why, at);
  }
  return state;
}

/** A parallel node's join (issue 10): see approval-parallel.ts. */
function evaluateParallel(
  state: ApprovalState,
  node: ParallelNode,
  at: string,
  reason?: string,
): ApprovalState {
  const voting = voters(state);
  const verdicts = branchVerdicts(state, node, (ps) => ps.map((t) => voteOf(state, t)), voting);
  const join = joinVerdict(node, verdicts);
  if (join.verdict === 'rejected') {
    const why = `步骤“${node.name}”的分支“${join.branch!.name}”未通过`;
    return finish(cancelOpen(state, at), 'rejected', reason ? `${why}：${reason}` : why, at);
  }
  if (join.verdict === 'passed') {
    return passStep(
      state,
      at,
      join.branch ? `分支“${join.branch.name}”先办结，其余分支的任务已取消` : '各分支均已通过',
    );
  }
  let next = state;
  for (const v of verdicts) if (v.verdict === 'passed') next = closeBranch(next, v.branch.key, at);
  return next;
}

export function passStep(state: ApprovalState, at: string, comment?: string): ApprovalState {
  const next = event(cancelOpen(state, at), at, 'step_passed', { comment: comment ?? null });
  return advance(next, at);
}

export function advance(state: ApprovalState, at: string): ApprovalState {
  const to = state.stepIndex + 1;
  // Conditional gateways between this step and the next record the branch they take (issue 10).
  const next = gatewaysReached(state, to, at);
  if (to < state.flow.steps.length) {
    return { ...next, phase: 'starting_step', stepIndex: to, round: next.round + 1, stepDue: null };
  }
  return finish(next, 'approved', null, at);
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
    const spec = {
      assignee: to,
      origin: 'escalation' as const,
      primary: true,
      parentId: null,
      branchKey: t.branchKey,
    };
    const created = newTask(next, spec, at);
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
