/** Whether the database and Temporal answer, each within 3 s (`GET /health`). */
import type { AppContext } from '../context';

export interface Probe {
  ok: boolean;
  error?: string;
}

async function probe(fn: () => Promise<unknown>): Promise<Probe> {
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 3 s')), 3000)),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export async function checkHealth(ctx: AppContext): Promise<{ database: Probe; temporal: Probe }> {
  const [database, temporal] = await Promise.all([
    probe(() => ctx.em().getConnection().execute('select 1')),
    probe(() => ctx.temporal.connection.workflowService.getSystemInfo({})),
  ]);
  return { database, temporal };
}
