/** The caller's in-app notices over JSON (issue 10): reminders with the time left, suspensions, resumptions. */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { NoticeQuery, NoticeService } from '../services/notices';
import { parse } from '../validation';

export function noticeRoutes(ctx: AppContext, notices: NoticeService): Router {
  const router = Router();
  const signedIn = ctx.auth.middleware({ optional: false });
  router.get('/notices', signedIn, async (req, res) => {
    res.json({ items: await notices.mine(requirePrincipal(req), parse(NoticeQuery, { ...req.query })) });
  });
  return router;
}
