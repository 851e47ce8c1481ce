/**
 * The licence catalogue over JSON (LM-6, WP-(一)1-2): published types with their data-item schemas for anyone
 * signed in; drafts, publishing and the face preview for platform administrators of a management unit. Rules,
 * checks and audit live in api/services/licence-types.ts.
 */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { notFound } from '../errors';
import {
  LicenceTypeListQuery,
  LicenceTypeService,
  PreviewBody,
  requireCatalogueAdmin,
  TypeCodeParam,
} from '../services/licence-types';
import { parse } from '../validation';
import { requestMeta } from '../principal';

export function licenceTypeRoutes(ctx: AppContext, service: LicenceTypeService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  /** A malformed code names no type: 404, as an unknown one. */
  const codeOf = (value: unknown): string => {
    const parsed = TypeCodeParam.safeParse(value);
    if (!parsed.success) throw notFound('证照类型');
    return parsed.data;
  };
  router.use('/license-types', auth);

  router.get('/license-types', async (req, res) => {
    const query = parse(LicenceTypeListQuery, req.query);
    const items = await service.listPublished(requirePrincipal(req), {
      issuableByMe: query.issuableByMe === 'true',
    });
    res.json({ items });
  });

  router.post('/license-types', async (req, res) => {
    const created = await service.createDraft(requirePrincipal(req), req.body, requestMeta(req));
    res.status(201).location(`/api/license-types/${created.code}`).json(created);
  });

  // Before '/license-types/:code', which never matches a POST but reads clearer here.
  router.post('/license-types/preview', async (req, res) => {
    const principal = requirePrincipal(req);
    requireCatalogueAdmin(principal); // before the body is looked at: a refusal says nothing about it
    const body = parse(PreviewBody, req.body);
    res.json(await service.preview(principal, body, requestMeta(req)));
  });

  router.get('/license-types/:code', async (req, res) => {
    res.json(await service.detail(requirePrincipal(req), codeOf(req.params.code)));
  });

  router.put('/license-types/:code/draft', async (req, res) => {
    res.json(
      await service.updateDraft(requirePrincipal(req), codeOf(req.params.code), req.body, requestMeta(req)),
    );
  });

  router.delete('/license-types/:code/draft', async (req, res) => {
    await service.discardDraft(requirePrincipal(req), codeOf(req.params.code), requestMeta(req));
    res.status(204).end();
  });

  router.post('/license-types/:code/publish', async (req, res) => {
    res.json(await service.publish(requirePrincipal(req), codeOf(req.params.code), requestMeta(req)));
  });

  return router;
}
