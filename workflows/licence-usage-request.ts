/**
 * A using unit's usage-list request (issue 16 Build 5, LM-14): decided by the approval engine under the unit's
 * `licence_usage` flow (by default the management unit of its jurisdiction). Approved, the list entry is written;
 * rejected or withdrawn, the list stays as it is.
 */
import { executeChild } from '@temporalio/workflow';
import type { LicenceUsageActivities } from '../activities/licence-usage';
import { ApprovalInput, ApprovalOutcome, approvalWorkflowId } from '../domain/approval';
import { activityProxies } from './activity-proxies';
import { approvalWorkflow } from './approval';

const activities = activityProxies<LicenceUsageActivities>();

export interface LicenceUsageRequestInput {
  requestId: string;
  approval: ApprovalInput;
}

export async function licenceUsageRequestWorkflow(input: LicenceUsageRequestInput): Promise<ApprovalOutcome> {
  const outcome = await executeChild(approvalWorkflow, {
    workflowId: approvalWorkflowId('licence_usage', input.requestId),
    args: [input.approval],
  });
  const status =
    outcome.status === 'approved' ? 'approved' : outcome.status === 'withdrawn' ? 'withdrawn' : 'rejected';
  await activities.recordLicenceUsageDecision({
    requestId: input.requestId,
    status,
    reason: status === 'approved' ? null : outcome.reason,
  });
  return outcome;
}
