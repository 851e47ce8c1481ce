/**
 * Supervision (issue 14, LM-9, LM-28, LM-30): announced cases (`POST /api/cases`, `GET /api/cases/:caseId`), the
 * management unit's findings (`GET /api/supervision/findings`), runs, simulated requests and random samples
 * (`/api/supervision/…`), and rectification orders
 * (`/api/rectification-orders`).
 */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import { notFound } from '../errors';
import type { AnnouncedCaseService } from '../services/announced-cases';
import type { RandomCheckService } from '../services/random-checks';
import type { RandomSampleService } from '../services/random-samples';
import {
  RECTIFICATION_DECISIONS,
  RectificationDecision,
  type RectificationOrderService,
} from '../services/rectification-orders';
import type { SupervisionFindingService } from '../services/supervision-findings';

export function supervisionRoutes(
  ctx: AppContext,
  cases: AnnouncedCaseService,
  findings: SupervisionFindingService,
  orders: RectificationOrderService,
  samples: RandomSampleService,
  checks: RandomCheckService,
): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });

  router.post('/cases', auth, async (req, res) => {
    const answer = await cases.announce(requirePrincipal(req), req.body, requestMeta(req));
    res
      .status(answer.status)
      .location(`/api/cases/${encodeURIComponent(answer.body.caseId)}`)
      .json(answer.body);
  });

  router.get('/cases/:caseId', auth, async (req, res) => {
    res.json(await cases.view(requirePrincipal(req), String(req.params.caseId)));
  });

  router.get('/supervision/findings', auth, async (req, res) => {
    res.json(await findings.list(requirePrincipal(req), req.query));
  });

  router.post('/supervision/findings/:id/dismiss', auth, async (req, res) => {
    res.json(
      await findings.dismiss(requirePrincipal(req), String(req.params.id), req.body, requestMeta(req)),
    );
  });

  router.post('/supervision/runs', auth, async (req, res) => {
    res.json(await findings.run(requirePrincipal(req), requestMeta(req)));
  });

  router.post('/supervision/simulated-requests', auth, async (req, res) => {
    res
      .status(201)
      .json(await findings.recordSimulatedRequest(requirePrincipal(req), req.body, requestMeta(req)));
  });

  router.post('/supervision/samples', auth, async (req, res) => {
    res.status(201).json(await samples.draw(requirePrincipal(req), req.body, requestMeta(req)));
  });

  router.post('/supervision/samples/:id/checks', auth, async (req, res) => {
    res
      .status(201)
      .json(await checks.record(requirePrincipal(req), String(req.params.id), req.body, requestMeta(req)));
  });

  router.post('/rectification-orders', auth, async (req, res) => {
    const order = await orders.order(requirePrincipal(req), req.body, requestMeta(req));
    res.status(201).location(`/api/rectification-orders/${order.id}`).json(order);
  });

  router.get('/rectification-orders', auth, async (req, res) => {
    res.json(await orders.list(requirePrincipal(req)));
  });

  router.get('/rectification-orders/:id', auth, async (req, res) => {
    res.json(await orders.view(requirePrincipal(req), String(req.params.id)));
  });

  router.post('/rectification-orders/:id/:decision', auth, async (req, res) => {
    const decision = String(req.params.decision) as RectificationDecision;
    if (!RECTIFICATION_DECISIONS.includes(decision)) throw notFound('接口');
    res.json(await orders.decide(requirePrincipal(req), String(req.params.id), decision, req.body));
  });

  return router;
}
