/** `POST /api/auth/dev-login` (development only) and `GET /api/me`. */
import { Router } from 'express';
import { z } from 'zod';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { parse } from '../validation';

export const DevLoginBody = z.object({ username: z.string().trim().min(1).max(64) }).strict();

export function authRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post('/auth/dev-login', async (req, res) => {
    const { username } = parse(DevLoginBody, req.body);
    const { token } = await ctx.auth.devLogin(username, { via: 'api', requestId: req.requestId, ip: req.ip });
    res.json({ token });
  });
  router.get('/me', ctx.auth.middleware({ optional: false }), (req, res) => {
    res.json(requirePrincipal(req));
  });
  return router;
}
