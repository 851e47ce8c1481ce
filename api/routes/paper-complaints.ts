/**
 * `POST /api/paper-complaints` (issue 14 Build 2.5, LM-28): anyone may complain that a unit demanded a paper
 * licence; throttled per address (api/rate-limits.ts, `complaints`), audited. Signed-in callers are recorded.
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { PaperComplaintService } from '../services/paper-complaints';

export function paperComplaintRoutes(ctx: AppContext, service: PaperComplaintService): Router {
  const router = Router();
  const optional = ctx.auth.middleware({ optional: true });
  router.post('/paper-complaints', optional, async (req, res) => {
    const receipt = await service.raise(req.principal ?? null, req.body, requestMeta(req));
    res.status(201).json(receipt);
  });
  return router;
}
