/**
 * Issue 11 Build 5: how the API signs under a seal-use authorisation (SM-12) without holding any key — it asks the
 * signing worker through Temporal and waits seconds for the answer.
 *
 * Why a short workflow (workflows/signing.ts sealSignatureWorkflow) and not usecases/durable-request.ts or an
 * Update: nothing is stored before the signing — the signature, the use it consumes and its audit entry are
 * written by the signing activity in one transaction — so there is no row to store first, undo or resume, which is
 * what durable requests are for; and an Update would need a long-running workflow to receive it. The workflow id
 * comes from the signature's id (its business key), chosen here; the activity is idempotent by that id, so a
 * retried attempt finds the signature instead of consuming a second use. The TypeScript SDK cannot run an activity
 * without a workflow.
 */
import { randomUUID } from 'node:crypto';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { SealSignatureRequest, SealSignatureResult } from '../../activities/signing';
import { SealUseError, type SealUseProblemCode } from '../../domain/seal-use';
import { sealSignatureWorkflow } from '../../workflows/signing';
import { SEAL_SIGNATURE_TIMEOUT, SEAL_USE_REFUSED } from '../../workflows/signing-queue';
import type { AppContext } from '../context';
import { ApiError } from '../errors';

export function sealSignatureWorkflowId(signatureId: string): string {
  return `seal-signature-${signatureId}`;
}

/** Signs on the signing task queue; a refusal is a SealUseError, no answer in time a 503. */
export async function signOnSigningQueue(
  ctx: Pick<AppContext, 'temporal' | 'taskQueue'>,
  request: Omit<SealSignatureRequest, 'signatureId'>,
): Promise<SealSignatureResult> {
  const signatureId = randomUUID();
  try {
    return await ctx.temporal.workflow.execute(sealSignatureWorkflow, {
      taskQueue: ctx.taskQueue,
      workflowId: sealSignatureWorkflowId(signatureId),
      args: [{ ...request, signatureId }],
      workflowRunTimeout: SEAL_SIGNATURE_TIMEOUT,
    });
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const refusal = err.cause instanceof ActivityFailure ? err.cause.cause : undefined;
    if (refusal instanceof ApplicationFailure && refusal.type === SEAL_USE_REFUSED) {
      const code = refusal.details?.[0] as SealUseProblemCode;
      throw new SealUseError({ code, message: refusal.message });
    }
    // Timed out (the signing worker is down or overloaded): a signature made meanwhile is stored with the use it
    // consumed and listed among the seal's signatures.
    throw new ApiError('UNAVAILABLE', '签章服务暂时不可用，请稍后重试');
  }
}
