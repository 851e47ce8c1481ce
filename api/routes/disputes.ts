/**
 * Disputes (issue 13, LM-23). `POST /api/licenses/:identifier/disputes` is open to anyone (throttled per address,
 * api/rate-limits.ts): a signed-in holder or using unit's verifier, or an anonymous person who leaves a contact.
 * The rest needs a login: the dispute (`GET /api/disputes/:id`), the issuing unit's list (`GET /api/disputes`),
 * the decisions (`POST /api/disputes/:id/mark|answer|request-material|withdraw`) and the management unit's view
 * (`GET /api/supervision/disputes`).
 */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { notFound } from '../errors';
import { requestMeta } from '../principal';
import { DisputeDecision, DisputeService } from '../services/disputes';

const DECISIONS: readonly DisputeDecision[] = ['mark', 'answer', 'request-material', 'withdraw'];

export function disputeRoutes(ctx: AppContext, service: DisputeService): Router {
  const router = Router();
  const optional = ctx.auth.middleware({ optional: true });
  const auth = ctx.auth.middleware({ optional: false });

  router.post('/licenses/:identifier/disputes', optional, async (req, res) => {
    const receipt = await service.raise(
      req.principal ?? null,
      String(req.params.identifier),
      req.body,
      requestMeta(req),
    );
    res.status(201).location(`/api/disputes/${receipt.id}`).json(receipt);
  });

  router.get('/disputes', auth, async (req, res) => {
    res.json(await service.listForUnit(requirePrincipal(req)));
  });

  router.get('/disputes/:id', auth, async (req, res) => {
    res.json(await service.view(requirePrincipal(req), String(req.params.id)));
  });

  router.post('/disputes/:id/:decision', auth, async (req, res) => {
    const decision = String(req.params.decision) as DisputeDecision;
    if (!DECISIONS.includes(decision)) throw notFound('接口');
    res.json(
      await service.decide(
        requirePrincipal(req),
        String(req.params.id),
        decision,
        req.body,
        requestMeta(req),
      ),
    );
  });

  router.get('/supervision/disputes', auth, async (req, res) => {
    res.json(await service.supervision(requirePrincipal(req)));
  });

  return router;
}
