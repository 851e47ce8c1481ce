/**
 * Issue 20 Build 3: the trust list over JSON. Reading needs a platform administrator or an auditor; importing and
 * removing anchors a platform administrator of the city's top management unit (api/services/trust-list.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { TrustListService } from '../services/trust-list';
import { parse } from '../validation';

const ListQuery = z
  .object({ removed: z.enum(['true', 'false'], { message: '应为 true 或 false' }).optional() })
  .strict();
const IdPath = z.object({ id: z.uuid({ message: '应为信任锚的编号（UUID）' }) });

export function trustListRoutes(ctx: AppContext, service: TrustListService): Router {
  const router = Router();
  const signedIn = ctx.auth.middleware({ optional: false });

  router.get('/trust-anchors', signedIn, async (req, res) => {
    const q = parse(ListQuery, { ...req.query });
    res.json(await service.list(requirePrincipal(req), { removed: q.removed === 'true' }));
  });
  router.post('/trust-anchors', signedIn, async (req, res) => {
    res.status(201).json(await service.import(requirePrincipal(req), req.body, requestMeta(req)));
  });
  router.delete('/trust-anchors/:id', signedIn, async (req, res) => {
    const { id } = parse(IdPath, { id: req.params.id });
    res.json(await service.remove(requirePrincipal(req), id, requestMeta(req)));
  });

  return router;
}
