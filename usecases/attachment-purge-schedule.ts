/**
 * The Temporal schedule that purges unattached uploads (issue 11): every hour it starts the purge workflow
 * (workflows/attachment-purge.ts) with the configured retention; a run still going when the next is due is not
 * doubled (overlap SKIP). Ensured at every platform start: created once, and brought up to date (e.g. a changed
 * retention) when it exists already (usecases/schedules.ts).
 */
import type { Client, ScheduleOptionsStartWorkflowAction, Workflow } from '@temporalio/client';
import { ensureSchedule } from './schedules';

/** One schedule per task queue (test platforms share a Temporal server, each on its own queue). */
export function attachmentPurgeScheduleId(taskQueue: string): string {
  return `attachment-purge:${taskQueue}`;
}

export async function ensureAttachmentPurgeSchedule(
  temporal: Client,
  options: { taskQueue: string; retentionHours: number },
): Promise<void> {
  const scheduleId = attachmentPurgeScheduleId(options.taskQueue);
  const spec = { intervals: [{ every: '1 hour' }] };
  const action: ScheduleOptionsStartWorkflowAction<Workflow> = {
    type: 'startWorkflow',
    // By name: usecases sit below workflows (the worker registers attachmentPurgeWorkflow).
    workflowType: 'attachmentPurgeWorkflow',
    workflowId: scheduleId,
    taskQueue: options.taskQueue,
    args: [{ retentionHours: options.retentionHours }],
  };
  await ensureSchedule(temporal, { scheduleId, spec, action, policies: { overlap: 'SKIP' } }, 'update');
}
