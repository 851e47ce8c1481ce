/**
 * Activity stubs for workflow code: each activity is called with the options its kind needs (activity-options.ts),
 * short or long (heartbeating).
 */
import { type ActivityInterfaceFor, proxyActivities } from '@temporalio/workflow';
import { LONG_ACTIVITIES, LONG_ACTIVITY_OPTIONS, SHORT_ACTIVITY_OPTIONS } from './activity-options';

export function activityProxies<A extends object>(): ActivityInterfaceFor<A> {
  const short = proxyActivities<A>(SHORT_ACTIVITY_OPTIONS);
  const long = proxyActivities<A>(LONG_ACTIVITY_OPTIONS);
  return new Proxy(short, {
    get: (target, name) =>
      (typeof name === 'string' && LONG_ACTIVITIES.has(name) ? long : target)[name as never],
  });
}
