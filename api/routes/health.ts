/** `GET /health`: whether the database and Temporal answer. Unauthenticated, as load balancers need it. */
import { Router } from 'express';
import type { AppContext } from '../context';
import { checkHealth } from '../services/health';

export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const { database, temporal } = await checkHealth(ctx);
    const ok = database.ok && temporal.ok;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', database, temporal });
  });
  return router;
}
