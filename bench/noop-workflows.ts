/**
 * The benchmark's baselines on Temporal itself (bundled apart from the platform's workflows): a workflow that runs
 * one activity doing nothing, and a workflow whose update does nothing but answer — what the server and the SDK
 * cost before the platform adds anything.
 */
import { condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export interface NoopActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });

export async function noopWorkflow(): Promise<void> {
  await noop();
}

export const stepUpdate = defineUpdate<number, [number]>('step');
export const finishSignal = defineSignal('finish');

/** Answers each update at once with its argument; ends on the signal. */
export async function updateBaselineWorkflow(): Promise<void> {
  let finished = false;
  setHandler(stepUpdate, (n) => n);
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
}
