/**
 * The Temporal schedule that purges unattached uploads (issue 11): every hour it starts the purge workflow
 * (workflows/attachment-purge.ts) with the configured retention; a run still going when the next is due is not
 * doubled (overlap SKIP). Ensured at every platform start: created once, and brought up to date (e.g. a changed
 * retention) when it exists already, so any number of processes may ensure it. The schedule, not application code,
 * starts these runs; they concern no business request, so they do not go through usecases/durable-request.ts.
 */
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleOptionsStartWorkflowAction,
  type Workflow,
} from '@temporalio/client';

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
  try {
    await temporal.schedule.create({ scheduleId, spec, action, policies: { overlap: 'SKIP' } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await temporal.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}
