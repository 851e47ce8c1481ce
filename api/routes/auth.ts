/**
 * `POST /api/auth/dev-login` (only with DEV_LOGIN=enabled, only from this machine; otherwise no such route) and
 * `GET /api/me`.
 */
import { Router } from 'express';
import { z } from 'zod';
import { isLoopbackRequest, requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { requestMeta } from '../principal';
import { parse } from '../validation';

export const DevLoginBody = z.object({ username: z.string().trim().min(1).max(64) }).strict();

export function authRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post('/auth/dev-login', async (req, res) => {
    if (!ctx.auth.devLoginEnabled) throw new ApiError('NOT_FOUND', '接口不存在');
    if (!isLoopbackRequest(req)) throw new ApiError('FORBIDDEN', '开发登录只接受本机发起的请求');
    const { username } = parse(DevLoginBody, req.body);
    const { token } = await ctx.auth.devLogin(username, requestMeta(req));
    res.json({ token });
  });
  router.get('/me', ctx.auth.middleware({ optional: false }), (req, res) => {
    res.json(requirePrincipal(req));
  });
  return router;
}
