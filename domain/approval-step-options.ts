/**
 * Per-step options of a flow (issue 10 build item 1, "Per step"): which task actions a step offers, whether a
 * reason is required on approve or reject, and the handwritten signature on approve. The action table
 * (approval-actions.ts) asks these before an action is taken and when it lists what a task offers.
 */
import type { ApprovalState, ApprovalTask, Problem } from './approval-state';
import { stepActions, TASK_ACTION_LABELS, TaskActionName, TASK_ACTIONS } from './flow-definition';

function isStepAction(name: string): name is TaskActionName {
  return (TASK_ACTIONS as readonly string[]).includes(name);
}

/** Whether the task's step offers an action (process actions are not the step's to restrict). */
export function offeredOnStep(state: ApprovalState, task: ApprovalTask, name: string): boolean {
  if (!isStepAction(name)) return true;
  const step = state.flow.steps[task.stepIndex];
  return !step || stepActions(step).includes(name);
}

export function notOfferedMessage(name: string): string {
  const label = isStepAction(name) ? TASK_ACTION_LABELS[name] : name;
  return `本步骤不提供“${label}”操作`;
}

/**
 * Why an approval or rejection does not meet its step's options: a required reason missing (`comment` on approve;
 * the rejection's `reason` is required anyway), a required signature missing, or a signature where the step takes
 * none. A delegate hands work back rather than deciding, so only the decision itself is held to them.
 */
export function stepOptionProblem(
  state: ApprovalState,
  task: ApprovalTask,
  action: 'approve' | 'reject',
  given: { comment?: string | null; signatureId?: string | null },
): Problem | undefined {
  const step = state.flow.steps[task.stepIndex];
  if (!step || task.origin === 'delegate') return undefined;
  const hasComment = !!given.comment?.trim();
  if (step.reasonRequired?.[action] && !hasComment) {
    return action === 'approve'
      ? { kind: 'invalid', message: 'comment: 本步骤同意时必须填写审批意见' }
      : { kind: 'invalid', message: 'reason: 本步骤驳回时必须填写驳回理由' };
  }
  if (action !== 'approve') return undefined;
  const rule = step.signature ?? 'none';
  if (rule === 'required' && !given.signatureId) {
    return { kind: 'invalid', message: 'signature: 本步骤同意时须手写签名' };
  }
  if (rule === 'none' && given.signatureId) {
    return { kind: 'invalid', message: 'signature: 本步骤不使用手写签名' };
  }
  return undefined;
}
