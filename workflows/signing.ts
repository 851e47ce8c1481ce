/**
 * Issue 11 Build 5: the signing task queue from workflow code. `signingActivities` routes activities to the signing
 * worker (the one that holds the keys); `sealSignatureWorkflow` is the API's way to sign under a seal-use
 * authorisation (SM-12): one activity on that queue, started by the API and awaited.
 */
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { SealSignatureRequest, SealSignatureResult, SigningActivities } from '../activities/signing';
import { LONG_ACTIVITY_OPTIONS } from './activity-options';
import { ONLINE_SIGNING_OPTIONS, signingTaskQueueOf } from './signing-queue';

/**
 * The signing worker's activities, on the signing queue of this workflow's task queue. Call it inside workflow
 * code (it reads the running workflow's task queue). The long ones heartbeat (workflows/activity-options.ts).
 */
export function signingActivities(options: ActivityOptions = LONG_ACTIVITY_OPTIONS) {
  return proxyActivities<SigningActivities>({
    ...options,
    taskQueue: signingTaskQueueOf(workflowInfo().taskQueue),
  });
}

export async function sealSignatureWorkflow(request: SealSignatureRequest): Promise<SealSignatureResult> {
  return signingActivities(ONLINE_SIGNING_OPTIONS).signUnderAuthorisation(request);
}
