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
import { recordAudit } from '../../db/audit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SEAL_USE_HTTP_STATUS, SealUseError, type SealUseProblemCode } from '../../domain/seal-use';
import { sealSignatureWorkflow } from '../../workflows/signing';
import { SEAL_SIGNATURE_TIMEOUT, SEAL_USE_REFUSED } from '../../workflows/signing-queue';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';

export function sealSignatureWorkflowId(signatureId: string): string {
  return `seal-signature-${signatureId}`;
}

/**
 * Runs one signing workflow on the signing task queue under a fresh signature id and waits seconds for it: a
 * refusal is a SealUseError, no answer in time a 503. Every online signing of the API (a seal signature, a PDF
 * stamp) goes through here.
 */
export async function runOnSigningQueue<Req extends { signatureId: string }, Res>(
  ctx: Pick<AppContext, 'temporal' | 'taskQueue'>,
  workflow: (request: Req) => Promise<Res>,
  workflowIdOf: (signatureId: string) => string,
  request: Omit<Req, 'signatureId'>,
): Promise<Res> {
  const signatureId = randomUUID();
  try {
    return await ctx.temporal.workflow.execute(workflow, {
      taskQueue: ctx.taskQueue,
      workflowId: workflowIdOf(signatureId),
      args: [{ ...request, signatureId } as Req],
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

/** Signs on the signing task queue; a refusal is a SealUseError, no answer in time a 503. */
export function signOnSigningQueue(
  ctx: Pick<AppContext, 'temporal' | 'taskQueue'>,
  request: Omit<SealSignatureRequest, 'signatureId'>,
): Promise<SealSignatureResult> {
  return runOnSigningQueue(ctx, sealSignatureWorkflow, sealSignatureWorkflowId, request);
}

const API_CODE = { 403: 'FORBIDDEN', 409: 'CONFLICT', 422: 'UNPROCESSABLE' } as const;

/** A signing refusal as the API answers it (403/409/422); the signing activity has audited it already. */
export function signingRefusalError(err: SealUseError): ApiError {
  const error = new ApiError(API_CODE[SEAL_USE_HTTP_STATUS[err.code]], err.message, { reason: err.code });
  error.audited = true;
  return error;
}

/** SM-12: only the seal's own organisation uses it; the refusal is audited here, before any signing. */
export async function refuseOtherUnit(
  em: EntityManager,
  principal: Principal,
  sealId: string,
  meta: RequestMeta,
): Promise<never> {
  // SM-12
  const message = '只有印章所属单位的人员可以用印';
  await recordAudit(em, {
    actor: actorOf(principal),
    action: 'seal.sign',
    targetType: 'seal',
    targetId: sealId,
    outcome: 'denied',
    details: { code: 'NOT_SEAL_ORGANISATION', reason: message },
    requestId: meta.requestId,
    ip: meta.ip,
  });
  const error = new ApiError('FORBIDDEN', message, { reason: 'NOT_SEAL_ORGANISATION' });
  error.audited = true;
  throw error;
}
