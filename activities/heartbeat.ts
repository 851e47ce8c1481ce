/**
 * Heartbeats for the long activities (workflows/activity-options.ts, LONG_ACTIVITIES): while one runs, it tells the
 * server every few seconds that it is alive; a worker killed mid-run stops, and the server retries the attempt
 * after the heartbeat timeout (seconds) instead of its whole start-to-close timeout.
 */
import { Context } from '@temporalio/activity';
import { HEARTBEAT_INTERVAL_MS, LONG_ACTIVITIES } from '../workflows/activity-options';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyActivity = (...args: any[]) => Promise<unknown>;

function currentContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null; // called outside a worker (a test calling the function directly)
  }
}

export function heartbeating<F extends AnyActivity>(fn: F): F {
  return (async (...args: Parameters<F>) => {
    const context = currentContext();
    if (!context) return fn(...args);
    context.heartbeat();
    const timer = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  }) as F;
}

/** The activities with every long one heartbeating. */
export function withHeartbeats<T extends Record<string, AnyActivity>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [name, LONG_ACTIVITIES.has(name) ? heartbeating(fn) : fn]),
  ) as T;
}
