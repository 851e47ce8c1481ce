/**
 * What every profile script (bench/profile-*.ts) runs in: a directory for its profiles (PROFILE_DIR, default a
 * temporary one), the Temporal dev server with its SQLite file in a temporary directory, and the test setup's
 * PostgreSQL (or one of the profile's own, with server settings the test setup's has not), SMTP and workflow bundle;
 * all stopped afterwards, and the process ended with the outcome.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../infra/postgres';
import { startTemporalDevServer } from '../infra/temporal';
import globalSetup from '../test/support/global-setup';
import globalTeardown from '../test/support/global-teardown';
import { freePort } from '../test/support/ports';
import { CpuProfile, summariseProfile } from './profile-summary';

export interface ProfileServices {
  /**
   * Server settings for PostgreSQL (e.g. `shared_preload_libraries`): the profile then starts a PostgreSQL of its
   * own with them, where the test setup's would have none.
   */
  postgresSettings?: Record<string, string>;
}

/** PostgreSQL with `settings` in `dir`, its admin URL in DATABASE_URL for the test setup; its stop. */
async function ownPostgres(dir: string, settings: Record<string, string>): Promise<() => Promise<void>> {
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'postgres'),
    port: await freePort(),
    persistent: false,
    maxConnections: 400,
    settings,
  });
  process.env.DATABASE_URL = pg.adminUrl;
  return () => pg.stop();
}

async function withServices(
  profile: (dir: string) => Promise<void>,
  options: ProfileServices,
): Promise<void> {
  const dir = process.env.PROFILE_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'elicense-profile-'));
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'elicense-bench-'));
  chmodSync(tmp, 0o755); // as root, PostgreSQL runs as the `postgres` user, which must reach its data directory
  const stopPostgres = options.postgresSettings ? await ownPostgres(tmp, options.postgresSettings) : null;
  try {
    const temporal = await startTemporalDevServer({
      port: await freePort(),
      headless: true,
      dbFile: path.join(tmp, 'temporal.db'),
    });
    process.env.TEMPORAL_ADDRESS = temporal.address;
    try {
      await globalSetup();
      await profile(dir);
    } finally {
      await globalTeardown();
      await temporal.stop();
    }
  } finally {
    await stopPostgres?.();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs `profile` with the services up, writing to the directory it is given; exits 0, or 1 with the error. */
export function runProfile(profile: (dir: string) => Promise<void>, options: ProfileServices = {}): void {
  withServices(profile, options).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** The sampled (non-idle) time of a profile, in ms. */
function busyMs(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  return (
    profile.samples.reduce((sum, id, i) => sum + (idle.has(id) ? 0 : (profile.timeDeltas[i] ?? 0)), 0) / 1000
  );
}

/** Waits until `count` profile files are in `dir` (the workers write theirs after the signal). */
async function profilesIn(dir: string, count: number): Promise<string[]> {
  for (let i = 0; i < 600; i++) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length >= count) {
      await new Promise((resolve) => setTimeout(resolve, 1000)); // any thread still writing its own
      return readdirSync(dir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(dir, f));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`fewer than ${count} profiles were written to ${dir}`);
}

/**
 * Profiles every thread of the named processes (pid → name) while `run` goes (SIGUSR2 to each, before and after:
 * bench/cpu-profile-preload.cjs), then prints each thread's summary with its busy ms per unit of what `run` did.
 */
export async function profileWhile(
  dir: string,
  names: Map<number, string>,
  run: () => Promise<number>,
  unit: { name: string; digits: number },
): Promise<void> {
  const toggle = () => names.forEach((_, pid) => process.kill(pid, 'SIGUSR2'));
  toggle();
  const count = await run();
  toggle();
  // Every process's main thread and the workers' workflow and other threads.
  for (const file of await profilesIn(dir, 6)) {
    const pid = Number(/(\d+)-\d+\.cpuprofile$/.exec(file)![1]);
    const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const busy = (busyMs(p) / count).toFixed(unit.digits);
    console.log(`\n=== ${names.get(pid)} ${path.basename(file)}: ${busy} ms busy per ${unit.name}`);
    console.log(summariseProfile(p, 25));
  }
}
