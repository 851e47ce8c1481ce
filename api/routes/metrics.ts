/**
 * `GET /metrics`: Prometheus metrics (infra/metrics.ts) for operators, not for the public. With METRICS_TOKEN set,
 * only a scraper sending `Authorization: Bearer <METRICS_TOKEN>` gets them; without it, only a client on this
 * machine (loopback, not forwarded by a proxy). Anyone else gets 404, as if there were nothing here.
 */
import { timingSafeEqual } from 'node:crypto';
import { Request, Router } from 'express';
import { registry } from '../../infra/metrics';
import type { AppContext } from '../context';

export function metricsRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (!mayScrape(req, ctx.config.metricsToken)) {
      res.status(404).type('text/plain').send('Not Found');
      return;
    }
    res
      .set('Cache-Control', 'no-store')
      .type(registry.contentType)
      .send(await registry.metrics());
  });
  return router;
}

function mayScrape(req: Request, token: string | undefined): boolean {
  if (token) {
    const sent = Buffer.from(req.header('Authorization') ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    return sent.length === expected.length && timingSafeEqual(sent, expected);
  }
  const address = req.socket.remoteAddress ?? '';
  const loopback = address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
  return loopback && !req.header('X-Forwarded-For') && !req.header('Forwarded');
}
