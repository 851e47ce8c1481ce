/**
 * Seal use (SM-12): each use of a seal is approved like a physical seal's. The request runs the organisation's
 * `seal_use` flow in the approval engine (a child workflow); an approval grants the requester an authorisation
 * for the stated documents, count and window, a rejection or withdrawal is recorded; the requester is told.
 * Signing itself happens later, under the authorisation (usecases/seal-signing.ts).
 */
import { executeChild, patched } from '@temporalio/workflow';
import type { LicenceIssuanceActivities } from '../activities/licence-issuance';
import type { SealUseActivities } from '../activities/seal-use';
import { ApprovalInput, ApprovalOutcome, approvalWorkflowId } from '../domain/approval';
import { approvalWorkflow } from './approval';
import { activityProxies } from './activity-proxies';

const activities = activityProxies<SealUseActivities>();
const licences = activityProxies<Pick<LicenceIssuanceActivities, 'wakeIssuancesAwaitingSeal'>>();

export interface SealUseInput {
  requestId: string;
  /** Built by the API (ApprovalService.buildInput) with the flow snapshot and, for legal-name seals, the authority. */
  approval: ApprovalInput;
}

export async function sealUseWorkflow(input: SealUseInput): Promise<ApprovalOutcome> {
  const outcome = await executeChild(approvalWorkflow, {
    workflowId: approvalWorkflowId('seal_use', input.requestId),
    args: [input.approval],
  });
  if (outcome.status === 'approved') {
    await activities.grantSealUseAuthorisation({
      requestId: input.requestId,
      approvedBy: outcome.finalApprovers,
    });
    // Licence issuances of the unit waiting for an authorisation look again now. Patched, so that a process
    // that granted before this step existed replays as it ran.
    if (patched('wake-licence-issuances')) {
      await licences.wakeIssuancesAwaitingSeal({ requestId: input.requestId });
    }
  } else {
    await activities.recordSealUseOutcome({
      requestId: input.requestId,
      status: outcome.status,
      reason: outcome.reason,
    });
  }
  await activities.notifyRequesterOfSealUseOutcome({ requestId: input.requestId });
  return outcome;
}
