/**
 * Issue 18 Build 2, PAdES B-LT: the validation data a stamp embeds (pki/pades-dss.ts) — the certificates of the
 * signer, the CA and the timestamp authority, the OCSP response for the signer's certificate and the CA's current
 * CRL. The responses are signed with the CA's key, so the signing worker makes them in one activity
 * (workflows/pdf-signing.ts stampValidationDataWorkflow); the API asks just before it prepares the PDF.
 */
import { randomUUID } from 'node:crypto';
import { pemToDer } from '../../pki/cms';
import type { ValidationData } from '../../pki/pades-dss';
import { stampValidationDataWorkflow } from '../../workflows/pdf-signing';
import { SEAL_SIGNATURE_TIMEOUT } from '../../workflows/signing-queue';
import type { AppContext } from '../context';
import { ApiError } from '../errors';

/** Not answered in time (the signing worker down or overloaded): 503, and nothing was signed. */
export async function validationDataFor(ctx: AppContext, certificateId: string): Promise<ValidationData> {
  try {
    const data = await ctx.temporal.workflow.execute(stampValidationDataWorkflow, {
      taskQueue: ctx.taskQueue,
      workflowId: `stamp-validation-data-${randomUUID()}`,
      workflowRunTimeout: SEAL_SIGNATURE_TIMEOUT,
      args: [certificateId],
    });
    return {
      certificates: data.certificates.map(pemToDer),
      ocspResponses: [Buffer.from(data.ocsp, 'base64')],
      crls: [Buffer.from(data.crl, 'base64')],
    };
  } catch {
    throw new ApiError('UNAVAILABLE', '证书状态服务暂时不可用，请稍后重试');
  }
}
