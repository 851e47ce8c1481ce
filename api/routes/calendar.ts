/**
 * The working-day calendar over JSON (DESIGN §3). The deadline is public: other systems compute statutory
 * deadlines the same way. Reading years needs a login; editing one needs `platform_admin`.
 */
import { Router } from 'express';
import { z } from 'zod';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { CalendarService, CalendarYearParam, DeadlineQuery } from '../services/calendar';
import { parse } from '../validation';
import { requestMeta } from '../principal';

export function calendarRoutes(ctx: AppContext, service: CalendarService): Router {
  const router = Router();
  const signedIn = ctx.auth.middleware({ optional: false });
  const YearPath = z.object({ year: CalendarYearParam });
  const yearOf = (value: unknown) => parse(YearPath, { year: value }).year;

  router.get('/calendar/deadline', async (req, res) => {
    res.json(await service.deadline(parse(DeadlineQuery, { ...req.query })));
  });

  router.get('/calendar/years', signedIn, async (_req, res) => {
    res.json({ items: await service.years() });
  });

  router.get('/calendar/years/:year', signedIn, async (req, res) => {
    res.json(await service.year(yearOf(req.params.year)));
  });

  router.put('/calendar/years/:year', signedIn, async (req, res) => {
    const principal = requirePrincipal(req);
    const year = yearOf(req.params.year);
    res.json(await service.updateYear(principal, year, req.body, requestMeta(req)));
  });

  return router;
}
