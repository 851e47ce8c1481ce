/**
 * `POST /api/verify` (LM-19, WP-(二)1): public, no login needed (a signed-in caller is recorded in the audit log).
 * 200 with the DSS-style report for any identifier or document, FAILED and INDETERMINATE included; 400 naming the
 * field when the body is neither `{ identifier }` nor `{ document }`.
 */
import type { RequestHandler } from 'express';
import type { AppContext } from '../context';
import { VerificationService } from '../services/verification';

/**
 * The optional sign-in, then the verification. The report is written as it is (JSON, no ETag: a POST's answer is
 * never revalidated, and hashing each report cost more than the write, issue 19 Build 4).
 */
export function verifyHandler(ctx: AppContext, service: VerificationService): RequestHandler[] {
  const auth = ctx.auth.middleware({ optional: true });
  const handler: RequestHandler = async (req, res) => {
    const report = await service.verify(req.body, {
      principal: req.principal,
      requestId: req.requestId,
      ip: req.ip,
      channel: 'api',
    });
    const json = JSON.stringify(report);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(json));
    res.end(json);
  };
  return [auth, handler];
}
