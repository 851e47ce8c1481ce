/**
 * A seal custodian change (issue 15 Build 5, SM-14): decided by the approval engine under the seal unit's
 * `seal_custodian_change` flow (by default its unit leader). Approved, the seal names the new custodian and deputy
 * and the request keeps who held the posts before; rejected or withdrawn, the seal stays as it is.
 */
import { executeChild } from '@temporalio/workflow';
import type { SealCustodianActivities } from '../activities/seal-custodian';
import { ApprovalInput, ApprovalOutcome, approvalWorkflowId } from '../domain/approval';
import { activityProxies } from './activity-proxies';
import { approvalWorkflow } from './approval';

const activities = activityProxies<SealCustodianActivities>();

export interface SealCustodianChangeInput {
  requestId: string;
  approval: ApprovalInput;
}

export async function sealCustodianChangeWorkflow(input: SealCustodianChangeInput): Promise<ApprovalOutcome> {
  const outcome = await executeChild(approvalWorkflow, {
    workflowId: approvalWorkflowId('seal_custodian_change', input.requestId),
    args: [input.approval],
  });
  const status =
    outcome.status === 'approved' ? 'approved' : outcome.status === 'withdrawn' ? 'withdrawn' : 'rejected';
  await activities.recordSealCustodianDecision({
    requestId: input.requestId,
    status,
    reason: status === 'approved' ? null : outcome.reason,
  });
  return outcome;
}
