/**
 * `npm run api`: the HTTP API alone, one process per core (issue 19 Build 4), as production scales it out beside
 * separate worker processes (`npm run worker`). The primary prepares the database once (migrations, grants), then
 * forks API_PROCESSES processes (default: the cores available) that share one listening port (node:cluster hands
 * connections round-robin); a process that dies is replaced. Needs DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL;
 * DATABASE_OWNER_URL when the runtime role may not migrate. Each process keeps its own caches (parsed
 * certificates, licences' signed content — immutable, so they need no coordination) and its own rate-limit
 * counters (a limit per process: the configured limit × processes in the worst case).
 */
import cluster from 'node:cluster';
import os from 'node:os';
import { openOrm } from '../db/orm';
import { loadConfig } from '../infra/config';
import { logger } from '../infra/logger';
import { API_CLUSTER_READY } from './api-cluster-ready';
import { startPlatform } from './compose';
import { prepareDatabase, runtimeRoleOf } from './prepare-database';

function services() {
  const config = loadConfig();
  const { databaseUrl, temporalAddress, smtpUrl } = config;
  if (!databaseUrl || !temporalAddress || !smtpUrl) {
    throw new Error(
      'the API processes need DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL (npm start runs all in one)',
    );
  }
  return { config, databaseUrl, temporalAddress, smtpUrl };
}

/**
 * The old-space limit of each API process, in MiB (API_HEAP_MB, default 512). An API process keeps nothing that
 * grows with the work (a conversion upload is streamed into PostgreSQL), but Node collects garbage lazily up to a
 * default limit sized from the machine's memory: a 200,000-row upload peaked at 739 MiB unbounded and at 314 MiB
 * with a 192 MB limit (issue 19: every process under 1 GiB).
 */
function apiHeapMb(): number {
  const mb = Number(process.env.API_HEAP_MB ?? 512);
  if (!Number.isInteger(mb) || mb < 128)
    throw new Error(`API_HEAP_MB must be a whole number ≥ 128, not ${mb}`);
  return mb;
}

async function primary(): Promise<void> {
  const { config, databaseUrl } = services();
  const owner = config.databaseOwnerUrl ?? databaseUrl;
  const orm = await openOrm(owner);
  try {
    await prepareDatabase(orm, owner === databaseUrl ? {} : { runtimeRole: runtimeRoleOf(databaseUrl) });
  } finally {
    await orm.close(true);
  }
  const count = Number(process.env.API_PROCESSES ?? os.availableParallelism());
  cluster.setupPrimary({ execArgv: [...process.execArgv, `--max-old-space-size=${apiHeapMb()}`] });
  let stopping = false;
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening !== count) return;
    logger.info({ processes: count, port: config.port }, 'every API process listening');
    // A parent that started the cluster with an IPC channel (the bench) learns it is ready whatever the log level.
    process.send?.(API_CLUSTER_READY);
  });
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.warn({ pid: worker.process.pid, code, signal }, 'API process ended; starting another');
    cluster.fork();
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  logger.info({ processes: count, port: config.port }, 'API cluster started');
}

async function apiProcess(): Promise<void> {
  const { config, databaseUrl, temporalAddress, smtpUrl } = services();
  const platform = await startPlatform({
    config,
    databaseUrl,
    temporalAddress,
    smtpUrl,
    seedDevData: false,
    runWorker: false,
    databasePrepared: true,
  });
  const stop = () => {
    platform.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  logger.info({ port: platform.port, pid: process.pid }, 'API process listening');
}

(cluster.isPrimary ? primary() : apiProcess()).catch((err) => {
  logger.fatal({ err }, 'the API cluster failed');
  process.exit(1);
});
