/**
 * Issue 11 Build 5: the signing worker's composition — the only place the key-encryption secret is handed to code.
 * It serves the signing task queue (workflows/signing-queue.ts): every seal signature and CA operation
 * (activities/signing.ts); and it seals each finished day's audit chains (LM-25) with the audit key, a key of
 * its own. `npm start` and `npm run worker` run it beside the platform worker (RUN_SIGNING_WORKER=false: not);
 * `npm run worker:signing` runs it alone, the way a deployment keeps the keys out of the web process.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createSigningActivities } from '../activities/signing';
import { openOrm, Orm } from '../db/orm';
import { signingThreadCount, type Config, type SigningConfig } from '../infra/config';
import { logger } from '../infra/logger';
import { temporalConnectionOptions } from '../infra/temporal-connection';
import { seed } from '../seed/demo-city';
import { ensureAuditSigningKey, sealAuditDays } from '../usecases/audit-log';
import { ensureCertificateAuthority } from '../usecases/certificate-store';
import { ConversionSigningPool } from '../usecases/conversion-signing-pool';
import { ensureLogSigningKey } from '../usecases/transparency-log-signing';
import { installRuntime } from '../worker/runtime';
import { signingTaskQueueOf } from '../workflows/signing-queue';

export interface SigningWorkerOptions {
  /** Namespace, the platform's task queue (the signing queue follows from it) and Temporal TLS. */
  config: Config;
  signing: SigningConfig;
  databaseUrl: string;
  temporalAddress: string;
}

export interface RunningSigningWorker {
  taskQueue: string;
  stop(): Promise<void>;
}

/** Where the platform publishes its CA certificate (api/web/verify-pages.ts serves it). */
export const caCertificateUrl = (publicUrl: string) => `${publicUrl.replace(/\/+$/, '')}/ca.pem`;

/**
 * What needs the keys on first start: the CA and the audit key (and, for `npm start`, the demo data).
 * `publicUrl`: the platform's, where the CA certificate is published (`/ca.pem`, issue 20 authority info access).
 */
export async function prepareSigningKeys(
  orm: Orm,
  signing: SigningConfig,
  options: { seedDevData?: boolean; publicUrl?: string } = {},
): Promise<void> {
  await ensureCertificateAuthority(
    orm.em.fork() as EntityManager,
    signing.pkiMasterKey,
    options.publicUrl && caCertificateUrl(options.publicUrl),
  );
  await ensureAuditSigningKey(orm.em.fork() as EntityManager, signing.pkiMasterKey);
  await ensureLogSigningKey(orm.em.fork() as EntityManager, signing.pkiMasterKey);
  if (options.seedDevData) {
    if (!options.publicUrl)
      throw new Error('seeding needs PUBLIC_URL: the certificates name the CRL and OCSP');
    await seed(orm.em.fork() as EntityManager, signing.pkiMasterKey, options.publicUrl);
  }
}

export async function startSigningWorker(options: SigningWorkerOptions): Promise<RunningSigningWorker> {
  const { config, signing } = options;
  installRuntime();
  const orm = await openOrm(options.databaseUrl);
  const taskQueue = signingTaskQueueOf(config.temporalTaskQueue);
  const threads = signingThreadCount();
  const conversionPool = threads > 0 ? new ConversionSigningPool(threads) : undefined;
  let connection: NativeConnection | undefined;
  let worker: Worker;
  try {
    await prepareSigningKeys(orm, signing, { publicUrl: config.publicUrl });
    connection = await NativeConnection.connect(temporalConnectionOptions(options.temporalAddress, config));
    worker = await Worker.create({
      connection,
      namespace: config.temporalNamespace,
      taskQueue,
      activities: createSigningActivities({
        orm,
        pkiMasterKey: signing.pkiMasterKey,
        publicUrl: config.publicUrl,
        conversionPool,
      }),
    });
  } catch (err) {
    await connection?.close();
    await conversionPool?.close();
    await orm.close(true);
    throw err;
  }
  const nativeConnection = connection;
  const run = worker.run();

  // LM-25: each finished day's audit chains are sealed (signed) once; any signing worker may do it, the first wins.
  let sealing: Promise<unknown> = Promise.resolve();
  const sealFinishedDays = () => {
    sealing = sealAuditDays(orm.em.fork() as EntityManager, signing.pkiMasterKey, new Date()).catch((err) =>
      logger.warn({ err }, 'sealing the audit log failed'),
    );
  };
  sealFinishedDays();
  const sealTimer = setInterval(sealFinishedDays, 15 * 60_000);
  sealTimer.unref();
  logger.info({ taskQueue }, 'signing task queue served');

  return {
    taskQueue,
    async stop() {
      clearInterval(sealTimer);
      await sealing;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await run;
      await conversionPool?.close();
      await nativeConnection.close();
      await orm.close();
    },
  };
}
