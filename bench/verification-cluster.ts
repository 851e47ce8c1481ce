/**
 * Verification on every core (issue 19 Build 4): `npm run api` (platform/api-cluster.ts, one API process per core
 * on one port, no worker inside) against the bare Express endpoint on the same number of processes
 * (bench/bare-express-cluster.ts), driven by the same load generator from this process.
 */
import { ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { TestPlatform } from '../test/support/platform';
import { freePort } from '../test/support/ports';
import { kill9 } from '../test/support/worker-process';
import { ownerUrl } from './owner';
import { API_CLUSTER_READY } from '../platform/api-cluster-ready';
import { postmasterPid } from './memory';
import { log } from './stats';
import { compareVerification } from './verification-compare';

const ROOT = path.join(__dirname, '..');

/**
 * Starts `script` with `env`; resolves once its output has shown `ready` `times` times, or, with `ipc`, once it
 * has sent `ready` as a message. The API processes log at the bench's level (LOG_LEVEL, `warn` under `npm run
 * bench`) as the in-process platform does: at `info` every request wrote a line to a pipe that this process — the
 * load generator's — had to read, which the in-process side never paid.
 */
function startProcess(
  script: string,
  env: Record<string, string>,
  ready: string,
  times: number,
  ipc = false,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc' as const] : [])],
    detached: true,
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start: ${output.slice(-2000)}`)),
      300_000,
    );
    const started = () => {
      clearTimeout(timer);
      // From now on the output is drained, not kept: the load generator shares this CPU.
      child.stdout!.off('data', onData).resume();
      child.stderr!.off('data', onData).resume();
      output = '';
      resolve(child);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!ipc && output.split(ready).length - 1 >= times) started();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    if (ipc) child.on('message', (message) => message === ready && started());
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}): ${output.slice(-2000)}`));
    });
  });
}

/** Ends a cluster: its primary and the processes it forked (one process group). */
async function stopCluster(child: ChildProcess): Promise<void> {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  await kill9(child);
}

export async function benchVerificationCluster(
  t: TestPlatform,
  identifier: string,
  options: { seconds: number; concurrency: number },
): Promise<void> {
  const processes = os.availableParallelism();
  log(
    `\n— Verification on every core: ${processes} API processes (npm run api) vs bare Express on ${processes} —`,
  );
  const [barePort, apiPort] = [await freePort(), await freePort()];
  const bare = await startProcess(
    'bench/bare-express-cluster.ts',
    { PORT: String(barePort), BARE_PROCESSES: String(processes) },
    'bare cluster ready',
    1,
  );
  const generator = { name: 'load generator (this process)', pid: process.pid };
  let api: ChildProcess | undefined;
  try {
    api = await startProcess(
      'platform/api-cluster.ts',
      {
        ...t.workerEnv,
        DATABASE_OWNER_URL: ownerUrl(t),
        PORT: String(apiPort),
        API_PROCESSES: String(processes),
        RATE_LIMIT_VERIFY_PER_MINUTE: '100000000',
      },
      API_CLUSTER_READY,
      1,
      true,
    );
    await compareVerification({
      name: `verification / bare Express, ${processes} processes each`,
      baselineLabel: `bare Express, ${processes} processes`,
      platformLabel: `platform, ${processes} API processes`,
      bareUrl: `http://127.0.0.1:${barePort}/verify`,
      platformUrl: `http://127.0.0.1:${apiPort}/api/verify`,
      identifier,
      ...options,
      cpu: {
        baseline: [generator, { name: 'bare Express processes', pid: bare.pid!, withChildren: true }],
        platform: [
          generator,
          { name: 'API processes', pid: api.pid!, withChildren: true },
          { name: 'PostgreSQL', pid: await postmasterPid(ownerUrl(t)), withChildren: true },
        ],
      },
    });
  } finally {
    if (api) await stopCluster(api);
    await stopCluster(bare);
  }
}
