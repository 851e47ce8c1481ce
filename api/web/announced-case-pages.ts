/**
 * An announced case's page (zh-CN, issue 14 Build 1 and 6, LM-9): `/supervision/cases/<id>`, the item the SLA
 * dashboard and the late-arrivals list link to — the case, its licence type and unit, when it closed, its deadline,
 * its state, the licence once issued and the finding it produced. AnnouncedCaseService decides who may see it.
 */
import { Router } from 'express';
import { timeLeftMs } from '../../domain/calendar';
import { shanghaiDateTime } from '../../domain/format';
import { deadlineText, timeLeftText } from '../../presentation/deadline-text';
import type { AppContext } from '../context';
import type { AnnouncedCaseService } from '../services/announced-cases';
import { renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

export function announcedCasePageRoutes(ctx: AppContext, cases: AnnouncedCaseService): Router {
  const { router, auth } = pageRouter(ctx);

  router.get(
    '/supervision/cases/:id',
    auth,
    signedIn(async (req, res, principal) => {
      const c = await cases.page(principal, String(req.params.id));
      const waiting = c.status === 'open' || c.status === 'flagged';
      res.send(
        renderPage('announced-case', {
          title: `报送办件：${c.caseId}`,
          principal,
          nav: c.overseer ? 'sla' : undefined,
          c,
          closedText: shanghaiDateTime(c.closedAt),
          dueText: deadlineText(c.deadline.dueAt),
          timeLeft: waiting ? timeLeftText(timeLeftMs(new Date(c.deadline.dueAt), new Date())) : '',
          arrivedText: c.arrivedAt ? shanghaiDateTime(c.arrivedAt) : '',
          late: c.status === 'flagged' || c.status === 'issued_late',
        }),
      );
    }),
  );

  return router;
}
