/**
 * An organisation certificate request (issue 12 Build 5, SM-5(1), SM-6): an application, a renewal or a revocation,
 * decided by the approval engine under the organisation's flow of its kind (by default the seal management
 * department of its jurisdiction). Approved, the CA carries it out on the signing task queue; rejected or
 * withdrawn, nothing changes.
 */
import { executeChild } from '@temporalio/workflow';
import type { CertificateRequestActivities } from '../activities/certificate-requests';
import { ApprovalInput, ApprovalOutcome, approvalWorkflowId } from '../domain/approval';
import type { CertificateProcessKind } from '../domain/organisation-certificate';
import { activityProxies } from './activity-proxies';
import { approvalWorkflow } from './approval';
import { signingActivities } from './signing';

const activities = activityProxies<CertificateRequestActivities>();

export interface CertificateRequestInput {
  requestId: string;
  processKind: CertificateProcessKind;
  approval: ApprovalInput;
}

export type CertificateRequestResult = ApprovalOutcome & {
  refused: string | null;
  certificateId: string | null;
};

export async function organisationCertificateRequestWorkflow(
  input: CertificateRequestInput,
): Promise<CertificateRequestResult> {
  const outcome = await executeChild(approvalWorkflow, {
    workflowId: approvalWorkflowId(input.processKind, input.requestId),
    args: [input.approval],
  });
  if (outcome.status !== 'approved') {
    await activities.recordCertificateRequestDecision({
      requestId: input.requestId,
      status: outcome.status === 'withdrawn' ? 'withdrawn' : 'rejected',
      reason: outcome.reason,
    });
    return { ...outcome, refused: null, certificateId: null };
  }
  await activities.recordCertificateRequestDecision({
    requestId: input.requestId,
    status: 'approved',
    reason: null,
  });
  const done = await signingActivities().carryOutCertificateRequest({ requestId: input.requestId });
  return { ...outcome, ...done };
}
