/** Issue 12 Build 6 (LM-8): the data-exchange reconciliation and resend, for the management unit. */
import { Router } from 'express';
import type { AppContext } from '../context';
import { requirePrincipal } from '../auth';
import { requestMeta } from '../principal';
import type { ExchangeService } from '../services/exchange';

export function exchangeRoutes(ctx: AppContext, service: ExchangeService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  router.use('/exchange', auth);

  router.get('/exchange/reconciliation', async (req, res) => {
    res.json(await service.reconciliation(requirePrincipal(req), req.query, requestMeta(req)));
  });

  router.post('/exchange/resend', async (req, res) => {
    res.status(202).json(await service.resend(requirePrincipal(req), req.body, requestMeta(req)));
  });

  return router;
}
