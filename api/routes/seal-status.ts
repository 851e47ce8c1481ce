/**
 * A seal's status over JSON (issue 12 Build 5): the public status by seal code (no login), the loss reported at
 * once (SM-16), the cancellation or loss-handling requests decided by the approval engine (SM-15, SM-16), and the
 * status history.
 */
import { Router } from 'express';
import { SealLossReportBody, SealStatusRequestBody } from '../../domain/seal-status';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { IdempotencyKey } from '../services/seal-applications';
import type { SealStatusService } from '../services/seal-status';
import { parse } from '../validation';
import { requestMeta } from '../principal';

function idempotencyKeyOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : parse(IdempotencyKey, header);
}

/** Public: anyone may look up a seal's status (SM-15, SM-16). Mounted before the routers that require a login. */
export function publicSealStatusRoutes(service: SealStatusService): Router {
  const router = Router();
  router.get('/public/seals/:code', async (req, res) => {
    res.json(await service.publicStatus(req.params.code));
  });
  return router;
}

export function sealStatusRoutes(ctx: AppContext, service: SealStatusService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  const only = ['/seals/:id/loss', '/seals/:id/status-history', '/seals/:id/status-requests'];
  router.use([...only, '/seal-status-requests', '/seal-status-requests/:id'], auth);

  router.post('/seals/:id/loss', async (req, res) => {
    const principal = requirePrincipal(req);
    const idempotencyKey = idempotencyKeyOf(req.header('Idempotency-Key'));
    const body = parse(SealLossReportBody, req.body);
    res.json(
      await service.reportLoss(principal, req.params.id, body, { ...requestMeta(req), idempotencyKey }),
    );
  });

  router.get('/seals/:id/status-history', async (req, res) => {
    const principal = requirePrincipal(req);
    const status = await service.status(principal, req.params.id);
    res.json({ ...status, items: await service.history(principal, req.params.id) });
  });

  router.get('/seals/:id/status-requests', async (req, res) => {
    res.json({ items: await service.requestsForSeal(requirePrincipal(req), req.params.id) });
  });

  router.post('/seal-status-requests', async (req, res) => {
    const principal = requirePrincipal(req);
    const idempotencyKey = idempotencyKeyOf(req.header('Idempotency-Key'));
    const body = parse(SealStatusRequestBody, req.body);
    const { request, created } = await service.submitRequest(principal, body, {
      ...requestMeta(req),
      idempotencyKey,
    });
    res
      .status(created ? 201 : 200)
      .location(`/api/seal-status-requests/${request.id}`)
      .json(request);
  });

  router.get('/seal-status-requests/:id', async (req, res) => {
    res.json(await service.requestView(requirePrincipal(req), req.params.id));
  });

  return router;
}
