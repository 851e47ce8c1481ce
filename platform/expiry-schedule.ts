/**
 * Issue 12 Build 2: the Temporal Schedule that starts the licence expiry sweep (workflows/licence-expiry-sweep.ts)
 * once a day at 01:00 Shanghai time. Created at platform start when missing (one per task queue, so that every
 * deployment and every test platform has its own); an existing one is left as an operator may have tuned it.
 * Overlaps are skipped: a sweep still running when the next is due finishes first, and the next day's covers
 * whatever remains. The Schedule, not our code, starts these runs, so they need no durable request row: the sweep
 * is keyed by its date and every page is idempotent.
 */
import { Client, ScheduleOverlapPolicy } from '@temporalio/client';
import { ensureSchedule } from '../usecases/schedules';
import type { licenceExpirySweepWorkflow } from '../workflows/licence-expiry-sweep';

export function expirySweepScheduleId(taskQueue: string): string {
  return `licence-expiry-sweep-${taskQueue}`;
}

/** Creates the daily Schedule unless it exists; answers whether it was created now. */
export function ensureExpirySweepSchedule(temporal: Client, taskQueue: string): Promise<boolean> {
  const scheduleId = expirySweepScheduleId(taskQueue);
  return ensureSchedule(
    temporal,
    {
      scheduleId,
      spec: { calendars: [{ hour: 1, minute: 0 }], timezone: 'Asia/Shanghai' },
      action: {
        type: 'startWorkflow',
        workflowType: 'licenceExpirySweepWorkflow' satisfies (typeof licenceExpirySweepWorkflow)['name'],
        workflowId: scheduleId,
        taskQueue,
        args: [{}],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    },
    'keep',
  );
}
