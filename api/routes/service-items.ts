/**
 * Service items over JSON (issue 16 Build 7, WP-(一)1, LM-15): public, like the verification endpoints, and rate
 * limited per address (api/app.ts).
 */
import { Router } from 'express';
import type { ServiceItemService } from '../services/service-items';

export function serviceItemRoutes(items: ServiceItemService): Router {
  const router = Router();
  router.get('/service-items', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json({ items: await items.list() });
  });
  router.get('/service-items/:code', async (req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(await items.get(String(req.params.code)));
  });
  return router;
}
