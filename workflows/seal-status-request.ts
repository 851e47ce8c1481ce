/**
 * A seal status request (issue 12 Build 5): the cancellation of a seal (SM-15) or the handling of a lost one
 * (SM-16, cancel or restore), decided by the approval engine under the seal organisation's flow (by default the
 * seal management department). Approved, the seal's status changes — a cancellation from its stated time, waiting
 * for it when it lies ahead (a durable timer); a renewal (SM-8) gets a new certificate and a new seal version with
 * the same code; rejected or withdrawn, the seal stays as it is.
 */
import { executeChild, sleep } from '@temporalio/workflow';
import type { SealStatusActivities } from '../activities/seal-status';
import { ApprovalInput, ApprovalOutcome, approvalWorkflowId } from '../domain/approval';
import type { SealRequestProcessKind } from '../domain/seal-status';
import { approvalWorkflow } from './approval';
import { signingActivities } from './signing';
import { activityProxies } from './activity-proxies';

const activities = activityProxies<SealStatusActivities>();

export interface SealStatusRequestInput {
  requestId: string;
  processKind: SealRequestProcessKind;
  /** ISO time the change takes effect; null: when approved. */
  effectiveFrom: string | null;
  approval: ApprovalInput;
}

export async function sealStatusRequestWorkflow(
  input: SealStatusRequestInput,
): Promise<ApprovalOutcome & { refused: string | null }> {
  const outcome = await executeChild(approvalWorkflow, {
    workflowId: approvalWorkflowId(input.processKind, input.requestId),
    args: [input.approval],
  });
  if (outcome.status !== 'approved') {
    await activities.recordSealStatusDecision({
      requestId: input.requestId,
      status: outcome.status === 'withdrawn' ? 'withdrawn' : 'rejected',
      reason: outcome.reason,
    });
    return { ...outcome, refused: null };
  }
  await activities.recordSealStatusDecision({ requestId: input.requestId, status: 'approved', reason: null });
  if (input.processKind === 'seal_renewal') {
    // SM-8: a new certificate and a new seal version, signed by the CA — on the signing task queue.
    const { refused } = await signingActivities().renewSeal({ requestId: input.requestId });
    return { ...outcome, refused };
  }
  const wait = input.effectiveFrom ? Date.parse(input.effectiveFrom) - Date.now() : 0;
  if (wait > 0) await sleep(wait);
  const { refused } = await activities.applySealStatusRequest({
    requestId: input.requestId,
    approvedBy: outcome.finalApprovers,
  });
  return { ...outcome, refused };
}
