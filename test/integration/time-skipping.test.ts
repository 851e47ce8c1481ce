/**
 * The time-skipping test server (test/support/time-skipping.ts): a durable timer waiting days for a deadline fires
 * in seconds of wall time, and what the platform's workflows rely on works there: `condition(fn, timeout)`,
 * updates, typed search attributes, child workflows.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ProcessKind, ProcessStatus, CurrentAssignees, StepDueAt } from '../../workflows/search-attributes';
import { startTimeSkippingEnvironment } from '../support/time-skipping';
import type { DeadlineActivities } from '../support/workflows/timer-workflow';
import { decide, deadlineWorkflow, parentWorkflow } from '../support/workflows/timer-workflow';

const DAY_MS = 24 * 3600 * 1000;

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `time-skipping-${randomUUID()}`;
const recorded: Array<{ workflowId: string; dueAt: string }> = [];

const activities: DeadlineActivities = {
  async deadlinePassed(workflowId, dueAt) {
    recorded.push({ workflowId, dueAt });
    return `overdue since ${dueAt}`;
  },
};

beforeAll(async () => {
  env = await startTimeSkippingEnvironment();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../support/workflows/timer-workflow'),
    activities,
  });
  running = worker.run();
});
afterAll(async () => {
  if (worker) {
    worker.shutdown();
    await running;
  }
  await env?.teardown();
});

it('a deadline three days away fires in seconds, and the activity after it runs', async () => {
  const serverNow = await env.currentTimeMs();
  const dueAt = new Date(serverNow + 3 * DAY_MS).toISOString();
  const workflowId = `deadline-${randomUUID()}`;
  const wallStart = Date.now();
  const result = await env.client.workflow.execute(deadlineWorkflow, {
    taskQueue,
    workflowId,
    args: [dueAt],
  });
  const wallMs = Date.now() - wallStart;

  expect(result.outcome).toBe(`overdue since ${dueAt}`);
  expect(recorded).toContainEqual({ workflowId, dueAt });
  // The workflow starts a moment after `serverNow` was read (seconds on a loaded machine), so its timer is
  // `dueAt - startedAt`: it must not fire before `dueAt`, and the wait must still be days, not the wall seconds.
  const startedAt = Date.parse(result.startedAt);
  expect(startedAt).toBeGreaterThanOrEqual(serverNow);
  expect(startedAt).toBeLessThan(serverNow + 60_000);
  expect(Date.parse(result.finishedAt)).toBeGreaterThanOrEqual(Date.parse(dueAt));
  expect(Date.parse(result.finishedAt) - startedAt).toBeGreaterThan(3 * DAY_MS - 60_000);
  expect(wallMs).toBeLessThan(20_000);
});

it('an update two days in decides before the deadline; typed search attributes are upserted and read back', async () => {
  const dueAt = new Date((await env.currentTimeMs()) + 5 * DAY_MS).toISOString();
  const handle = await env.client.workflow.start(deadlineWorkflow, {
    taskQueue,
    workflowId: `decided-${randomUUID()}`,
    args: [dueAt],
  });
  await env.sleep('2 days'); // skips two days: the deadline timer must not fire yet
  expect(await handle.executeUpdate(decide, { args: ['approved'] })).toBe('decided: approved');
  const result = await handle.result();
  expect(result.outcome).toBe('approved');
  const waited = Date.parse(result.finishedAt) - Date.parse(result.startedAt);
  expect(waited).toBeGreaterThan(2 * DAY_MS - 60_000); // less the wall seconds before its first task ran
  expect(waited).toBeLessThan(5 * DAY_MS);

  const { typedSearchAttributes } = await handle.describe();
  expect(typedSearchAttributes.get(ProcessKind)).toBe('timer-test');
  expect(typedSearchAttributes.get(ProcessStatus)).toBe('decided');
  expect(typedSearchAttributes.get(CurrentAssignees)).toEqual(['reviewer-a', 'reviewer-b']);
  expect(typedSearchAttributes.get(StepDueAt)?.toISOString()).toBe(dueAt);
});

it('a child workflow sleeping five days completes for its parent', async () => {
  const wallStart = Date.now();
  const result = await env.client.workflow.execute(parentWorkflow, {
    taskQueue,
    workflowId: `parent-${randomUUID()}`,
    args: ['5 days'],
  });
  expect(result).toBe('slept 5 days');
  expect(Date.now() - wallStart).toBeLessThan(20_000);
});
