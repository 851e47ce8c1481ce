/**
 * Issue 12 Build 6 (LM-8): delivering the data-exchange backlog and resending a range, in pages (each page one
 * idempotent activity, the cursor in the workflow, a fresh run every PAGES_PER_RUN pages). The backlog workflow is
 * started at platform start when an endpoint is configured, so that messages written while none was are sent;
 * the resend workflow by `POST /api/exchange/resend`.
 */
import { continueAsNew } from '@temporalio/workflow';
import type { ExchangeActivities, ExchangePage } from '../activities/exchange';
import { activityProxies } from './activity-proxies';

const activities = activityProxies<ExchangeActivities>();
const PAGE_SIZE = 200;
const PAGES_PER_RUN = 100;

export interface ExchangeRunInput {
  after?: ExchangePage['next'];
  delivered?: number;
}

export async function exchangeBacklogWorkflow(input: ExchangeRunInput = {}): Promise<{ delivered: number }> {
  let after = input.after ?? null;
  let delivered = input.delivered ?? 0;
  for (let pages = 0; ; pages++) {
    if (pages === PAGES_PER_RUN) return continueAsNew<typeof exchangeBacklogWorkflow>({ after, delivered });
    const page = await activities.deliverPendingPage({ after, pageSize: PAGE_SIZE });
    delivered += page.delivered;
    if (!page.next) return { delivered };
    after = page.next;
  }
}

export interface ExchangeResendInput extends ExchangeRunInput {
  from: string;
  to: string;
}

export async function exchangeResendWorkflow(input: ExchangeResendInput): Promise<{ delivered: number }> {
  let after = input.after ?? null;
  let delivered = input.delivered ?? 0;
  for (let pages = 0; ; pages++) {
    if (pages === PAGES_PER_RUN)
      return continueAsNew<typeof exchangeResendWorkflow>({ ...input, after, delivered });
    const page = await activities.resendPage({ from: input.from, to: input.to, after, pageSize: PAGE_SIZE });
    delivered += page.delivered;
    if (!page.next) return { delivered };
    after = page.next;
  }
}
