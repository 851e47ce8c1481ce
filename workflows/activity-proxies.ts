/**
 * Activity stubs for workflow code: each activity is called with the options its kind needs (activity-options.ts),
 * short or long (heartbeating), or local for a read the workflow waits on.
 */
import { type ActivityInterfaceFor, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import {
  LOCAL_ACTIVITY_OPTIONS,
  LONG_ACTIVITIES,
  LONG_ACTIVITY_OPTIONS,
  SHORT_ACTIVITY_OPTIONS,
} from './activity-options';

export function activityProxies<A extends object>(): ActivityInterfaceFor<A> {
  const short = proxyActivities<A>(SHORT_ACTIVITY_OPTIONS);
  const long = proxyActivities<A>(LONG_ACTIVITY_OPTIONS);
  return new Proxy(short, {
    get: (target, name) =>
      (typeof name === 'string' && LONG_ACTIVITIES.has(name) ? long : target)[name as never],
  });
}

/** Stubs for reads a workflow runs as local activities (LOCAL_ACTIVITY_OPTIONS says which kind qualifies). */
export function localActivityProxies<A extends object>(): ActivityInterfaceFor<A> {
  return proxyLocalActivities<A>(LOCAL_ACTIVITY_OPTIONS);
}
