/**
 * A platform started on a port another process holds fails with EADDRINUSE, closing what it had opened, instead of
 * running on with a server that listens nowhere (Express 5 hands the listen error to its callback), and leaving the
 * process-wide parts to the platform already there. The test platform then chooses its ports again
 * (test/support/platform.ts `onFreePorts`).
 */
import { startPlatform } from '../../platform/compose';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ runSigningWorker: false });
});
afterAll(async () => {
  await t?.stop();
});

it('a start on a port that is taken fails with EADDRINUSE and the platform already there keeps serving', async () => {
  const env = t.workerEnv;
  const second = startPlatform({
    config: t.platform.ctx.config,
    databaseUrl: env.DATABASE_URL,
    temporalAddress: env.TEMPORAL_ADDRESS,
    smtpUrl: env.SMTP_URL,
    seedDevData: false,
    workflowBundlePath: env.WORKFLOW_BUNDLE_PATH,
    databasePrepared: true,
    runWorker: true,
    port: t.platform.port,
  });
  await expect(second).rejects.toMatchObject({ code: 'EADDRINUSE' });
  expect((await t.call('GET', '/api/me', { as: 'zz-amr-clerk' })).status).toBe(200);
  // The process-wide parts stay the running platform's: /metrics still reads its counts from its database.
  const metrics = await t.call('GET', '/metrics');
  expect(metrics.status).toBe(200);
  expect(String(metrics.body)).toMatch(/^elicense_exchange_backlog \d+$/m);
});
