/**
 * The one way the platform makes sure a Temporal Schedule exists at start (any number of processes may do it at
 * once): create it, and when it exists already either bring its spec and action up to date (a changed setting) or
 * keep it as it is (an operator may have tuned it). Schedules, not application code, start their runs; those runs
 * concern no business request, so they do not go through usecases/durable-request.ts.
 */
import { type Client, ScheduleAlreadyRunning, type ScheduleOptions } from '@temporalio/client';

/** Answers whether the schedule was created now. */
export async function ensureSchedule(
  temporal: Client,
  options: ScheduleOptions,
  whenExisting: 'update' | 'keep',
): Promise<boolean> {
  try {
    await temporal.schedule.create(options);
    return true;
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    if (whenExisting === 'update') {
      const { spec, action } = options;
      await temporal.schedule
        .getHandle(options.scheduleId)
        .update((previous) => ({ ...previous, spec, action }));
    }
    return false;
  }
}
