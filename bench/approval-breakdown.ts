/**
 * Where an approval step's time goes: the API before the update reaches the workflow, the update in the workflow
 * (accepted → completed, read from the approval workflow's history, with the workflow tasks, activities and local
 * activities between), the API after it, and the inbox read that finds the next task.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { log } from './stats';

/** One approval step as the bench saw it (wall-clock milliseconds, comparable with the history's event times). */
export interface StepTiming {
  processKey: string;
  sentAt: number;
  answeredAt: number;
  visibleAt: number;
}

interface UpdateSpan {
  /** When the workflow task that accepted the update started (the worker had it from then on). */
  taskStartedAt: number;
  acceptedAt: number;
  completedAt: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
}

/** The updates of one workflow, in order: when each was accepted and completed, and what ran in between. */
async function updateSpans(client: Client, workflowId: string): Promise<UpdateSpan[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const spans: UpdateSpan[] = [];
  const open = new Map<number, UpdateSpan>();
  let taskStartedAt = Number.NaN;
  for (const e of events) {
    const at = tsToMs(e.eventTime);
    if (e.workflowTaskStartedEventAttributes) taskStartedAt = at;
    if (e.workflowExecutionUpdateAcceptedEventAttributes) {
      const span = {
        taskStartedAt,
        acceptedAt: at,
        completedAt: Number.NaN,
        workflowTasks: 0,
        activities: 0,
        localActivities: 0,
      };
      open.set(Number(e.eventId), span);
      spans.push(span);
    } else if (e.workflowExecutionUpdateCompletedEventAttributes) {
      const span = open.get(Number(e.workflowExecutionUpdateCompletedEventAttributes.acceptedEventId));
      if (span) span.completedAt = at;
      open.delete(Number(e.workflowExecutionUpdateCompletedEventAttributes.acceptedEventId));
    }
    for (const span of open.values()) {
      if (e.workflowTaskCompletedEventAttributes) span.workflowTasks++;
      if (e.activityTaskScheduledEventAttributes) span.activities++;
      if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') span.localActivities++;
    }
  }
  return spans;
}

type Row = { step: StepTiming; span: UpdateSpan };

/** The breakdown's lines: each a label and its value for one step. */
const BREAKDOWN: ReadonlyArray<[string, (r: Row) => number]> = [
  ['POST sent → update accepted (API, then the workflow task)', (r) => r.span.acceptedAt - r.step.sentAt],
  ['  of which POST sent → workflow task started (API, server)', (r) => r.span.taskStartedAt - r.step.sentAt],
  ['  and workflow task started → update accepted (worker)', (r) => r.span.acceptedAt - r.span.taskStartedAt],
  [
    'update accepted → completed (next step opened and projected)',
    (r) => r.span.completedAt - r.span.acceptedAt,
  ],
  ['update completed → POST answered (audit, view)', (r) => r.step.answeredAt - r.span.completedAt],
  ['POST answered → next task seen in GET /api/tasks', (r) => r.step.visibleAt - r.step.answeredAt],
  ['workflow tasks between accepted and completed (count)', (r) => r.span.workflowTasks],
  ['activities between (count)', (r) => r.span.activities],
  ['local activities between (count)', (r) => r.span.localActivities],
];

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Prints the mean of each part over the steps, matching each step to the first update accepted after it was sent. */
export async function printApprovalBreakdown(client: Client, steps: StepTiming[]): Promise<void> {
  const byProcess = new Map<string, UpdateSpan[]>();
  for (const key of new Set(steps.map((s) => s.processKey)))
    byProcess.set(key, await updateSpans(client, key));
  const rows = steps.flatMap((s): Row[] => {
    const span = byProcess.get(s.processKey)!.find((u) => u.acceptedAt >= s.sentAt - 5);
    return span ? [{ step: s, span }] : [];
  });
  if (!rows.length) return;
  log(`breakdown, mean per approval step over ${rows.length} (bench clock and the workflow's history):`);
  for (const [label, value] of BREAKDOWN)
    log(`  ${label.padEnd(60)} ${mean(rows.map(value)).toFixed(1).padStart(8)}`);
}
