/**
 * Issue 20 Build 1: one round of the transparency log — append every waiting entry in batches (platform worker),
 * then sign a tree head over the result (signing worker, which holds the log key). Started by a Temporal Schedule
 * at a fixed interval (usecases/transparency-log-schedule.ts) and on demand by an administrator
 * (`POST /api/transparency-log/tree-heads`).
 *
 * The append takes as long as the backlog needs (a million converted licences take tens of seconds, issue 19); the
 * signing gets SEAL_SIGNATURE_TIMEOUT in all, so a round whose signing service is away ends failed instead of
 * waiting for it, and what it appended stays appended for the next round.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import type { TransparencyLogActivities } from '../activities/transparency-log';
import type { SignedTreeHead } from '../pki/transparency-log';
import { activityProxies } from './activity-proxies';
import { ONLINE_SIGNING_OPTIONS, SEAL_SIGNATURE_TIMEOUT } from './signing-queue';
import { signingActivities } from './signing';

/** Mirrors LOG_APPEND_BATCH (workflow code does not import usecases). */
const APPEND_BATCH = 1000;

const TREE_HEAD_SIGNING: ActivityOptions = {
  ...ONLINE_SIGNING_OPTIONS,
  scheduleToCloseTimeout: SEAL_SIGNATURE_TIMEOUT,
};

const { appendTransparencyLog } = activityProxies<TransparencyLogActivities>();

export async function transparencyLogWorkflow(): Promise<SignedTreeHead> {
  for (;;) {
    const appended = await appendTransparencyLog();
    if (appended < APPEND_BATCH) break;
  }
  return signingActivities(TREE_HEAD_SIGNING).signTreeHead();
}
