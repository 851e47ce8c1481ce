/**
 * `POST /api/verify` (LM-19, WP-(二)1): public, no login needed (a signed-in caller is recorded in the audit log).
 * 200 with the DSS-style report for any identifier or document, FAILED and INDETERMINATE included; 400 naming the
 * field when the body is neither `{ identifier }` nor `{ document }`.
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { VerificationService } from '../services/verification';

export function verificationRoutes(ctx: AppContext, service: VerificationService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: true });

  router.post('/verify', auth, async (req, res) => {
    const report = await service.verify(req.body, {
      principal: req.principal,
      requestId: req.requestId,
      ip: req.ip,
      channel: 'api',
    });
    res.json(report);
  });

  return router;
}
