/**
 * The composition root: the platform's own processes on top of running services — database schema and CA, seed
 * data, the Temporal client, the mailer, the worker, the services and the HTTP API, wired together here and nowhere
 * else. `npm start` calls it after starting local services; the tests and the bench call it against theirs.
 */
import { logger } from '../infra/logger';
import { readFromDatabase } from '../infra/metrics';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createApp } from '../api/app';
import { Authenticator } from '../api/auth';
import type { AppContext } from '../api/context';
import { JurisdictionTree } from '../api/jurisdiction-tree';
import { openOrm, Orm } from '../db/orm';
import { seed } from '../seed/demo-city';
import { createMailer, Mailer } from '../mail/mailer';
import { activityDeps } from '../activities';
import { createWorker } from '../worker/worker';
import { ensureAttachmentPurgeSchedule } from '../usecases/attachment-purge-schedule';
import type { Config } from '../infra/config';
import { closePdfRenderer } from '../infra/pdf';
import { temporalConnectionOptions } from '../infra/temporal-connection';
import { prepareDatabase, runtimeRoleOf } from './prepare-database';
import { sealAuditDays } from '../usecases/audit-log';

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
  /** Run a worker in this process (the default); production may run workers separately. */
  runWorker?: boolean;
  workflowBundlePath?: string;
  /** 0 picks a free port (tests). */
  port?: number;
}

export interface RunningPlatform {
  url: string;
  port: number;
  orm: Orm;
  temporal: Client;
  ctx: AppContext;
  worker: Worker | undefined;
  /** Stops and restarts the in-process worker, as a crash and restart would. */
  restartWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * The Temporal runtime would shut workers down on SIGINT/SIGTERM by itself and then end the process; the platform
 * stops its parts in order (API, worker, database) instead, so it takes the signals away from the runtime.
 */
function installRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ shutdownSignals: [] });
  runtimeInstalled = true;
}

export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const { config } = options;
  installRuntime();
  if (options.ownerDatabaseUrl && options.ownerDatabaseUrl !== options.databaseUrl) {
    const owner = await openOrm(options.ownerDatabaseUrl);
    try {
      await prepareDatabase(owner, config.pkiMasterKey, { runtimeRole: runtimeRoleOf(options.databaseUrl) });
      if (options.seedDevData) await seed(owner.em.fork() as EntityManager, config.pkiMasterKey);
    } finally {
      await owner.close(true);
    }
  }
  const orm = await openOrm(options.databaseUrl);
  if (!options.ownerDatabaseUrl || options.ownerDatabaseUrl === options.databaseUrl) {
    await prepareDatabase(orm, config.pkiMasterKey);
    if (options.seedDevData) await seed(orm.em.fork() as EntityManager, config.pkiMasterKey);
  }

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
  const { app, sealApplications, sealUse, licences } = createApp(ctx);
  // The counts /metrics reads on each scrape (infra/metrics.ts); the last platform started in a process wins.
  const count = async (sql: string) => Number((await em().getConnection().execute(sql))[0].n);
  readFromDatabase({
    deadlineBreaches: () => count('select count(*) as n from deadline_breach'),
    exchangeBacklog: () => count(`select count(*) as n from exchange_outbox where status = 'pending'`),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(options.port ?? config.port, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  // Re-attach any request whose process was never started (crash between insert and start).
  const orphans = [
    ['applications', sealApplications],
    ['seal-use requests', sealUse],
    ['licence issuances', licences],
  ] as const;
  for (const [what, service] of orphans) {
    service.resumeOrphans().catch((err) => logger.warn({ err, what }, 'resuming orphaned requests failed'));
  }
  // Issue 11: uploads never attached are purged by a Temporal schedule.
  ensureAttachmentPurgeSchedule(temporal, {
    taskQueue: config.temporalTaskQueue,
    retentionHours: config.attachmentRetentionHours,
  }).catch((err) => logger.warn({ err }, 'ensuring the attachment purge schedule failed'));
  // LM-25: each finished day's audit chains are sealed (signed) once; any process may do it, the first one wins.
  let sealing: Promise<unknown> = Promise.resolve();
  const sealFinishedDays = () => {
    sealing = sealAuditDays(em(), config.pkiMasterKey, new Date()).catch((err) =>
      console.warn(`sealing the audit log failed: ${String(err)}`),
    );
  };
  sealFinishedDays();
  const sealTimer = setInterval(sealFinishedDays, 15 * 60_000);
  sealTimer.unref();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    orm,
    temporal,
    ctx,
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
      clearInterval(sealTimer);
      await sealing;
      readFromDatabase(undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await stopWorker();
      await nativeConnection?.close();
      await connection.close();
      mailer.close();
      // The PDF renderer's browser is launched on first use; close it so that the process can end.
      await closePdfRenderer();
      await orm.close();
    },
  };
}
