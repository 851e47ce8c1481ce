/** Issue 15 Build 3: the unit leader's decision on a leaving person's standing licence-signing authorisation. */
import { Router } from 'express';
import { SealUseHandoverDecisionBody } from '../../domain/seal-use-schema';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { SealUseHandoverService } from '../services/seal-use-handovers';
import { parse } from '../validation';

export function sealUseHandoverRoutes(ctx: AppContext, service: SealUseHandoverService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  router.post('/seal-use-handovers/:id/decision', auth, async (req, res) => {
    const body = parse(SealUseHandoverDecisionBody, req.body);
    res.json(await service.decide(requirePrincipal(req), String(req.params.id), body, requestMeta(req)));
  });
  return router;
}
