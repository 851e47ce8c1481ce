/**
 * Approval step latency as deployed: the same measurement as bench/approval.ts, but with an API-only platform in
 * this process (`runWorker: false`, as `npm run api` runs it) and the platform worker and the signing worker each in
 * a process of its own, against a bare update whose worker is in a process of its own too. In bench/approval.ts the
 * API, the workers and the load generator share one main thread; this part shows the step when they do not.
 */
import type { ChildProcess } from 'node:child_process';
import type { RunningTemporal } from '../infra/temporal';
import { startTestPlatform, TestPlatform } from '../test/support/platform';
import { kill9, PLATFORM_WORKER, SIGNING_WORKER } from '../test/support/worker-process';
import { benchApproval } from './approval';
import { startWorkers } from './issuance-deployed';
import { startTemporalBaseline, TemporalBaseline } from './temporal-baseline';

export async function benchApprovalDeployed(temporal: RunningTemporal, applications: number): Promise<void> {
  let t: TestPlatform | undefined;
  let baseline: TemporalBaseline | undefined;
  let workers: ChildProcess[] = [];
  try {
    t = await startTestPlatform({ runWorker: false });
    workers = await startWorkers([
      { env: { ...t.workerEnv, RUN_SIGNING_WORKER: 'false' }, entry: PLATFORM_WORKER },
      { env: t.workerEnv, entry: SIGNING_WORKER },
    ]);
    baseline = await startTemporalBaseline(temporal.address, { workerProcess: true });
    await benchApproval(t, baseline, applications, {
      title: 'Approval step latency as deployed (API in this process, each worker in its own)',
      ratio: 'approval step p50 / bare update p50, workers apart',
    });
  } finally {
    await baseline?.stop();
    await Promise.all(workers.map(kill9));
    await t?.stop();
  }
}
