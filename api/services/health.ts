/**
 * Whether the database and Temporal answer, each within 3 s (`GET /health`). The endpoint is public, so a failure
 * is reported as `timeout` or `unavailable` only; the underlying message (hosts, ports, user names) goes to the
 * server's log.
 */
import type { AppContext } from '../context';

export interface Probe {
  ok: boolean;
  error?: 'timeout' | 'unavailable';
}

class ProbeTimeout extends Error {}

async function probe(name: string, fn: () => Promise<unknown>): Promise<Probe> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ProbeTimeout()), 3000);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    if (err instanceof ProbeTimeout) return { ok: false, error: 'timeout' };
    console.error(`health: ${name} probe failed`, err);
    return { ok: false, error: 'unavailable' };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(ctx: AppContext): Promise<{ database: Probe; temporal: Probe }> {
  const [database, temporal] = await Promise.all([
    probe('database', () => ctx.em().getConnection().execute('select 1')),
    probe('temporal', () => ctx.temporal.connection.workflowService.getSystemInfo({})),
  ]);
  return { database, temporal };
}
