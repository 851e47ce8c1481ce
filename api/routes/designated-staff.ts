/**
 * Designated staff (LM-24): `GET|PUT /api/organisations/:id/designated-staff` (current and history; naming them)
 * and the management unit's list of units without one, `GET /api/supervision/designated-staff-missing`.
 */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { DesignatedStaffService } from '../services/designated-staff';

export function designatedStaffRoutes(ctx: AppContext, service: DesignatedStaffService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });

  router.get('/organisations/:id/designated-staff', auth, async (req, res) => {
    res.json(await service.get(requirePrincipal(req), String(req.params.id)));
  });

  router.put('/organisations/:id/designated-staff', auth, async (req, res) => {
    res.json(await service.put(requirePrincipal(req), String(req.params.id), req.body, requestMeta(req)));
  });

  router.get('/supervision/designated-staff-missing', auth, async (req, res) => {
    res.json(await service.missing(requirePrincipal(req)));
  });

  return router;
}
