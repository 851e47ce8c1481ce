/**
 * 工作台 (issue 17 Build 1): a signed-in user's first page, with what each of their roles does first — 待办 with
 * the counts of 即将超期 and 已超期 for approvers; the deadline overview (督办, LM-28) and late arrivals (LM-9) for
 * a management unit's overseers; issuance readiness and the unit's own late arrivals for issuers (LM-7, LM-9); the
 * administration pages for administrators. Counts come from the same services as the pages they link to.
 */
import { Router } from 'express';
import { shanghaiDateTime } from '../../domain/format';
import { deadlineText, timeLeftText } from '../../presentation/deadline-text';
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { Principal } from '../principal';
import type { InboxItem } from '../services/approval-inbox';
import type { ApprovalService } from '../services/approvals';
import { ISSUER_ROLES } from '../services/licence-access';
import { LicenceReadinessService } from '../services/licence-readiness';
import type { LicenceService } from '../services/licences';
import { navFor } from './navigation';
import { pageWithPendingCount } from './pending-count';
import { signedIn } from './render';
import { pageRouter } from './page-router';

/** A task is 即将超期 when less than a day is left on its clock. */
const DUE_SOON_MS = 24 * 3600_000;

const isDueSoon = (i: InboxItem) =>
  !i.overdue && !i.suspended && i.timeLeftMs !== null && i.timeLeftMs <= DUE_SOON_MS;

/** Counts of a task list: all, 即将超期, 已超期. */
export function deadlineCounts(items: InboxItem[]) {
  return {
    total: items.length,
    dueSoon: items.filter(isDueSoon).length,
    overdue: items.filter((i) => i.overdue).length,
  };
}

/** The most urgent first: overdue, then by deadline, tasks without one last. */
function byUrgency(a: InboxItem, b: InboxItem): number {
  return (a.timeLeftMs ?? Number.MAX_SAFE_INTEGER) - (b.timeLeftMs ?? Number.MAX_SAFE_INTEGER);
}

const taskRow = (i: InboxItem) => ({
  title: i.title,
  url: i.url,
  kindLabel: i.kindLabel,
  stepName: i.stepName,
  organisationName: i.organisationName,
  dueText: deadlineText(i.dueAt),
  timeLeft: i.suspended ? '已中止计时' : timeLeftText(i.timeLeftMs),
  overdue: i.overdue,
  dueSoon: isDueSoon(i),
});

export function workbenchPageRoutes(
  ctx: AppContext,
  approvals: ApprovalService,
  licences: LicenceService,
): Router {
  const { router, auth } = pageRouter(ctx);
  const page = pageWithPendingCount(approvals);
  const readiness = new LicenceReadinessService(ctx);
  router.use('/home', auth);

  const approvalSection = async (p: Principal) => {
    const { items: pending } = await approvals.inbox.list(p, { box: 'pending' });
    return { counts: deadlineCounts(pending), items: [...pending].sort(byUrgency).slice(0, 8).map(taskRow) };
  };

  const supervisionSection = async (p: Principal, meta: ReturnType<typeof requestMeta>) => {
    const [{ items }, breaches, late] = await Promise.all([
      approvals.inbox.supervision(p, {}),
      approvals.inbox.recentBreaches(p, 50),
      licences.lateArrivals(p, {}, meta),
    ]);
    return { counts: deadlineCounts(items), breaches: breaches.length, late: late.total };
  };

  const issuerSection = async (p: Principal) => {
    const [ready, late] = await Promise.all([
      readiness.forIssuer(p, new Date()),
      readiness.lateArrivals(p, 5),
    ]);
    const types = ready?.types ?? [];
    return {
      types: types.map((t) => ({ typeName: t.typeName, ready: !!t.seal && !!t.authorisation })),
      readyCount: types.filter((t) => t.seal && t.authorisation).length,
      typeCount: types.length,
      waiting: ready?.waiting.length ?? 0,
      late: {
        total: late.total,
        recent: late.recent.map((l) => ({
          ...l,
          deadlineText: deadlineText(l.deadlineAt.toISOString()),
          receivedText: shanghaiDateTime(l.receivedAt),
        })),
      },
    };
  };

  router.get(
    '/home',
    signedIn(async (req, res, principal) => {
      const roles = principal.roles;
      const approver = navFor(principal, undefined).some((l) => l.href === '/tasks');
      const [approval, supervision, issuing] = await Promise.all([
        approver ? approvalSection(principal) : null,
        isManagementOverseer(principal) ? supervisionSection(principal, requestMeta(req)) : null,
        roles.some((r) => ISSUER_ROLES.includes(r)) ? issuerSection(principal) : null,
      ]);
      res.send(
        await page('workbench', {
          title: '工作台',
          principal,
          nav: 'home',
          approval,
          supervision,
          issuing,
          links: navFor(principal, undefined).filter((l) => l.href !== '/home'),
        }),
      );
    }),
  );

  return router;
}
