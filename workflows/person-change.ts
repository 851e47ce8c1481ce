/**
 * Issue 15 Build 3: a person leaves or moves. The change is applied (account, audit, seal-use authorisations
 * revoked or handed to the unit leader, whose decision gets its deadline workflow), then every approval process
 * holding one of their open tasks is told to hand it back (to the role group, or the unit leader where it was theirs
 * alone); the approval workflow notes it in its timeline. The API starts it under the change's id and answers once it
 * is done.
 */
import { getExternalWorkflowHandle, log, ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { PersonChangeActivities } from '../activities/person-change';
import type { SealUseHandoverActivities } from '../activities/seal-use-handover';
import { sealUseHandoverWorkflowId } from '../domain/seal-use';
import type { PersonChange } from '../usecases/person-change';
import { activityProxies } from './activity-proxies';
import { releaseTasksSignal } from './approval-messages';
import { sealUseHandoverWorkflow } from './seal-use-handover';

const activities = activityProxies<PersonChangeActivities & SealUseHandoverActivities>();

export function personChangeWorkflowId(userId: string, changeId: string): string {
  return `person-change-${userId}-${changeId}`;
}

/** Answers how many approval processes were told. */
export async function personChangeWorkflow(change: PersonChange): Promise<number> {
  await activities.applyPersonChange(change);
  if (patched('seal-use-handover-deadline')) await startHandoverReminders(change.changeId);
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

/** Each standing authorisation handed over to the unit leader gets its own deadline workflow, outliving this one. */
async function startHandoverReminders(changeId: string): Promise<void> {
  for (const open of await activities.openSealUseHandovers({ changeId })) {
    try {
      await startChild(sealUseHandoverWorkflow, {
        workflowId: sealUseHandoverWorkflowId(open.handoverId),
        args: [open],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}
