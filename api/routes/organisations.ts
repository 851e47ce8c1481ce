/**
 * Organisations and people kept in the platform (issue 15): the jurisdiction's tree, a unit's record with its
 * history, creating, editing and closing units; a unit's people, adding, editing, moving and deactivating them;
 * reorganising a unit into its successor.
 */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { OrganisationRegistryService } from '../services/organisation-registry';
import type { PeopleService } from '../services/people';
import type { ReorganisationService } from '../services/reorganisations';

export function organisationRoutes(
  ctx: AppContext,
  registry: OrganisationRegistryService,
  people: PeopleService,
  reorganisations: ReorganisationService,
): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });

  router.get('/organisation-tree', auth, async (req, res) => {
    res.json(await registry.tree(requirePrincipal(req)));
  });
  router.post('/organisations', auth, async (req, res) => {
    res.status(201).json(await registry.create(requirePrincipal(req), req.body, requestMeta(req)));
  });
  router.get('/organisations/:id', auth, async (req, res) => {
    res.json(await registry.get(requirePrincipal(req), String(req.params.id)));
  });
  router.patch('/organisations/:id', auth, async (req, res) => {
    res.json(await registry.update(requirePrincipal(req), String(req.params.id), req.body, requestMeta(req)));
  });
  router.post('/organisations/:id/close', auth, async (req, res) => {
    res.json(await registry.close(requirePrincipal(req), String(req.params.id), req.body, requestMeta(req)));
  });

  router.get('/organisations/:id/people', auth, async (req, res) => {
    res.json(await people.list(requirePrincipal(req), String(req.params.id)));
  });
  router.post('/organisations/:id/people', auth, async (req, res) => {
    const principal = requirePrincipal(req);
    res.status(201).json(await people.create(principal, String(req.params.id), req.body, requestMeta(req)));
  });
  router.get('/people/:id', auth, async (req, res) => {
    res.json(await people.get(requirePrincipal(req), String(req.params.id)));
  });
  router.patch('/people/:id', auth, async (req, res) => {
    res.json(await people.update(requirePrincipal(req), String(req.params.id), req.body, requestMeta(req)));
  });
  router.post('/people/:id/deactivate', auth, async (req, res) => {
    res.json(
      await people.deactivate(requirePrincipal(req), String(req.params.id), req.body, requestMeta(req)),
    );
  });

  // Build 4: reorganisations (机构改革).
  router.get('/organisations/:id/reorganisation-preview', auth, async (req, res) => {
    res.json(await reorganisations.preview(requirePrincipal(req), String(req.params.id)));
  });
  router.post('/reorganisations', auth, async (req, res) => {
    res.status(202).json(await reorganisations.start(requirePrincipal(req), req.body, requestMeta(req)));
  });
  router.get('/reorganisations/:id', auth, async (req, res) => {
    res.json(await reorganisations.get(requirePrincipal(req), String(req.params.id)));
  });

  return router;
}
