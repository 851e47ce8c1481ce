/**
 * The daily supervision run (LM-28), started by its Temporal Schedule (platform/supervision-schedule.ts): the
 * rules of the five violation kinds applied at the workflow's time; a repeated run records nothing twice.
 */
import type { SupervisionRunActivities } from '../activities/supervision-run';
import type { SupervisionRunResult } from '../usecases/supervision-run';
import { activityProxies } from './activity-proxies';

const activities = activityProxies<SupervisionRunActivities>();

export async function supervisionRunWorkflow(): Promise<SupervisionRunResult> {
  return activities.runSupervision({ at: new Date().toISOString() });
}
