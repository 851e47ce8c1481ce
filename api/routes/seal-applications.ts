/** Seal applications and seals over JSON (SM-5 … SM-8); their review tasks are the approval engine's. */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { IdempotencyKey, SealApplicationBody, SealApplicationService } from '../services/seal-applications';
import { SealService } from '../services/seals';
import { parse } from '../validation';
import { requestMeta } from '../principal';

export function sealRoutes(ctx: AppContext, service: SealApplicationService, seals: SealService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  router.use(auth);

  router.post('/seal-applications', async (req, res) => {
    const principal = requirePrincipal(req);
    const key = req.header('Idempotency-Key');
    const idempotencyKey = key === undefined ? undefined : parse(IdempotencyKey, key);
    const body = parse(SealApplicationBody, req.body);
    const { application, created } = await service.submit(principal, body, {
      ...requestMeta(req),
      idempotencyKey,
    });
    res
      .status(created ? 201 : 200)
      .location(`/api/seal-applications/${application.id}`)
      .json(application);
  });

  router.get('/seal-applications', async (req, res) => {
    const list = await service.listForOrganisation(requirePrincipal(req));
    res.json({
      items: list.map((a) => ({
        id: a.id,
        kind: a.kind,
        name: a.sealName,
        status: a.status,
        sealId: a.sealId,
        createdAt: a.createdAt.toISOString(),
        decidedAt: a.decidedAt?.toISOString() ?? null,
      })),
    });
  });

  router.get('/seal-applications/:id', async (req, res) => {
    res.json(await service.view(requirePrincipal(req), req.params.id));
  });

  router.get('/seal-applications/:id/imprint', async (req, res) => {
    const imprint = await service.imprint(requirePrincipal(req), req.params.id);
    sendImage(res, imprint);
  });

  router.get('/seals', async (req, res) => {
    const list = await seals.sealsOfOrganisation(requirePrincipal(req));
    res.json({
      items: list.map((s) => ({
        id: s.id,
        esId: s.esId,
        kind: s.kind,
        name: s.name,
        status: s.status,
        validFrom: s.validFrom.toISOString(),
        validTo: s.validTo.toISOString(),
      })),
    });
  });

  router.get('/seals/:id', async (req, res) => {
    res.json(await seals.seal(requirePrincipal(req), req.params.id));
  });

  router.get('/seals/:id/imprint', async (req, res) => {
    sendImage(res, await seals.sealImprint(requirePrincipal(req), req.params.id));
  });

  return router;
}

/** Imprints are user-supplied: SVG is served so that no script in it can ever run, even if opened directly. */
export function sendImage(
  res: import('express').Response,
  image: { mediaType: string; bytes: Buffer },
): void {
  res
    .type(image.mediaType)
    .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    .set('X-Content-Type-Options', 'nosniff')
    .set('Cache-Control', 'private, max-age=300')
    .send(image.bytes);
}
