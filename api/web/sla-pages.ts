/**
 * The SLA dashboard page (issue 14 Build 6): `/supervision/sla`, every deadline kind of the management unit's
 * jurisdiction with its counts by unit, time left, breaches this month and a link to each item. The kinds and their
 * queries live in SlaDashboardService (one table, DEADLINE_KINDS).
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import type { SlaDashboardService } from '../services/sla-dashboard';
import { renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

export function slaPageRoutes(ctx: AppContext, sla: SlaDashboardService): Router {
  const { router, auth } = pageRouter(ctx);

  router.get(
    '/supervision/sla',
    auth,
    signedIn(async (_req, res, principal) => {
      const { kinds } = await sla.dashboard(principal);
      res.send(
        renderPage('sla', {
          title: '时限监控',
          principal,
          nav: 'sla',
          kinds,
          totals: {
            open: kinds.reduce((s, k) => s + k.openCount, 0),
            overdue: kinds.reduce((s, k) => s + k.overdueCount, 0),
            breaches: kinds.reduce((s, k) => s + k.breachesThisMonth, 0),
          },
        }),
      );
    }),
  );

  return router;
}
