/**
 * The Temporal dev server (the real server inside the Temporal CLI, SQLite persistence) for development and tests,
 * used when TEMPORAL_ADDRESS is unset. The CLI is found in this order: TEMPORAL_CLI_PATH, PATH,
 * $(go env GOPATH)/bin; otherwise it is built with `go install` from the Go module proxy (DESIGN §2).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../workflows/search-attributes';

export const TEMPORAL_CLI_VERSION = '1.5.1';
const CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function goBinDir(): string | undefined {
  if (!onPath('go') && !existsSync('/usr/local/go/bin/go')) return undefined;
  const go = onPath('go') ?? '/usr/local/go/bin/go';
  try {
    return path.join(execFileSync(go, ['env', 'GOPATH'], { encoding: 'utf8' }).trim(), 'bin');
  } catch {
    return undefined;
  }
}

export function findTemporalCli(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const bin = goBinDir();
  return (
    onPath('temporal') ??
    (bin && existsSync(path.join(bin, 'temporal')) ? path.join(bin, 'temporal') : undefined)
  );
}

/** Finds the CLI, building it with Go the first time; fails with what to install when neither is possible. */
export function ensureTemporalCli(log: (line: string) => void = console.log): string {
  const found = findTemporalCli();
  if (found) return found;
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new Error(
      'The Temporal CLI was not found and Go is not installed to build it. Either install Go and run ' +
        `\`go install ${CLI_MODULE}\`, put a \`temporal\` binary on PATH (or set TEMPORAL_CLI_PATH), or set ` +
        'TEMPORAL_ADDRESS to an existing Temporal cluster.',
    );
  }
  log(
    `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (first time only; this takes a few minutes) …`,
  );
  const result = spawnSync(
    go,
    [
      'install',
      '-ldflags',
      `-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
      CLI_MODULE,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const built = goBinDir() && path.join(goBinDir()!, 'temporal');
  if (result.status !== 0 || !built || !existsSync(built)) {
    throw new Error(`\`go install ${CLI_MODULE}\` failed (exit ${result.status}); see the output above.`);
  }
  log(`Temporal CLI built: ${built}`);
  return built;
}

export interface RunningTemporal {
  address: string;
  /** The server's process id (the fault drills kill it with SIGKILL and start it again on the same history file). */
  pid: number;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(options: {
  port: number;
  uiPort?: number;
  dbFile?: string;
  headless: boolean;
  log?: (line: string) => void;
}): Promise<RunningTemporal> {
  const cli = ensureTemporalCli(options.log);
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--log-level',
    'error',
  ];
  if (options.dbFile) {
    // WAL journal with normal sync: safe against a crashed process (the WAL is replayed), and about 2.5x the
    // workflow rate of SQLite's default rollback journal on this server (issue 19: 14–15/s → 37–38/s no-op rate).
    // A production cluster runs Temporal on PostgreSQL or Cassandra instead (README "Pointing it at existing
    // infrastructure").
    args.push('--db-filename', options.dbFile);
    args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  // The typed search attributes the workflows set (workflows/search-attributes.ts); a production namespace gets
  // them with `temporal operator search-attribute create` (README).
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_REGISTRATIONS)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? options.port + 1000));
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal server exited (${child.exitCode}): ${stderr}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal server did not answer on ${address} within 60 s: ${String(e)} ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    pid: child.pid!,
    uiUrl: options.headless ? undefined : `http://localhost:${options.uiPort ?? options.port + 1000}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
