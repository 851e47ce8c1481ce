/**
 * Approval step latency: from sending one approver's decision (`POST /api/tasks/:id/approve`, an update on the
 * approval workflow) until the next approver's task is visible in their inbox (`GET /api/tasks`), over the seal
 * application's three levels (county → city → province); against a Temporal update that only answers, on the same
 * server. Steps are taken one at a time: this is latency, not throughput. The next reviewer's inbox is read every
 * 2 ms, so the wait for it adds at most that; a breakdown from the workflow's history follows, then the CPU time
 * each process used per step and per bare update (from /proc: fairly robust to a loaded machine, unlike the times).
 */
import { applicationBody } from '../test/support/fixtures';
import type { TestPlatform } from '../test/support/platform';
import { printApprovalBreakdown, StepTiming } from './approval-breakdown';
import { cpuDuring, cpuMeter, logCpu, Watched } from './cpu';
import { serverProcesses } from './issuance';
import { elapsedMs, log, percentile, reportRatio } from './stats';
import type { TemporalBaseline } from './temporal-baseline';

const LEVELS = ['zz-approval-reviewer', 'jc-approval-reviewer', 'sx-seal-reviewer'];

async function waitForTask(t: TestPlatform, applicationId: string, reviewer: string): Promise<string> {
  for (let i = 0; i < 20_000; i++) {
    const res = await t.call('GET', '/api/tasks', { as: reviewer });
    const task = (res.body.items as Array<{ taskId: string; processId: string }>).find(
      (x) => x.processId === applicationId && x.taskId,
    );
    if (task) return task.taskId;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`no task for ${reviewer} on ${applicationId}`);
}

/**
 * How a run of the part is named, and the processes whose CPU time is measured over the approval steps alone (not
 * the set-up between them) and over the bare updates (bench/cpu.ts): the in-process part's, or approval-deployed's.
 */
export interface ApprovalBenchRun {
  title: string;
  ratio: string;
  steps: Watched[];
  updates: Watched[];
}

/** The in-process part: the API, both workers, the no-op worker and the load generator in this process. */
export async function inProcessApprovalRun(t: TestPlatform, temporalPid: number): Promise<ApprovalBenchRun> {
  const servers = await serverProcesses(t, temporalPid);
  return {
    title: 'Approval step latency',
    ratio: 'approval step p50 / bare update p50 (lower is better)',
    steps: [{ name: 'API + workers + load generator', pid: process.pid }, ...servers],
    updates: [{ name: 'load generator + no-op worker', pid: process.pid }, ...servers],
  };
}

export async function benchApproval(
  t: TestPlatform,
  temporal: TemporalBaseline,
  applications: number,
  run: ApprovalBenchRun,
): Promise<void> {
  log(`\n— ${run.title}: ${applications} seal applications × ${LEVELS.length - 1} steps —`);
  const samples: number[] = [];
  const timings: StepTiming[] = [];
  const cpu = cpuMeter(run.steps);
  for (let a = 0; a < applications; a++) {
    const submitted = await t.call('POST', '/api/seal-applications', {
      as: 'zz-amr-clerk',
      body: applicationBody(),
    });
    if (submitted.status !== 201)
      throw new Error(`seal application: ${submitted.status} ${JSON.stringify(submitted.body)}`);
    const id = submitted.body.id as string;
    let taskId = await waitForTask(t, id, LEVELS[0]!);
    for (let level = 0; level < LEVELS.length - 1; level++) {
      await t.token(LEVELS[level + 1]!); // signed in before the clock starts, as a reviewer at work is
      // Timed inside the CPU meter's readings (they scan /proc), so that they add nothing to the step's time.
      const step = await cpu.measure(async () => {
        const sentAt = Date.now();
        const started = process.hrtime.bigint();
        const decided = await t.call('POST', `/api/tasks/${taskId}/approve`, {
          as: LEVELS[level]!,
          body: {},
        });
        if (decided.status !== 200)
          throw new Error(`approve: ${decided.status} ${JSON.stringify(decided.body)}`);
        const answeredAt = Date.now();
        const next = await waitForTask(t, id, LEVELS[level + 1]!);
        const ms = elapsedMs(started);
        return {
          next,
          ms,
          timing: { processKey: decided.body.id as string, sentAt, answeredAt, visibleAt: Date.now() },
        };
      });
      taskId = step.next;
      samples.push(step.ms);
      timings.push(step.timing);
    }
  }
  const { result: baseline, usage: updatesCpu } = await cpuDuring(run.updates, () =>
    temporal.updateLatency(samples.length),
  );
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  log(
    `bare Temporal update        p50 ${baseline.p50.toFixed(1)} ms, p99 ${baseline.p99.toFixed(1)} ms (${samples.length} updates)`,
  );
  log(
    `approval step → next task   p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (${samples.length} steps; target p50 < 100 ms)`,
  );
  await printApprovalBreakdown(t.platform.temporal, timings);
  logCpu(cpu.usage(), { count: samples.length, unit: 'approval step' });
  logCpu(updatesCpu, { count: samples.length + 1, unit: 'bare update' });
  reportRatio({
    name: run.ratio,
    platform: `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
    baseline: `p50 ${baseline.p50.toFixed(1)} ms, p99 ${baseline.p99.toFixed(1)} ms`,
    ratio: p50 / baseline.p50,
    target: 'p50 < 100 ms',
  });
}
