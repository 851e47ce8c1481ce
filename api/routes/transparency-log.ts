/**
 * Issue 20 Build 1: the transparency log's endpoints. Reading is public (anyone may audit the log, like
 * verification); signing a tree head on demand needs a platform administrator.
 */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { TransparencyLogService } from '../services/transparency-log';

export function transparencyLogRoutes(ctx: AppContext, service: TransparencyLogService): Router {
  const router = Router();
  const signedIn = ctx.auth.middleware({ optional: false });

  router.get('/transparency-log/tree-head', async (_req, res) => {
    res.json(await service.latest());
  });
  router.post('/transparency-log/tree-heads', signedIn, async (req, res) => {
    const answer = await service.signNow(requirePrincipal(req), requestMeta(req));
    if (answer.status === 'signed') res.status(201).json(answer.head);
    else res.status(202).json(answer);
  });
  router.get('/transparency-log/proof/inclusion', async (req, res) => {
    res.json(await service.inclusion({ ...req.query }));
  });
  router.get('/transparency-log/proof/consistency', async (req, res) => {
    res.json(await service.consistency({ ...req.query }));
  });
  router.get('/transparency-log/leaves', async (req, res) => {
    res.json(await service.leaves({ ...req.query }));
  });

  return router;
}
