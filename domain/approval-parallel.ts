/**
 * Parallel nodes (issue 10 build item 1): one engine step whose tasks are grouped by branch (task.branchKey).
 * Each branch decides as a step would (one approver, countersign all or by ratio, any one); join `all` passes when
 * every branch passed and rejects on the first branch rejected; join `any` lets the first branch to decide (pass or
 * reject) decide for the node, and the other branches' tasks are cancelled. Pure functions over ApprovalState.
 */
import type { ParallelBranch, ParallelNode, StepMode } from './flow-definition';
import { ApprovalState, ApprovalTask, isOpen } from './approval-state';

export type Verdict = 'passed' | 'rejected' | 'open';
export type Vote = 'approved' | 'rejected' | 'open';

/** How many approvals a group needs: one; all; or the ratio's share, rounded up (会签按比例). */
export function requiredApprovals(mode: StepMode, members: number, passRatio?: number): number {
  if (mode !== 'all') return 1;
  return Math.max(1, Math.ceil(members * (passRatio ?? 1) - 1e-9));
}

/** What a group of votes decides under its mode: countersign counts, single and any-one take the first decision. */
export function groupVerdict(mode: StepMode, passRatio: number | undefined, votes: Vote[]): Verdict {
  const approved = votes.filter((v) => v === 'approved').length;
  const rejected = votes.filter((v) => v === 'rejected').length;
  const needed = requiredApprovals(mode, votes.length, passRatio);
  if (mode === 'all') {
    if (approved >= needed) return 'passed';
    if (rejected > votes.length - needed) return 'rejected';
    return 'open';
  }
  if (approved > 0) return 'passed';
  if (rejected > 0) return 'rejected';
  return 'open';
}

/** The tasks of a branch in the current round (primaries and their children carry the branch key). */
export function branchTasks(state: ApprovalState, key: string): ApprovalTask[] {
  return state.tasks.filter(
    (t) => t.stepIndex === state.stepIndex && t.round === state.round && t.branchKey === key,
  );
}

/** Each branch that has tasks this round, with its verdict. */
export function branchVerdicts(
  state: ApprovalState,
  node: ParallelNode,
  votesOf: (primaries: ApprovalTask[]) => Vote[],
  voters: ApprovalTask[],
): Array<{ branch: ParallelBranch; verdict: Verdict }> {
  return node.branches
    .filter((b) => voters.some((t) => t.branchKey === b.key))
    .map((branch) => {
      const votes = votesOf(voters.filter((t) => t.branchKey === branch.key));
      return { branch, verdict: groupVerdict(branch.mode, branch.passRatio, votes) };
    });
}

/**
 * What the node decides now: `passed` (all-join: every branch passed; any-join: the first passed), `rejected`
 * (a branch rejected; any-join: the first to decide rejected), or `open`; with the branch that decided.
 */
export function joinVerdict(
  node: ParallelNode,
  verdicts: Array<{ branch: ParallelBranch; verdict: Verdict }>,
): { verdict: Verdict; branch: ParallelBranch | null } {
  const rejected = verdicts.find((v) => v.verdict === 'rejected');
  if (rejected) return { verdict: 'rejected', branch: rejected.branch };
  if (node.join === 'any') {
    const passed = verdicts.find((v) => v.verdict === 'passed');
    return passed ? { verdict: 'passed', branch: passed.branch } : { verdict: 'open', branch: null };
  }
  return verdicts.every((v) => v.verdict === 'passed')
    ? { verdict: 'passed', branch: null }
    : { verdict: 'open', branch: null };
}

/** Cancels the open tasks of a branch that has decided (its other any-one members, its waiting signers). */
export function closeBranch(state: ApprovalState, key: string, at: string): ApprovalState {
  const ids = new Set(
    branchTasks(state, key)
      .filter(isOpen)
      .map((t) => t.id),
  );
  if (ids.size === 0) return state;
  return {
    ...state,
    tasks: state.tasks.map((t) => (ids.has(t.id) ? { ...t, status: 'cancelled' as const, actedAt: at } : t)),
  };
}
