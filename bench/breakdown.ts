/**
 * Where an issuance's time goes, read from its workflow's history: the wait for the first workflow task, the
 * workflow tasks themselves, and each activity's queue wait (scheduled → started) and run (started → completed).
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { log } from './stats';

type Sums = Map<string, { total: number; count: number }>;

function add(sums: Sums, key: string, ms: number): void {
  const s = sums.get(key) ?? { total: 0, count: 0 };
  s.total += ms;
  s.count++;
  sums.set(key, s);
}

async function historyOf(client: Client, workflowId: string, sums: Sums): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const at = new Map<number, number>();
  const activityType = new Map<number, string>();
  let firstTask = true;
  const startedAt = tsToMs(events[0]!.eventTime);
  for (const e of events) {
    const id = Number(e.eventId);
    const time = tsToMs(e.eventTime);
    at.set(id, time);
    if (e.workflowTaskStartedEventAttributes) {
      const scheduled = at.get(Number(e.workflowTaskStartedEventAttributes.scheduledEventId))!;
      add(
        sums,
        firstTask ? 'workflow start → first workflow task' : 'workflow task queue wait',
        time - scheduled,
      );
      firstTask = false;
    } else if (e.workflowTaskCompletedEventAttributes) {
      add(
        sums,
        'workflow task run',
        time - at.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId))!,
      );
    } else if (e.activityTaskScheduledEventAttributes) {
      activityType.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    } else if (e.activityTaskStartedEventAttributes) {
      const scheduledId = Number(e.activityTaskStartedEventAttributes.scheduledEventId);
      add(sums, `${activityType.get(scheduledId)} queue wait`, time - at.get(scheduledId)!);
    } else if (e.activityTaskCompletedEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes;
      add(
        sums,
        `${activityType.get(Number(a.scheduledEventId))} run`,
        time - at.get(Number(a.startedEventId))!,
      );
    }
  }
  add(sums, 'workflow total (start → completed)', tsToMs(events[events.length - 1]!.eventTime) - startedAt);
}

/** Prints the mean of each part over the workflows named, per workflow (a part that runs twice counts twice). */
export async function printBreakdown(client: Client, workflowIds: string[], apiMs: number[]): Promise<void> {
  const sums: Sums = new Map();
  for (const id of workflowIds) await historyOf(client, id, sums);
  const perWorkflow = workflowIds.length;
  log(`breakdown, mean ms per issuance over ${perWorkflow} (from the workflow histories):`);
  log(
    `  ${'POST /api/licenses answered (201, or 202 then polled)'.padEnd(52)} ${(apiMs.reduce((a, b) => a + b, 0) / apiMs.length).toFixed(1).padStart(8)}`,
  );
  for (const [key, s] of sums) log(`  ${key.padEnd(52)} ${(s.total / perWorkflow).toFixed(1).padStart(8)}`);
}
