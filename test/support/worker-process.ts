/**
 * A platform worker as a separate process, as production runs it: a test can kill it (SIGKILL) and start it again,
 * or cut the API off from a service while the worker keeps its own way to it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** A worker's entry point (relative to the repository) and the line it logs once it serves its task queue. */
export interface WorkerEntry {
  script: string;
  ready: string;
}

/** `npm run worker`: the platform worker (and the signing worker unless RUN_SIGNING_WORKER=false). */
export const PLATFORM_WORKER: WorkerEntry = { script: 'worker/main.ts', ready: 'worker running' };
/** `npm run worker:signing`: the signing worker alone (needs PKI_MASTER_KEY). */
export const SIGNING_WORKER: WorkerEntry = {
  script: 'worker/signing-main.ts',
  ready: 'signing task queue served',
};

/**
 * Starts a worker (by default `worker/main.ts`) with `env` (TestPlatform.workerEnv); `node --import tsx` keeps it
 * one process.
 */
export function startWorkerProcess(
  env: Record<string, string>,
  /** How long it may take to start (a loaded machine takes longer). */
  timeoutMs = 60_000,
  entry: WorkerEntry = PLATFORM_WORKER,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry.script], {
    cwd: ROOT,
    // The ready line is logged at info; under NODE_ENV=test the default level is warn.
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry.script} did not start: ${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(entry.ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry.script} exited (${code}): ${output}`));
    });
  });
}

export function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
