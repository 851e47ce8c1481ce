/**
 * Test-only workflows for the time-skipping server (test/integration/time-skipping.test.ts): a decision awaited
 * until a deadline days away, as a review step waits for its working-day deadline, and a parent whose child sleeps.
 */
import {
  condition,
  defineUpdate,
  executeChild,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  CurrentAssignees,
  ProcessKind,
  ProcessStatus,
  StepDueAt,
} from '../../../workflows/search-attributes';

export interface DeadlineActivities {
  /** Records that the deadline passed; returns what it recorded. */
  deadlinePassed(workflowId: string, dueAt: string): Promise<string>;
}

const { deadlinePassed } = proxyActivities<DeadlineActivities>({ startToCloseTimeout: '1 minute' });

export const decide = defineUpdate<string, [string]>('decide');

export interface DeadlineOutcome {
  outcome: string;
  startedAt: string;
  finishedAt: string;
}

/** Waits for a decision (an update) until `dueAt`; if the deadline comes first, an activity records it. */
export async function deadlineWorkflow(dueAt: string): Promise<DeadlineOutcome> {
  const startedAt = new Date();
  let decision: string | undefined;
  setHandler(decide, (value) => {
    decision = value;
    return `decided: ${value}`;
  });
  upsertSearchAttributes([
    { key: ProcessKind, value: 'timer-test' },
    { key: ProcessStatus, value: 'waiting' },
    { key: CurrentAssignees, value: ['reviewer-a', 'reviewer-b'] },
    { key: StepDueAt, value: new Date(dueAt) },
  ]);
  const decided = await condition(() => decision !== undefined, new Date(dueAt).getTime() - Date.now());
  const outcome = decided ? decision! : await deadlinePassed(workflowInfo().workflowId, dueAt);
  upsertSearchAttributes([{ key: ProcessStatus, value: decided ? 'decided' : 'overdue' }]);
  return { outcome, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString() };
}

export async function sleepingChild(duration: string): Promise<string> {
  await sleep(duration);
  return `slept ${duration}`;
}

export async function parentWorkflow(duration: string): Promise<string> {
  return await executeChild(sleepingChild, { args: [duration] });
}
