/**
 * Processes the bench starts apart from its own (the API cluster as `npm run api` runs it, the bare Express
 * cluster): started with an environment and waited for until ready, and ended with every process they forked.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { TestPlatform } from '../test/support/platform';
import { freePort } from '../test/support/ports';
import { kill9 } from '../test/support/worker-process';
import { API_CLUSTER_READY } from '../platform/api-cluster-ready';
import { ownerUrl } from './owner';

const ROOT = path.join(__dirname, '..');

/**
 * Starts `script` with `env`; resolves once its output has shown `ready` `times` times, or, with `ipc`, once it
 * has sent `ready` as a message. The API processes log at the bench's level (LOG_LEVEL, `warn` under `npm run
 * bench`) as the in-process platform does: at `info` every request wrote a line to a pipe that this process — the
 * load generator's — had to read, which the in-process side never paid.
 */
export function startProcess(
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
export async function stopCluster(child: ChildProcess): Promise<void> {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  await kill9(child);
}

/**
 * `npm run api` (platform/api-cluster.ts) with `processes` API processes on a port of its own, against the test
 * platform's database and Temporal server; tokens from the test platform hold there (one JWT secret).
 */
export async function startApiCluster(
  t: TestPlatform,
  processes: number,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = await startProcess(
    'platform/api-cluster.ts',
    {
      ...t.workerEnv,
      DATABASE_OWNER_URL: ownerUrl(t),
      PORT: String(port),
      API_PROCESSES: String(processes),
      ...env,
    },
    API_CLUSTER_READY,
    1,
    true,
  );
  return { child, url: `http://127.0.0.1:${port}` };
}
