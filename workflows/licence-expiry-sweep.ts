/**
 * Issue 12 Build 2 and 3 (LM-8, WP-(三)5): the daily expiry sweep. A Temporal Schedule (workflows/licence-expiry-
 * schedule.ts) starts it once a day; it walks the licences in force with an end date in pages of PAGE_SIZE, each
 * page one idempotent activity (activities/licence-expiry.ts): expired licences are marked, due reminders sent.
 * Then, in the same way, the organisation certificates nearing their end (issue 12 Build 5, SM-8): their renewal
 * reminders (activities/certificate-reminders.ts).
 * The cursor lives in the workflow, so a worker or server restart resumes at the page it was on and a page repeated
 * does nothing twice. Its history stays small at a million licences: a fresh run every PAGES_PER_RUN pages.
 */
import { continueAsNew } from '@temporalio/workflow';
import type { CertificateReminderActivities } from '../activities/certificate-reminders';
import type { LicenceExpiryActivities } from '../activities/licence-expiry';
import { shanghaiDateOf } from '../domain/calendar';
import { activityProxies } from './activity-proxies';

const activities = activityProxies<LicenceExpiryActivities & CertificateReminderActivities>();

export const EXPIRY_SWEEP_PAGE_SIZE = 500;
const PAGES_PER_RUN = 100;

interface SweepTotals {
  seen: number;
  expired: number;
  reminded: number;
  certificatesReminded: number;
}

export interface ExpirySweepInput {
  /** The Shanghai date swept; the workflow's own date when absent (the Schedule passes none). */
  date?: string;
  /** Which records the cursor walks: the licences first, then the organisation certificates. */
  phase?: 'licences' | 'certificates';
  after?: string | null;
  pageSize?: number;
  /** Totals carried across runs. */
  totals?: Partial<SweepTotals>;
}

export interface ExpirySweepResult extends SweepTotals {
  date: string;
}

/** One page of the phase: how many it saw, what it did, and the cursor after it. */
async function sweepPage(
  phase: 'licences' | 'certificates',
  req: { date: string; after: string | null; pageSize: number },
  totals: SweepTotals,
): Promise<string | null> {
  if (phase === 'licences') {
    const page = await activities.sweepExpiryPage(req);
    totals.seen += page.seen;
    totals.expired += page.expired;
    totals.reminded += page.reminded;
    return page.nextAfter;
  }
  const page = await activities.sweepCertificateReminderPage(req);
  totals.certificatesReminded += page.reminded;
  return page.nextAfter;
}

export async function licenceExpirySweepWorkflow(input: ExpirySweepInput = {}): Promise<ExpirySweepResult> {
  // Workflow time is deterministic (and skipped in the time-skipping tests).
  const date = input.date ?? shanghaiDateOf(new Date());
  const pageSize = input.pageSize ?? EXPIRY_SWEEP_PAGE_SIZE;
  const totals: SweepTotals = { seen: 0, expired: 0, reminded: 0, certificatesReminded: 0, ...input.totals };
  let phase = input.phase ?? 'licences';
  let after = input.after ?? null;
  for (let pages = 0; ; pages++) {
    if (pages === PAGES_PER_RUN) {
      return continueAsNew<typeof licenceExpirySweepWorkflow>({ date, phase, after, pageSize, totals });
    }
    after = await sweepPage(phase, { date, after, pageSize }, totals);
    if (after !== null) continue;
    if (phase === 'certificates') return { date, ...totals };
    phase = 'certificates';
  }
}
