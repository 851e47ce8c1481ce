/**
 * Baselines on the same Temporal server as the platform: a no-op workflow with one activity (the rate issuance is
 * compared with) and an update that only answers (the round trip an approval step is compared with). Their worker
 * runs on a task queue of its own, in this process like the platform's in-process worker, or (`workerProcess`) in a
 * process of its own (bench/noop-worker.ts) like the platform's workers as deployed.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { kill9, startWorkerProcess } from '../test/support/worker-process';
import { PoolResult, runPool } from './load';
import { elapsedMs, percentile } from './stats';
import { finishSignal, noopWorkflow, stepUpdate, updateBaselineWorkflow } from './noop-workflows';

export interface TemporalBaseline {
  /** The process its worker runs in (this one, or its own). */
  workerPid: number;
  noopRate(count: number, concurrency: number): Promise<PoolResult>;
  updateLatency(count: number): Promise<{ p50: number; p99: number }>;
  stop(): Promise<void>;
}

/** The worker of the baselines' workflows and activity on `taskQueue`; bench/noop-worker.ts runs it apart. */
export async function createNoopWorker(connection: NativeConnection, taskQueue: string): Promise<Worker> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./noop-workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  return Worker.create({
    connection,
    taskQueue,
    workflowBundle: bundle,
    activities: { noop: async () => undefined },
  });
}

interface RunningNoopWorker {
  pid: number;
  stop(): Promise<void>;
}

/** Runs the baselines' worker in this process. */
async function inProcessWorker(address: string, taskQueue: string): Promise<RunningNoopWorker> {
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createNoopWorker(nativeConnection, taskQueue);
  const running = worker.run();
  return {
    pid: process.pid,
    async stop() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
    },
  };
}

/** Runs the baselines' worker as a process of its own (bench/noop-worker.ts); stopping it kills the process. */
async function workerProcess(address: string, taskQueue: string): Promise<RunningNoopWorker> {
  const child: ChildProcess = await startWorkerProcess(
    { TEMPORAL_ADDRESS: address, BENCH_NOOP_TASK_QUEUE: taskQueue },
    300_000,
    { script: 'bench/noop-worker.ts', ready: 'worker running' },
  );
  return { pid: child.pid!, stop: () => kill9(child) };
}

export async function startTemporalBaseline(
  address: string,
  options: { workerProcess?: boolean } = {},
): Promise<TemporalBaseline> {
  const taskQueue = `bench-noop-${randomBytes(4).toString('hex')}`;
  const worker = await (options.workerProcess ? workerProcess : inProcessWorker)(address, taskQueue);
  const connection = await Connection.connect({ address }).catch(async (err: unknown) => {
    await worker.stop();
    throw err;
  });
  const client = new Client({ connection });
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  let n = 0;

  return {
    workerPid: worker.pid,
    async noopRate(count, concurrency) {
      const items = Array.from({ length: count }, () => n++);
      return runPool(items, concurrency, async (i) => {
        await client.workflow.execute(noopWorkflow, { taskQueue, workflowId: `${prefix}-noop-${i}` });
      });
    },
    async updateLatency(count) {
      const handle = await client.workflow.start(updateBaselineWorkflow, {
        taskQueue,
        workflowId: `${prefix}-update-${n++}`,
      });
      await handle.executeUpdate(stepUpdate, { args: [0] }); // warm-up: the first task loads the workflow
      const samples: number[] = [];
      for (let i = 0; i < count; i++) {
        const started = process.hrtime.bigint();
        await handle.executeUpdate(stepUpdate, { args: [i] });
        samples.push(elapsedMs(started));
      }
      await handle.signal(finishSignal);
      await handle.result();
      return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
    },
    async stop() {
      await worker.stop();
      await connection.close();
    },
  };
}
