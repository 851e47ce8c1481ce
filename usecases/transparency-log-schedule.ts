/**
 * Issue 20 Build 1: the Temporal Schedule that appends the transparency log's waiting entries and signs a tree head
 * at a fixed interval (`TRANSPARENCY_LOG_INTERVAL_MINUTES`, default 5); a run still going when the next is due is
 * not doubled (overlap SKIP). Ensured at every platform start (usecases/schedules.ts).
 */
import type { Client, ScheduleOptionsStartWorkflowAction, Workflow } from '@temporalio/client';
import { ensureSchedule } from './schedules';

export function transparencyLogScheduleId(taskQueue: string): string {
  return `transparency-log:${taskQueue}`;
}

/** The rounds administrators ask for (`POST /api/transparency-log/tree-heads`): one at a time per task queue. */
export function onDemandLogRoundId(taskQueue: string): string {
  return `transparency-log-on-demand:${taskQueue}`;
}

export async function ensureTransparencyLogSchedule(
  temporal: Client,
  options: { taskQueue: string; intervalMinutes: number },
): Promise<void> {
  const scheduleId = transparencyLogScheduleId(options.taskQueue);
  const action: ScheduleOptionsStartWorkflowAction<Workflow> = {
    type: 'startWorkflow',
    // By name: usecases sit below workflows (the worker registers transparencyLogWorkflow).
    workflowType: 'transparencyLogWorkflow',
    workflowId: scheduleId,
    taskQueue: options.taskQueue,
    args: [],
  };
  await ensureSchedule(
    temporal,
    {
      scheduleId,
      spec: { intervals: [{ every: `${options.intervalMinutes} minutes` }] },
      action,
      policies: { overlap: 'SKIP' },
    },
    'update',
  );
}
