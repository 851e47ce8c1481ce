/**
 * Peak resident memory of the processes a run uses, sampled from /proc (Linux): this process (the API and the
 * in-process workers), the Temporal server, and the largest PostgreSQL process (the postmaster and its backends).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Client } from 'pg';

function rssBytes(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

export function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => parentOf(pid) === parent);
}

/**
 * The PostgreSQL server's main process: the parent of a backend, read while that backend's connection is open (once
 * it is closed the backend is gone, and its parent read as 0 made the group init and kthreadd).
 */
export async function postmasterPid(databaseUrl: string): Promise<number> {
  const c = new Client({ connectionString: databaseUrl });
  c.on('error', () => undefined);
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>('select pg_backend_pid() as pid');
    const postmaster = parentOf(rows[0]!.pid);
    if (postmaster <= 1) throw new Error(`no PostgreSQL server process found for backend ${rows[0]!.pid}`);
    return postmaster;
  } finally {
    await c.end();
  }
}

/** A process whose peak resident memory is sampled; a group is its largest process (e.g. PostgreSQL's backends). */
export interface MemoryWatched {
  name: string;
  pid: number;
  group?: boolean;
}

export interface MemorySampler {
  /** Each watched process's peak, in the order given. */
  stop(): Array<{ name: string; peak: number }>;
}

/** Samples every watched process's resident memory once a second until `stop()`. */
export function sampleMemory(watched: MemoryWatched[]): MemorySampler {
  const peak = watched.map(() => 0);
  const sample = () =>
    watched.forEach((w, i) => {
      for (const pid of w.group ? [w.pid, ...childrenOf(w.pid)] : [w.pid])
        peak[i] = Math.max(peak[i]!, rssBytes(pid));
    });
  sample();
  const timer = setInterval(sample, 1000);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return watched.map((w, i) => ({ name: w.name, peak: peak[i]! }));
    },
  };
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
