/**
 * A test platform (real PostgreSQL, SMTP) whose approval workflows run on Temporal's time-skipping test server:
 * the platform's real activities on a worker of its own task queue, so that working-day deadlines, reminders and
 * suspensions pass in moments. Shared by the tests of deadlines (issue 3) and of the step clock (issue 10).
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createMailer, Mailer } from '../../mail/mailer';
import { testServices } from './env';
import { startTestPlatform, TestPlatform } from './platform';
import { startTimeSkippingEnvironment } from './time-skipping';

export interface TimeSkippingPlatform {
  t: TestPlatform;
  env: TestWorkflowEnvironment;
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * `platformWorker`: the platform keeps its own worker on the real Temporal server too, for tests that also call
 * API operations whose workflows must run there (e.g. a licence request leaving `pending`).
 */
export async function startTimeSkippingPlatform(
  name: string,
  options: { platformWorker?: boolean } = {},
): Promise<TimeSkippingPlatform> {
  const t = await startTestPlatform({ runWorker: options.platformWorker ?? false });
  const env = await startTimeSkippingEnvironment();
  const mailer: Mailer = createMailer(
    t.workerEnv.SMTP_URL!,
    '晋城市电子证照与电子印章平台 <noreply@jincheng.example>',
  );
  const taskQueue = `${name}-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: testServices().workflowBundlePath },
    activities: createActivities({ orm: t.platform.orm, mailer, publicUrl: 'http://localhost:3000' }),
  });
  const running = worker.run();
  return {
    t,
    env,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running.catch(() => undefined);
      mailer.close();
      await env.teardown();
      await t.stop();
    },
  };
}
