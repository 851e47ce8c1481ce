/**
 * Issue 15 Build 4: a reorganisation (机构改革), one durable workflow `reorganisation-<id>`. The successor is
 * created and the predecessor closed (staff move with it), the successor's certificate is issued by the CA
 * (SM-5(1)), the predecessor's seals are cancelled with the reorganisation as proof (SM-15), its licence types get
 * new catalogue versions naming the successor (LM-7), and every approval process holding its open tasks is told
 * to move them to the successor's group of the same role. Every step is idempotent; a restart resumes.
 */
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import type { ReorganisationActivities, ReorganisationStep } from '../activities/reorganisation';
import { activityProxies } from './activity-proxies';
import { moveUnitTasksSignal } from './approval-messages';
import { signingActivities } from './signing';

const activities = activityProxies<ReorganisationActivities>();

export interface ReorganisationInput extends ReorganisationStep {
  predecessorId: string;
  successorName: string;
}

export interface ReorganisationResult {
  successorId: string;
  certificateId: string | null;
  certificateRefused: string | null;
  sealsCancelled: number;
  licenceTypes: string[];
  processesMoved: number;
}

export async function reorganisationWorkflow(input: ReorganisationInput): Promise<ReorganisationResult> {
  const step = { reorganisationId: input.reorganisationId, actor: input.actor };
  const successorId = await activities.createSuccessor(step);
  const requestId = await activities.requestSuccessorCertificate(step);
  const certificate = await signingActivities().carryOutCertificateRequest({ requestId });
  const sealsCancelled = await activities.cancelPredecessorSeals(step);
  const licenceTypes = await activities.moveLicenceTypes(step);
  const processes = await activities.approvalsWithTasksOf({ organisationId: input.predecessorId });
  let processesMoved = 0;
  for (const workflowId of processes) {
    try {
      await getExternalWorkflowHandle(workflowId).signal(moveUnitTasksSignal, {
        fromOrganisationId: input.predecessorId,
        toOrganisationId: successorId,
        toOrganisationName: input.successorName,
      });
      processesMoved++;
    } catch (err) {
      // The process ended meanwhile: its tasks are closed anyway.
      log.info('approval no longer running', { workflowId, error: String(err) });
    }
  }
  const result: ReorganisationResult = {
    successorId,
    certificateId: certificate.certificateId,
    certificateRefused: certificate.refused,
    sealsCancelled,
    licenceTypes,
    processesMoved,
  };
  await activities.finishReorganisation({ ...step, summary: { ...result } });
  return result;
}
