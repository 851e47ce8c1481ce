/**
 * Baselines on the same Temporal server as the platform: a no-op workflow with one activity (the rate issuance is
 * compared with) and an update that only answers (the round trip an approval step is compared with). Their worker
 * runs in this process, on a task queue of its own, like the platform's in-process worker.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { runPool } from './load';
import { elapsedMs, percentile } from './stats';
import { finishSignal, noopWorkflow, stepUpdate, updateBaselineWorkflow } from './noop-workflows';

export interface TemporalBaseline {
  noopRate(count: number, concurrency: number): Promise<{ perSecond: number; seconds: number }>;
  updateLatency(count: number): Promise<{ p50: number; p99: number }>;
  stop(): Promise<void>;
}

export async function startTemporalBaseline(address: string): Promise<TemporalBaseline> {
  const taskQueue = `bench-noop-${randomBytes(4).toString('hex')}`;
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./noop-workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: { noop: async () => undefined },
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  let n = 0;

  return {
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
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
    },
  };
}
