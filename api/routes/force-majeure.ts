/**
 * Force-majeure incidents (issue 13 Build 4, LM-11): the issuing unit's report and clearance, the management
 * unit's acknowledgement, the list and one incident. All need a login; access is checked by the service.
 */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { notFound } from '../errors';
import { requestMeta } from '../principal';
import type { ForceMajeureService } from '../services/force-majeure';

export function forceMajeureRoutes(ctx: AppContext, service: ForceMajeureService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });

  router.post('/force-majeure-incidents', auth, async (req, res) => {
    const incident = await service.report(requirePrincipal(req), req.body, requestMeta(req));
    res.status(201).location(`/api/force-majeure-incidents/${incident.id}`).json(incident);
  });

  router.get('/force-majeure-incidents', auth, async (req, res) => {
    res.json(await service.list(requirePrincipal(req)));
  });

  router.get('/force-majeure-incidents/:id', auth, async (req, res) => {
    res.json(await service.view(requirePrincipal(req), String(req.params.id)));
  });

  router.post('/force-majeure-incidents/:id/:decision', auth, async (req, res) => {
    const decision = String(req.params.decision);
    if (decision !== 'clear' && decision !== 'acknowledge') throw notFound('接口');
    res.json(await service.decide(requirePrincipal(req), String(req.params.id), decision, req.body));
  });

  return router;
}
