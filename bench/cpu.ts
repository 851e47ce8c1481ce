/**
 * CPU time per process over a stretch of the bench, from /proc (Linux): which process a figure is bound by once the
 * API and the workers run apart. A group (e.g. PostgreSQL: the postmaster and its backends) sums its processes.
 */
import { readFileSync } from 'node:fs';
import { childrenOf } from './memory';
import { log } from './stats';

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`; 100 on Linux x86-64 and arm64). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time (ms) the process has used so far, all its threads; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** A named process, or a group: the process and its children (a backend that started meanwhile counts whole). */
export interface Watched {
  name: string;
  pid: number;
  withChildren?: boolean;
}

const pidsOf = (w: Watched) => (w.withChildren ? [w.pid, ...childrenOf(w.pid)] : [w.pid]);

/** The CPU time (ms) each watched process used during a stretch of `seconds`. */
export interface CpuUsage {
  seconds: number;
  used: Array<{ name: string; ms: number }>;
}

/** Runs `task`, and measures the CPU time each watched process used meanwhile. */
export async function cpuDuring<T>(
  watched: Watched[],
  task: () => Promise<T>,
): Promise<{ result: T; usage: CpuUsage }> {
  const before = new Map(watched.flatMap(pidsOf).map((pid) => [pid, cpuMs(pid)]));
  const started = Date.now();
  const result = await task();
  const seconds = (Date.now() - started) / 1000;
  const used = watched.map((w) => ({
    name: w.name,
    ms: pidsOf(w).reduce((sum, pid) => sum + cpuMs(pid) - (before.get(pid) ?? 0), 0),
  }));
  return { result, usage: { seconds, used } };
}

/**
 * The CPU time of `watched` summed over several stretches, each measured with cpuDuring: e.g. the approval steps of
 * a run without the set-up between them (submitting an application, waiting for its first task).
 */
export function cpuMeter(watched: Watched[]) {
  let seconds = 0;
  const used = new Map<string, number>(watched.map((w) => [w.name, 0]));
  return {
    async measure<T>(task: () => Promise<T>): Promise<T> {
      const { result, usage } = await cpuDuring(watched, task);
      seconds += usage.seconds;
      for (const u of usage.used) used.set(u.name, used.get(u.name)! + u.ms);
      return result;
    },
    usage(): CpuUsage {
      return { seconds, used: [...used].map(([name, ms]) => ({ name, ms })) };
    },
  };
}

/** Prints `usage` per unit of work (`count` of them), and how many cores the processes kept busy together. */
export function logCpu(usage: CpuUsage, per: { count: number; unit: string }): void {
  const total = usage.used.reduce((sum, u) => sum + u.ms, 0);
  log(
    `  CPU ms per ${per.unit}: ${usage.used.map((u) => `${u.name} ${(u.ms / per.count).toFixed(2)}`).join(', ')}` +
      ` (together ${(total / 1000 / usage.seconds).toFixed(2)} cores busy over ${usage.seconds.toFixed(1)} s)`,
  );
}
