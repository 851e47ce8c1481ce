/**
 * Seal application (SM-5 … SM-8): the review runs as an approval child workflow under the organisation's seal
 * application flow (by default county → city → province seal management departments); after approval the seal is
 * made and bound to the organisation certificate; the applicant is told the outcome either way.
 */
import { ActivityFailure, ApplicationFailure, executeChild, setHandler } from '@temporalio/workflow';
import type { SealApplicationActivities } from '../activities/seal-application';
import {
  reviewed,
  SEAL_ISSUANCE_REFUSED,
  SealApplicationInput,
  SealApplicationState,
  sealFailed,
  sealMade,
  startProcess,
} from '../domain/seal-application';
import { approvalWorkflow } from './approval';
import { stateQuery } from './seal-application-messages';
import { activityProxies } from './activity-proxies';
import { signingActivities } from './signing';

const activities = activityProxies<SealApplicationActivities>();

export async function sealApplicationWorkflow(input: SealApplicationInput): Promise<SealApplicationState> {
  let state = startProcess(input);
  setHandler(stateQuery, () => state);

  // Review (SM-5(3)), by the approval engine.
  const outcome = await executeChild(approvalWorkflow, {
    workflowId: input.approval.processKey,
    args: [input.approval],
  });
  state = reviewed(state, outcome);

  // Outcome: make the seal after the last approval (SM-7 checks inside), or record why not.
  if (state.stage === 'making_seal') {
    try {
      const { sealId } = await signingActivities().makeSeal({ applicationId: input.applicationId });
      state = sealMade(state, sealId);
    } catch (err) {
      if (!(
        err instanceof ActivityFailure &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === SEAL_ISSUANCE_REFUSED
      )) {
        throw err;
      }
      state = sealFailed(state, err.cause.message);
    }
  }
  if (state.status !== 'approved') {
    await activities.recordApplicationOutcome({
      applicationId: input.applicationId,
      status: state.status as 'rejected' | 'failed' | 'withdrawn',
      reason: state.outcomeReason ?? '',
    });
  }
  await activities.notifyApplicantOfOutcome({ applicationId: input.applicationId });
  return state;
}
