/**
 * Issue 11 (fault drills): an activity attempt lost to a crashed worker is retried within seconds. Short activities
 * carry a start-to-close timeout of at most 30 s; long ones heartbeat with a heartbeat timeout of at most 30 s.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import { createActivities } from '../../activities';
import { createSigningActivities } from '../../activities/signing';
import {
  activityOptionsFor,
  HEARTBEAT_INTERVAL_MS,
  LOCAL_ACTIVITY_OPTIONS,
  LONG_ACTIVITIES,
  SHORT_ACTIVITY_OPTIONS,
} from '../../workflows/activity-options';
import { ONLINE_SIGNING_OPTIONS, SEAL_SIGNATURE_TIMEOUT } from '../../workflows/signing-queue';

const SECONDS_30 = 30_000;

// Building the activities touches none of their dependencies; only their names are read here.
// The platform worker's and the signing worker's (issue 11 Build 5).
const activityNames = Object.keys({
  ...createActivities({ orm: {} } as never),
  ...createSigningActivities({ orm: {} } as never),
});

describe('activity options', () => {
  it('lists only activities that exist as long ones', () => {
    for (const name of LONG_ACTIVITIES) expect(activityNames).toContain(name);
  });

  it.each(activityNames.filter((n) => !LONG_ACTIVITIES.has(n)))(
    'short activity %s has a start-to-close timeout of at most 30 s, with retries',
    (name) => {
      const options = activityOptionsFor(name);
      expect(msToNumber(options.startToCloseTimeout!)).toBeLessThanOrEqual(SECONDS_30);
      expect(options.retry?.maximumAttempts ?? 0).toBe(0); // unlimited
    },
  );

  it.each([...LONG_ACTIVITIES])(
    'long activity %s heartbeats with a heartbeat timeout of at most 30 s',
    (name) => {
      const options = activityOptionsFor(name);
      const heartbeatTimeout = msToNumber(options.heartbeatTimeout!);
      expect(heartbeatTimeout).toBeLessThanOrEqual(SECONDS_30);
      expect(HEARTBEAT_INTERVAL_MS * 2).toBeLessThan(heartbeatTimeout);
      expect(options.retry?.maximumAttempts ?? 0).toBe(0);
    },
  );

  it('the online signing for the API (issue 11 Build 5) has a start-to-close timeout of seconds', () => {
    expect(msToNumber(ONLINE_SIGNING_OPTIONS.startToCloseTimeout!)).toBeLessThanOrEqual(10_000);
    expect(msToNumber(SEAL_SIGNATURE_TIMEOUT)).toBeLessThanOrEqual(SECONDS_30);
  });

  it('local activities (reads a workflow task waits on, issue 19) are retried for ever, beyond 10 s on a timer', () => {
    expect(msToNumber(LOCAL_ACTIVITY_OPTIONS.startToCloseTimeout!)).toBeLessThanOrEqual(SECONDS_30);
    expect(LOCAL_ACTIVITY_OPTIONS.retry?.maximumAttempts ?? 0).toBe(0);
    expect(msToNumber(LOCAL_ACTIVITY_OPTIONS.localRetryThreshold!)).toBeLessThanOrEqual(10_000);
  });

  it('short options are the ones any unlisted activity gets', () => {
    expect(activityOptionsFor('someFutureActivity')).toBe(SHORT_ACTIVITY_OPTIONS);
  });
});
