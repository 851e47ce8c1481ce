/**
 * Issue 12 Build 2 and 3 (LM-8, WP-(三)5): the daily expiry sweep. A Temporal Schedule (workflows/licence-expiry-
 * schedule.ts) starts it once a day; it walks the licences in force with an end date in pages of PAGE_SIZE, each
 * page one idempotent activity (activities/licence-expiry.ts): expired licences are marked, due reminders sent.
 * The cursor lives in the workflow, so a worker or server restart resumes at the page it was on and a page repeated
 * does nothing twice. Its history stays small at a million licences: a fresh run every PAGES_PER_RUN pages.
 */
import { continueAsNew } from '@temporalio/workflow';
import type { LicenceExpiryActivities } from '../activities/licence-expiry';
import { shanghaiDateOf } from '../domain/calendar';
import { activityProxies } from './activity-proxies';

const activities = activityProxies<LicenceExpiryActivities>();

export const EXPIRY_SWEEP_PAGE_SIZE = 500;
const PAGES_PER_RUN = 100;

export interface ExpirySweepInput {
  /** The Shanghai date swept; the workflow's own date when absent (the Schedule passes none). */
  date?: string;
  after?: string | null;
  pageSize?: number;
  /** Totals carried across runs. */
  totals?: { seen: number; expired: number; reminded: number };
}

export interface ExpirySweepResult {
  date: string;
  seen: number;
  expired: number;
  reminded: number;
}

export async function licenceExpirySweepWorkflow(input: ExpirySweepInput = {}): Promise<ExpirySweepResult> {
  // Workflow time is deterministic (and skipped in the time-skipping tests).
  const date = input.date ?? shanghaiDateOf(new Date());
  const pageSize = input.pageSize ?? EXPIRY_SWEEP_PAGE_SIZE;
  const totals = { ...(input.totals ?? { seen: 0, expired: 0, reminded: 0 }) };
  let after = input.after ?? null;
  for (let pages = 0; ; pages++) {
    if (pages === PAGES_PER_RUN) {
      return continueAsNew<typeof licenceExpirySweepWorkflow>({ date, after, pageSize, totals });
    }
    const page = await activities.sweepExpiryPage({ date, after, pageSize });
    totals.seen += page.seen;
    totals.expired += page.expired;
    totals.reminded += page.reminded;
    if (page.nextAfter === null) return { date, ...totals };
    after = page.nextAfter;
  }
}
