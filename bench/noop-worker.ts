/**
 * The benchmark's no-op baseline worker as a process of its own (bench/temporal-baseline.ts `workerProcess`), so
 * that the baseline, like the platform's workers as deployed, runs off the load generator's process. Needs
 * TEMPORAL_ADDRESS and BENCH_NOOP_TASK_QUEUE; logs `worker running` once it serves the queue; SIGTERM stops it.
 */
import { NativeConnection } from '@temporalio/worker';
import { createNoopWorker } from './temporal-baseline';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS;
  const taskQueue = process.env.BENCH_NOOP_TASK_QUEUE;
  if (!address || !taskQueue)
    throw new Error('the no-op worker needs TEMPORAL_ADDRESS and BENCH_NOOP_TASK_QUEUE');
  const connection = await NativeConnection.connect({ address });
  const worker = await createNoopWorker(connection, taskQueue);
  process.on('SIGINT', () => worker.shutdown());
  process.on('SIGTERM', () => worker.shutdown());
  const running = worker.run();
  process.stdout.write('worker running\n');
  await running;
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
