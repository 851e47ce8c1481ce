/**
 * A using unit's usage list and its requests over JSON (issue 16 Build 5, LM-12, LM-14, LM-15): the list as it
 * stands, the requests decided by the management unit through the approval engine, and one request.
 */
import { Router } from 'express';
import { z } from 'zod';
import { LicenceUsageRequestBody } from '../../domain/licence-usage';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import { IdempotencyKey } from '../services/seal-applications';
import type { LicenceUsageRequestService } from '../services/licence-usage-requests';
import { parse } from '../validation';

const UnitQuery = z.object({ organisationId: z.string().min(1).max(64).optional() }).passthrough();

export function licenceUsageRoutes(ctx: AppContext, service: LicenceUsageRequestService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });

  router.get('/usage-list', auth, async (req, res) => {
    const { organisationId } = parse(UnitQuery, req.query);
    res.json({ items: await service.usageList(requirePrincipal(req), organisationId) });
  });
  router.get('/usage-list-requests', auth, async (req, res) => {
    const { organisationId } = parse(UnitQuery, req.query);
    res.json({ items: await service.requests(requirePrincipal(req), organisationId) });
  });
  router.post('/usage-list-requests', auth, async (req, res) => {
    const principal = requirePrincipal(req);
    const header = req.header('Idempotency-Key');
    const idempotencyKey = header === undefined ? undefined : parse(IdempotencyKey, header);
    const body = parse(LicenceUsageRequestBody, req.body);
    const { request, created } = await service.submit(principal, body, {
      ...requestMeta(req),
      idempotencyKey,
    });
    res
      .status(created ? 201 : 200)
      .location(`/api/usage-list-requests/${request.id}`)
      .json(request);
  });
  router.get('/usage-list-requests/:id', auth, async (req, res) => {
    res.json(await service.requestView(requirePrincipal(req), String(req.params.id)));
  });
  return router;
}
