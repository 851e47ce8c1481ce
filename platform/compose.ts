/**
 * The composition root of the API process: the platform's own processes on top of running services — database
 * schema, the Temporal client, the mailer, the platform worker, the services and the HTTP API, wired together here
 * and nowhere else. `npm start` calls it after starting local services; the tests and the bench call it against
 * theirs.
 *
 * Issue 11 Build 5: nothing here holds a key or the key-encryption secret (Config has no field for it, and no module
 * this file imports decrypts a key: test/unit/signing-isolation.test.ts). Every signature is made by the signing
 * worker (platform/signing-worker.ts), which the caller starts beside this process or elsewhere.
 */
import { logger } from '../infra/logger';
import { readFromDatabase } from '../infra/metrics';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createApp } from '../api/app';
import type { VerificationService } from '../api/services/verification';
import { Authenticator } from '../api/auth';
import type { AppContext } from '../api/context';
import { JurisdictionTree } from '../api/jurisdiction-tree';
import { openOrm, Orm } from '../db/orm';
import { createMailer, Mailer } from '../mail/mailer';
import { ensureExpirySweepSchedule } from './expiry-schedule';
import { ensureSupervisionSchedule } from './supervision-schedule';
import { activityDeps } from '../activities';
import { createWorker } from '../worker/worker';
import { ensureAttachmentPurgeSchedule } from '../usecases/attachment-purge-schedule';
import { ensureTransparencyLogSchedule } from '../usecases/transparency-log-schedule';
import { ensureDeliveryRelay } from '../usecases/delivery-relay-start';
import type { Config } from '../infra/config';
import { closePdfRenderer } from '../infra/pdf';
import { temporalConnectionOptions } from '../infra/temporal-connection';
import { listen } from '../infra/listen';
import { prepareDatabase, runtimeRoleOf } from './prepare-database';
import { installRuntime } from '../worker/runtime';

export interface PlatformOptions {
  config: Config;
  /** The runtime role's connection: the API and the worker use it (LM-25: it may only append to the audit log). */
  databaseUrl: string;
  /**
   * The owner's connection, for migrations and grants; the runtime role is the user of `databaseUrl`. Without it,
   * one role does both (the audit log's triggers still refuse UPDATE and early DELETE).
   */
  ownerDatabaseUrl?: string;
  temporalAddress: string;
  smtpUrl: string;
  seedDevData: boolean;
  /**
   * The first-start steps that need the signing secrets (the CA, the audit key, the demo data), given by a caller
   * that holds them (`npm start`: platform/signing-worker.ts prepareSigningKeys); an API process configured apart
   * leaves them to its signing worker and cannot seed.
   */
  prepareKeys?: (owner: Orm, options: { seedDevData: boolean }) => Promise<void>;
  /** Run a worker in this process (the default); production may run workers separately. */
  runWorker?: boolean;
  workflowBundlePath?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  /** The database is already prepared (migrated, granted) by another process: an API cluster's primary. */
  databasePrepared?: boolean;
}

export interface RunningPlatform {
  url: string;
  port: number;
  orm: Orm;
  temporal: Client;
  ctx: AppContext;
  worker: Worker | undefined;
  /** Licence verification; its counter writes the anonymous counts in batches (`counter.flush()` writes now). */
  verification: VerificationService;
  /** Stops and restarts the in-process worker, as a crash and restart would. */
  restartWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const { config } = options;
  installRuntime();
  if (options.seedDevData && !options.prepareKeys) {
    throw new Error(
      'seeding the demo data needs the signing secrets (prepareKeys); seed where they are held',
    );
  }
  const prepare = async (db: Orm, runtimeRole?: ReturnType<typeof runtimeRoleOf>) => {
    await prepareDatabase(db, { runtimeRole });
    await options.prepareKeys?.(db, { seedDevData: options.seedDevData });
  };
  const separateOwner = !!options.ownerDatabaseUrl && options.ownerDatabaseUrl !== options.databaseUrl;
  if (separateOwner && !options.databasePrepared) {
    const owner = await openOrm(options.ownerDatabaseUrl!);
    try {
      await prepare(owner, runtimeRoleOf(options.databaseUrl));
    } finally {
      await owner.close(true);
    }
  }
  const orm = await openOrm(options.databaseUrl);
  if (!separateOwner && !options.databasePrepared) await prepare(orm);

  const connectionOptions = temporalConnectionOptions(options.temporalAddress, config);
  const connection = await Connection.connect(connectionOptions);
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const mailer: Mailer = createMailer(options.smtpUrl, config.mailFrom);

