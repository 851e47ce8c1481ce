/**
 * The platform as deployed, for the bench's `*-deployed` parts: an API-only platform in this process
 * (`runWorker: false`, as `npm run api` runs it), the platform worker (`npm run worker` with RUN_SIGNING_WORKER=false)
 * and the signing worker (`npm run worker:signing`) each in a process of its own. One definition of starting and
 * stopping it; each part measures inside `withDeployedPlatform`.
 */
import type { ChildProcess } from 'node:child_process';
import { startTestPlatform, TestPlatform } from '../test/support/platform';
import {
  kill9,
  PLATFORM_WORKER,
  SIGNING_WORKER,
  startWorkerProcess,
  WorkerEntry,
} from '../test/support/worker-process';

/** A loaded machine takes minutes to start a worker process. */
export const START_TIMEOUT_MS = 300_000;

export interface DeployedPlatform {
  t: TestPlatform;
  platformWorker: ChildProcess;
  signingWorker: ChildProcess;
}

/** Starts the workers side by side, in the order given; if one fails, kills those that started. */
async function startWorkers(
  runs: Array<{ env: Record<string, string>; entry: WorkerEntry }>,
): Promise<ChildProcess[]> {
  const results = await Promise.allSettled(
    runs.map(({ env, entry }) => startWorkerProcess(env, START_TIMEOUT_MS, entry)),
  );
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map(kill9));
    throw failed.reason;
  }
  return started;
}

/** Runs `measure` on a platform started as deployed, and stops the platform and its workers afterwards. */
export async function withDeployedPlatform(
  measure: (deployed: DeployedPlatform) => Promise<void>,
): Promise<void> {
  let t: TestPlatform | undefined;
  let workers: ChildProcess[] = [];
  try {
    t = await startTestPlatform({ runWorker: false });
    workers = await startWorkers([
      { env: { ...t.workerEnv, RUN_SIGNING_WORKER: 'false' }, entry: PLATFORM_WORKER },
      { env: t.workerEnv, entry: SIGNING_WORKER },
    ]);
    await measure({ t, platformWorker: workers[0]!, signingWorker: workers[1]! });
  } finally {
    await Promise.all(workers.map(kill9));
    await t?.stop();
  }
}
