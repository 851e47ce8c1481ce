/**
 * Issue 11 Build 5: the `signing` task queue. Every seal signature and every CA operation runs as an activity on
 * it, and only its worker (platform/signing-worker.ts) holds the key-encryption secret. Its name follows the
 * platform's task queue (`<queue>-signing`), so that workflow code finds it from its own task queue and every
 * deployment (and every test platform) gets its own.
 *
 * This file has no runtime dependency on Temporal: the worker's composition reads it too.
 */
import type { ActivityOptions } from '@temporalio/workflow';

export function signingTaskQueueOf(platformTaskQueue: string): string {
  return `${platformTaskQueue}-signing`;
}

/** The failure type a refused signing carries back (its details: the SealUseError code). */
export const SEAL_USE_REFUSED = 'SealUseRefused';

/**
 * An online signing for the API (`POST /api/seals/:id/sign`): seconds, not minutes. A lost attempt is retried
 * (the activity is idempotent by its signature id) until the workflow's own timeout (SEAL_SIGNATURE_TIMEOUT)
 * answers the caller 503.
 */
export const ONLINE_SIGNING_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '2 seconds', backoffCoefficient: 2 },
};

/** How long the API waits for an online signing before it answers 503 (the workflow's run timeout), in ms. */
export const SEAL_SIGNATURE_TIMEOUT = 15_000;
