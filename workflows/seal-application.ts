/**
 * Seal application (SM-5 … SM-8): review level by level by the seal management departments (county → city →
 * province, or the jurisdiction's configured chain), then the seal is made and bound to the organisation
 * certificate, and the applicant is told the outcome. A rejection at any level ends the process.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { SealApplicationActivities } from '../activities/seal-application';
import {
  approve,
  Decision,
  decisionProblem,
  reject,
  reviewTaskId,
  sealApplicationWorkflowId,
  SEAL_ISSUANCE_REFUSED,
  SealApplicationInput,
  SealApplicationState,
  sealFailed,
  sealMade,
  startProcess,
  TASK_NOT_PENDING,
} from '../domain/seal-application';
import { approveUpdate, readyUpdate, rejectUpdate, stateQuery } from './seal-application-messages';

const activities = proxyActivities<SealApplicationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

type PendingDecision =
  { kind: 'approve'; decision: Decision } | { kind: 'reject'; decision: Decision & { reason: string } };

const now = () => new Date().toISOString();

export async function sealApplicationWorkflow(input: SealApplicationInput): Promise<SealApplicationState> {
  let state = startProcess(input, now());
  let pending: PendingDecision | null = null;
  let firstTaskOpen = false;

  // Handlers. A decision is accepted only for the current task and only one at a time: of two reviewers acting on
  // the same task at once, the first one counts and the second is refused.
  const refusal = (d: Decision): string | undefined =>
    pending ? `task ${d.taskId} is already being decided` : decisionProblem(state, d);
  const validate = (d: Decision) => {
    const problem = refusal(d);
    if (problem) throw ApplicationFailure.nonRetryable(problem, TASK_NOT_PENDING);
  };
  const decide = async (next: PendingDecision): Promise<SealApplicationState> => {
    validate(next.decision); // again: the validator ran before earlier updates in the same activation
    pending = next;
    // Reply once the main flow has applied it and opened the next level's task.
    await condition(() => pending !== next);
    return state;
  };

  setHandler(stateQuery, () => state);
  setHandler(readyUpdate, async () => {
    await condition(() => firstTaskOpen);
    return state;
  });
  setHandler(approveUpdate, (decision) => decide({ kind: 'approve', decision }), { validator: validate });
  setHandler(rejectUpdate, (decision) => decide({ kind: 'reject', decision }), {
    validator: (d) => {
      if (!d.reason?.trim())
        throw ApplicationFailure.nonRetryable('a rejection needs a reason', 'InvalidDecision');
      validate(d);
    },
  });

  // Review, level by level.
  await openTask(input, 0);
  firstTaskOpen = true;
  while (state.stage === 'review') {
    await condition(() => pending !== null);
    const next = pending!;
    const at = now();
    state = next.kind === 'approve' ? approve(state, next.decision, at) : reject(state, next.decision, at);
    await activities.closeReviewTask({
      taskId: next.decision.taskId,
      outcome: next.kind === 'approve' ? 'approved' : 'rejected',
      actorId: next.decision.userId,
      actorName: next.decision.displayName,
      comment: next.kind === 'reject' ? next.decision.reason : (next.decision.comment ?? null),
      at,
    });
    if (state.stage === 'review') await openTask(input, state.currentLevel!);
    pending = null;
  }

  // Outcome: make the seal after the last approval (SM-7 checks inside), or record the rejection.
  if (state.stage === 'making_seal') {
    try {
      const { sealId } = await activities.makeSeal({ applicationId: input.applicationId });
      state = sealMade(state, sealId, now());
    } catch (err) {
      if (!(
        err instanceof ActivityFailure &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === SEAL_ISSUANCE_REFUSED
      )) {
        throw err;
      }
      state = sealFailed(state, err.cause.message, now());
      await activities.recordApplicationOutcome({
        applicationId: input.applicationId,
        status: 'failed',
        reason: err.cause.message,
      });
    }
  } else {
    await activities.recordApplicationOutcome({
      applicationId: input.applicationId,
      status: 'rejected',
      reason: state.outcomeReason ?? '',
    });
  }
  await activities.notifyApplicantOfOutcome({ applicationId: input.applicationId });
  await allHandlersFinished();
  return state;
}

function openTask(input: SealApplicationInput, level: number): Promise<void> {
  return activities.openReviewTask({
    applicationId: input.applicationId,
    workflowId: sealApplicationWorkflowId(input.applicationId),
    taskId: reviewTaskId(input.applicationId, level),
    level,
    reviewer: input.chain[level]!,
    sealName: input.sealName,
    organisationName: input.organisationName,
  });
}
