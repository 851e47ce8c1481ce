/**
 * How every workflow calls its activities (issue 11): a failed attempt is retried with backoff for as long as it
 * takes (activities are idempotent), so that nothing is lost to an outage; and an attempt lost to a crashed worker
 * is noticed within seconds, not after a minute.
 *
 * - Short activities (a few database statements) carry a start-to-close timeout of seconds.
 * - Long activities (signing, making a seal's key, SMTP, the exchange endpoint, signalling many workflows) may run
 *   longer, so they keep a longer start-to-close but heartbeat (activities/heartbeat.ts does it for them while they
 *   run); a worker that dies stops heartbeating, and the attempt is retried after the heartbeat timeout.
 *
 * This file has no runtime dependency on Temporal: the worker (activities/index.ts) reads LONG_ACTIVITIES too.
 */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

const RETRY: ActivityOptions['retry'] = {
  initialInterval: '1 second',
  maximumInterval: '30 seconds',
  backoffCoefficient: 2,
};

/** Short activities: a crash delays them by at most this start-to-close timeout. */
export const SHORT_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: RETRY,
};

/**
 * Local activities (issue 19: approval step latency): short steps that the workflow needs before it can go on, run
 * by the worker inside the workflow task that needs them, without a round trip through the server per step. Only
 * reads with no side effect, or writes that make a copy exactly what the workflow's state says (the approval
 * projection; a step opened and projected in one, which the workflow projects again unless the fingerprints agree):
 * their results are recorded when the task completes, and a task lost with its worker is run again,
 * reads and writes all, so the copy ends as the recorded history says. Retried like short activities; a backoff
 * beyond 10 s waits on a durable timer instead of keeping the workflow task open (an outage of the database then adds
 * a few history events per retry).
 */
export const LOCAL_ACTIVITY_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: RETRY,
  localRetryThreshold: '10 seconds',
};

/** How often a long activity heartbeats while it runs (ms); well inside LONG_ACTIVITY_OPTIONS.heartbeatTimeout. */
export const HEARTBEAT_INTERVAL_MS = 3_000;

/** Long activities: a crash delays them by at most the heartbeat timeout. */
export const LONG_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: RETRY,
};

/** The activities that get LONG_ACTIVITY_OPTIONS and heartbeat; every other activity is short. */
export const LONG_ACTIVITIES: ReadonlySet<string> = new Set([
  'signAndStore',
  'recordLicenceEvent',
  'makeSeal',
  'grantSealUseAuthorisation',
  'deliverToExchange',
  'sweepExpiryPage',
  'sweepCertificateReminderPage',
  'carryOutCertificateRequest',
  'deliverPendingPage',
  'resendPage',
  'notifyHolder',
  'deliverIssuedLicence',
  'relayDeliveries',
  'sendApprovalNotice',
  'notifyApplicantOfOutcome',
  'notifyRequesterOfSealUseOutcome',
  'wakeIssuancesAwaitingSeal',
  'convertLicenceBatch',
]);

/** The options an activity is called with. */
export function activityOptionsFor(name: string): ActivityOptions {
  return LONG_ACTIVITIES.has(name) ? LONG_ACTIVITY_OPTIONS : SHORT_ACTIVITY_OPTIONS;
}
