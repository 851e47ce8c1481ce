/**
 * The signing worker alone (`npm run worker:signing`, issue 11 Build 5): the one process that reads PKI_MASTER_KEY
 * and decrypts keys; it serves the signing task queue (`<TEMPORAL_TASK_QUEUE>-signing`). Needs DATABASE_URL and
 * TEMPORAL_ADDRESS; the API process migrates the database. Run the API and the platform worker with
 * RUN_SIGNING_WORKER=false and without PKI_MASTER_KEY.
 */
import { loadConfig, loadSigningConfig } from '../infra/config';
import { logger } from '../infra/logger';
import { startSigningWorker } from '../platform/signing-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const { databaseUrl, temporalAddress } = config;
  if (!databaseUrl || !temporalAddress) {
    throw new Error('the signing worker needs DATABASE_URL and TEMPORAL_ADDRESS (npm start runs one itself)');
  }
  const signing = await startSigningWorker({
    config,
    signing: loadSigningConfig(),
    databaseUrl,
    temporalAddress,
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    signing.stop().then(
      () => process.exit(0),
      (err) => {
        logger.fatal({ err }, 'stopping the signing worker failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  logger.fatal({ err }, 'signing worker failed');
  process.exit(1);
});
