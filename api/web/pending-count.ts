/** The signed-in user's 待办 count beside 待办 in the nav, and a page renderer that fills it in. */
import type { Principal } from '../principal';
import type { ApprovalService } from '../services/approvals';
import { PageContext, renderPage } from './render';

/** Pending tasks for the nav badge. */
export async function pendingCount(approvals: ApprovalService, principal: Principal): Promise<number> {
  try {
    return (await approvals.inbox.list(principal, { box: 'pending', page: 1, pageSize: 1 })).total;
  } catch {
    return 0;
  }
}

/** Renders a page; for a signed-in user it carries the count of their 待办 in the nav. */
export function pageWithPendingCount(approvals: ApprovalService) {
  return async (name: string, context: PageContext) =>
    renderPage(name, {
      ...context,
      navPending: context.principal ? await pendingCount(approvals, context.principal) : undefined,
    });
}