  let nativeConnection: NativeConnection | undefined;
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  const startWorker = async () => {
    nativeConnection ??= await NativeConnection.connect(connectionOptions);
    worker = await createWorker({
      connection: nativeConnection,
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
      deps: activityDeps(config, orm, mailer),
      workflowBundlePath: options.workflowBundlePath,
    });
    workerRun = worker.run();
  };
  const stopWorker = async () => {
    if (!worker) return;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    worker = undefined;
  };
  if (options.runWorker ?? true) await startWorker();

  const em = () => orm.em.fork() as EntityManager;
  const ctx: AppContext = {
    orm,
    em,
    temporal,
    taskQueue: config.temporalTaskQueue,
    config,
    auth: new Authenticator(config, em),
    jurisdictions: new JurisdictionTree(em),
  };
  const {
    app,
    verification,
    sealApplications,
    sealUse,
    sealStatus,
    certificates,
    licences,
    exchange,
    usageRequests,
    sealCustodians,
  } = createApp(ctx);
  // What this start opened, closed again by `stop` or by a start that cannot listen.
  const release = async () => {
    await verification.close().catch((err) => logger.warn({ err }, 'writing the verification counts failed'));
    await stopWorker();
    await nativeConnection?.close();
    await connection.close();
    mailer.close();
    await orm.close();
  };
  const server: Server = createServer(app);
  // A port that cannot be had fails the start, with everything opened so far closed again and the process-wide
  // parts (the metrics' database counts, the PDF renderer) left to the platform that may already run here.
  await listen(server, options.port ?? config.port).catch(async (err) => {
    await release();
    throw err;
  });
  // The counts /metrics reads on each scrape (infra/metrics.ts); the last platform started in a process wins.
  const count = async (sql: string) => Number((await em().getConnection().execute(sql))[0].n);
  readFromDatabase({
    deadlineBreaches: () => count('select count(*) as n from deadline_breach'),
    exchangeBacklog: () => count(`select count(*) as n from exchange_outbox where status = 'pending'`),
  });
  // Idle keep-alive connections stay open 65 s, longer than a reverse proxy's usual 60 s, so that the server is never
  // the side closing a connection its client is about to reuse (ECONNRESET on a busy machine, where Node's 5 s
  // default timer can fire between a response and the next request on the socket); headers must follow within it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = (server.address() as AddressInfo).port;
  // Re-attach any request whose process was never started (crash between insert and start).
  const orphans = [
    ['applications', sealApplications],
    ['seal-use requests', sealUse],
    ['seal status requests', sealStatus],
    ['certificate requests', certificates],
    ['licence issuances', licences],
    ['usage-list requests', usageRequests],
    ['seal custodian changes', sealCustodians],
  ] as const;
  for (const [what, service] of orphans) {
    service.resumeOrphans().catch((err) => logger.warn({ err, what }, 'resuming orphaned requests failed'));
  }
  // Issue 11: uploads never attached are purged by a Temporal schedule.
  ensureAttachmentPurgeSchedule(temporal, {
    taskQueue: config.temporalTaskQueue,
    retentionHours: config.attachmentRetentionHours,
  }).catch((err) => logger.warn({ err }, 'ensuring the attachment purge schedule failed'));
  // Issue 20 Build 1: the transparency log is appended and its tree head signed at a fixed interval.
  ensureTransparencyLogSchedule(temporal, {
    taskQueue: config.temporalTaskQueue,
    intervalMinutes: config.transparencyLogIntervalMinutes,
  }).catch((err) => logger.warn({ err }, 'ensuring the transparency log schedule failed'));
  // Issue 19 Build 3: the relay that sends the queued exchange messages and holder e-mails (LM-8).
  ensureDeliveryRelay(temporal, config.temporalTaskQueue).catch((err) =>
    logger.warn({ err }, 'starting the delivery relay failed'),
  );
  // Issue 12 Build 6: messages stored while no exchange endpoint was configured are delivered now that one is.
  exchange.deliverBacklog().catch((err) => logger.warn({ err }, 'delivering the exchange backlog failed'));
  // Issue 12 Build 2: the daily expiry sweep's Schedule (created once; retried at the next start if this fails).
  ensureExpirySweepSchedule(temporal, config.temporalTaskQueue).catch((err) =>
    logger.warn({ err }, 'creating the expiry sweep schedule failed'),
  );
  // Issue 14: the daily supervision run's Schedule.
  ensureSupervisionSchedule(temporal, config.temporalTaskQueue).catch((err) =>
    logger.warn({ err }, 'creating the supervision schedule failed'),
  );

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    orm,
    temporal,
    ctx,
    verification,
    get worker() {
      return worker;
    },
    restartWorker: async () => {
      await stopWorker();
      await startWorker();
    },
    stopWorker,
    startWorker,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      readFromDatabase(undefined);
      await release();
      // The PDF renderer's browser is launched on first use; close it so that the process can end.
      await closePdfRenderer();
    },
  };
}
