/**
 * Issue 14 (LM-28): the Temporal Schedule that runs supervision (workflows/supervision-run.ts) once a day at 02:00
 * Shanghai time, one per task queue. Created at platform start when missing; an existing one is left as an
 * operator may have tuned it. Overlaps are skipped; every finding is keyed, so a repeated run adds nothing.
 */
import { Client, ScheduleOverlapPolicy } from '@temporalio/client';
import { ensureSchedule } from '../usecases/schedules';
import type { supervisionRunWorkflow } from '../workflows/supervision-run';

export function supervisionScheduleId(taskQueue: string): string {
  return `supervision-run-${taskQueue}`;
}

export function ensureSupervisionSchedule(temporal: Client, taskQueue: string): Promise<boolean> {
  const scheduleId = supervisionScheduleId(taskQueue);
  return ensureSchedule(
    temporal,
    {
      scheduleId,
      spec: { calendars: [{ hour: 2, minute: 0 }], timezone: 'Asia/Shanghai' },
      action: {
        type: 'startWorkflow',
        workflowType: 'supervisionRunWorkflow' satisfies (typeof supervisionRunWorkflow)['name'],
        workflowId: scheduleId,
        taskQueue,
        args: [],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    },
    'keep',
  );
}
