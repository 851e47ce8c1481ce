/**
 * A standalone worker process (`npm run worker`), for running workers apart from the API and scaling them out.
 * Needs DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL; the API process migrates the database. It runs the platform
 * worker and, unless RUN_SIGNING_WORKER=false, the signing worker too (issue 11 Build 5; only then does it read
 * PKI_MASTER_KEY). `npm run worker:signing` (worker/signing-main.ts) runs the signing worker alone.
 */
import { logger } from '../infra/logger';
import { NativeConnection } from '@temporalio/worker';
import { openOrm } from '../db/orm';
import { loadConfig, loadSigningConfig } from '../infra/config';
import { temporalConnectionOptions } from '../infra/temporal-connection';
import { createMailer } from '../mail/mailer';
import { activityDeps } from '../activities';
import { startSigningWorker } from '../platform/signing-worker';
import { installRuntime } from './runtime';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const { databaseUrl, temporalAddress, smtpUrl } = config;
  if (!databaseUrl || !temporalAddress || !smtpUrl) {
    throw new Error(
      'the worker needs DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL (npm start runs a worker itself)',
    );
  }
  installRuntime();
  const signing = config.runSigningWorker
    ? await startSigningWorker({ config, signing: loadSigningConfig(), databaseUrl, temporalAddress })
    : undefined;
  const orm = await openOrm(databaseUrl);
  const mailer = createMailer(smtpUrl, config.mailFrom);
  const connection = await NativeConnection.connect(temporalConnectionOptions(temporalAddress, config));
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    deps: activityDeps(config, orm, mailer),
    workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH || undefined,
  });
  process.on('SIGINT', () => worker.shutdown());
  process.on('SIGTERM', () => worker.shutdown());
  logger.info({ taskQueue: config.temporalTaskQueue }, 'worker running');
  await worker.run();
  await signing?.stop();
  await connection.close();
  mailer.close();
  await orm.close();
}

main().catch((err) => {
  logger.fatal({ err }, 'worker failed');
  process.exit(1);
});
