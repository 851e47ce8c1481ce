/**
 * Issue 18 Build 1: the API's way to have a stamp's PAdES signature made on the signing task queue — one activity,
 * started by the API and awaited, like sealSignatureWorkflow (workflows/signing.ts; why a short workflow: see
 * api/services/seal-signing-client.ts).
 */
import type { PdfSignatureRequest, PdfSignatureResult } from '../activities/signing-pdf';
import type { StampValidationData } from '../activities/signing-revocation';
import { signingActivities } from './signing';
import { ONLINE_SIGNING_OPTIONS } from './signing-queue';

export async function pdfSignatureWorkflow(request: PdfSignatureRequest): Promise<PdfSignatureResult> {
  return signingActivities(ONLINE_SIGNING_OPTIONS).signPdfDigest(request);
}

/** Build 2: the CA's current CRL (DER, base64), made on the signing queue. */
export async function crlWorkflow(): Promise<string> {
  return signingActivities(ONLINE_SIGNING_OPTIONS).currentCrl();
}

/** Build 2: the CA's OCSP answer (DER, base64) to a request (DER, base64), made on the signing queue. */
export async function ocspWorkflow(requestDer: string): Promise<string> {
  return signingActivities(ONLINE_SIGNING_OPTIONS).ocspAnswer({ requestDer });
}

/** Build 2, PAdES B-LT: the certificates, OCSP response and CRL a stamp embeds, made on the signing queue. */
export async function stampValidationDataWorkflow(certificateId: string): Promise<StampValidationData> {
  return signingActivities(ONLINE_SIGNING_OPTIONS).stampValidationData({ certificateId });
}
