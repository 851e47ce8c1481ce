/**
 * How every workflow calls its activities: each attempt may take a minute, and a failed attempt is retried with
 * backoff for as long as it takes (activities are idempotent), so that nothing is lost to an outage.
 */
import type { ActivityOptions } from '@temporalio/workflow';

export const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
};
