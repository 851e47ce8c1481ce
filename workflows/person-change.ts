/**
 * Issue 15 Build 3: a person leaves or moves. The change is applied (account, audit, seal-use authorisations
 * revoked), then every approval process holding one of their open tasks is told to hand it back (to the role
 * group, or the unit leader where it was theirs alone); the approval workflow notes it in its timeline. The API
 * starts it under the change's id and answers once it is done.
 */
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import type { PersonChangeActivities } from '../activities/person-change';
import type { PersonChange } from '../usecases/person-change';
import { activityProxies } from './activity-proxies';
import { releaseTasksSignal } from './approval-messages';

const activities = activityProxies<PersonChangeActivities>();

export function personChangeWorkflowId(userId: string, changeId: string): string {
  return `person-change-${userId}-${changeId}`;
}

/** Answers how many approval processes were told. */
export async function personChangeWorkflow(change: PersonChange): Promise<number> {
  await activities.applyPersonChange(change);
  const workflowIds = await activities.approvalsHoldingTasksOf({ userId: change.userId });
  let told = 0;
  for (const workflowId of workflowIds) {
    try {
      await getExternalWorkflowHandle(workflowId).signal(releaseTasksSignal, {
        userId: change.userId,
        reason: change.reason,
      });
      told++;
    } catch (err) {
      // The process ended meanwhile: its tasks are closed anyway.
      log.info('approval no longer running', { workflowId, error: String(err) });
    }
  }
  return told;
}
