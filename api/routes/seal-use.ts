/**
 * Seal use over JSON (SM-12): requests and their approval, authorisations, signing under an authorisation and the
 * seal's signatures. Signing answers 201 with the GB/T 38540-style record, or 403/409/422 with the refusal's
 * machine code in `details.reason` (see api/services/seal-use.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import { SealSignBody, sealUseRequestBodyAt } from '../../domain/seal-use-schema';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { IdempotencyKey } from '../services/seal-applications';
import { SealUseService } from '../services/seal-use';
import { parse } from '../validation';
import { requestMeta } from '../principal';

const SealFilter = z.object({ sealId: z.string().trim().min(1).max(100).optional() }).strict();

export function sealUseRoutes(ctx: AppContext, service: SealUseService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  router.use(auth);

  router.post('/seal-use-requests', async (req, res) => {
    const principal = requirePrincipal(req);
    const key = req.header('Idempotency-Key');
    const idempotencyKey = key === undefined ? undefined : parse(IdempotencyKey, key);
    const body = parse(sealUseRequestBodyAt(new Date()), req.body);
    const { request, created } = await service.submit(principal, body, {
      ...requestMeta(req),
      idempotencyKey,
    });
    res
      .status(created ? 201 : 200)
      .location(`/api/seal-use-requests/${request.id}`)
      .json(request);
  });

  router.get('/seal-use-requests', async (req, res) => {
    const filter = parse(SealFilter, req.query);
    const list = await service.list(requirePrincipal(req), filter);
    res.json({
      items: list.map((r) => ({
        id: r.id,
        sealId: r.sealId,
        applicantId: r.applicantId,
        documents: r.documents,
        maxUses: r.maxUses,
        validFrom: r.validFrom.toISOString(),
        validTo: r.validTo.toISOString(),
        status: r.status,
        approvalWorkflowId: r.approvalWorkflowId,
        createdAt: r.createdAt.toISOString(),
        decidedAt: r.decidedAt?.toISOString() ?? null,
      })),
    });
  });

  router.get('/seal-use-requests/:id', async (req, res) => {
    res.json(await service.view(requirePrincipal(req), req.params.id));
  });

  router.get('/seal-use-authorisations', async (req, res) => {
    const filter = parse(SealFilter, req.query);
    res.json({ items: await service.ownAuthorisations(requirePrincipal(req), filter) });
  });

  router.post('/seals/:id/sign', async (req, res) => {
    const principal = requirePrincipal(req);
    const body = parse(SealSignBody, req.body);
    const signed = await service.sign(principal, req.params.id, body, requestMeta(req));
    res.status(201).json(signed);
  });

  router.get('/seals/:id/signatures', async (req, res) => {
    res.json({ items: await service.signatures(requirePrincipal(req), req.params.id) });
  });

  return router;
}
