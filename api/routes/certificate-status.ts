/**
 * Issue 18 Build 2: the status of the certificates the platform CA issued, public as relying parties need it (no
 * sign-in, like the verification endpoints): `GET /api/pki/crl` (DER, application/pkix-crl) and
 * `POST /api/pki/ocsp` (RFC 6960 over HTTP: a DER request, a DER response). Both are signed with the CA's key, so
 * the signing worker makes them (workflows/pdf-signing.ts); the API relays.
 */
import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { crlWorkflow, ocspWorkflow } from '../../workflows/pdf-signing';
import { SEAL_SIGNATURE_TIMEOUT } from '../../workflows/signing-queue';
import type { AppContext } from '../context';
import { ApiError, badRequest } from '../errors';

/** RFC 6960's media type, and plain bytes for clients that send no specific type. */
const OCSP_REQUEST_TYPES = ['application/ocsp-request', 'application/octet-stream'];

export function certificateStatusRoutes(ctx: AppContext): Router {
  const router = Router();
  const run = async <T>(workflow: () => Promise<T>): Promise<T> => {
    try {
      return await workflow();
    } catch {
      throw new ApiError('UNAVAILABLE', '证书状态服务暂时不可用，请稍后重试');
    }
  };
  const options = (kind: string) => ({
    taskQueue: ctx.taskQueue,
    workflowId: `${kind}-${randomUUID()}`,
    workflowRunTimeout: SEAL_SIGNATURE_TIMEOUT,
  });

  router.get('/pki/crl', async (_req, res) => {
    const crl = await run(() => ctx.temporal.workflow.execute(crlWorkflow, { ...options('crl'), args: [] }));
    res
      .type('application/pkix-crl')
      .set('Cache-Control', 'public, max-age=300')
      .send(Buffer.from(crl, 'base64'));
  });

  router.post('/pki/ocsp', express.raw({ type: OCSP_REQUEST_TYPES, limit: '16kb' }), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      const message = '请求体须为 DER 编码的 OCSP 请求（Content-Type: application/ocsp-request）';
      throw badRequest([{ field: 'body', rule: 'ocsp_request', message }]);
    }
    const requestDer = (req.body as Buffer).toString('base64');
    const answer = await run(() =>
      ctx.temporal.workflow.execute(ocspWorkflow, { ...options('ocsp'), args: [requestDer] }),
    );
    res.type('application/ocsp-response').send(Buffer.from(answer, 'base64'));
  });

  return router;
}
