/**
 * A seal's custodian and deputy over JSON (issue 15 Build 5, SM-14): who keeps the seal now with the change
 * history, a change request decided by the unit leader through the approval engine, and one request.
 */
import { Router } from 'express';
import { SealCustodianChangeBody } from '../../domain/seal-custodian';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import { IdempotencyKey } from '../services/seal-applications';
import type { SealCustodianService } from '../services/seal-custodians';
import { parse } from '../validation';

export function sealCustodianRoutes(ctx: AppContext, service: SealCustodianService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });

  router.get('/seals/:id/custodians', auth, async (req, res) => {
    res.json(await service.ofSeal(requirePrincipal(req), String(req.params.id)));
  });
  router.post('/seals/:id/custodian-changes', auth, async (req, res) => {
    const principal = requirePrincipal(req);
    const header = req.header('Idempotency-Key');
    const idempotencyKey = header === undefined ? undefined : parse(IdempotencyKey, header);
    const body = parse(SealCustodianChangeBody, req.body);
    const { request, created } = await service.submit(principal, String(req.params.id), body, {
      ...requestMeta(req),
      idempotencyKey,
    });
    res
      .status(created ? 201 : 200)
      .location(`/api/seal-custodian-changes/${request.id}`)
      .json(request);
  });
  router.get('/seal-custodian-changes/:id', auth, async (req, res) => {
    res.json(await service.requestView(requirePrincipal(req), String(req.params.id)));
  });
  return router;
}
