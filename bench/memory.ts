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

export interface MemorySampler {
  stop(): { thisProcess: number; temporal: number; postgres: number };
}

export function sampleMemory(temporalPid: number | undefined, postmaster: number): MemorySampler {
  const peak = { thisProcess: 0, temporal: 0, postgres: 0 };
  const sample = () => {
    peak.thisProcess = Math.max(peak.thisProcess, process.memoryUsage().rss);
    if (temporalPid) peak.temporal = Math.max(peak.temporal, rssBytes(temporalPid));
    for (const pid of [postmaster, ...childrenOf(postmaster)])
      peak.postgres = Math.max(peak.postgres, rssBytes(pid));
  };
  sample();
  const timer = setInterval(sample, 1000);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
