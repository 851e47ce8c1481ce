/**
 * What PostgreSQL wrote to its WAL and read from outside its shared buffers while some work ran (the whole server:
 * pg_stat_wal, pg_stat_database, pg_stat_checkpointer of PostgreSQL 17). Per row converted it tells apart what CPU
 * time alone does not: inserts at random pages of an index read those pages back once the index outgrows the
 * shared buffers, and write each of them whole to the WAL (a full-page image) the first time after a checkpoint.
 */
import { Client } from 'pg';
import { log } from './stats';

interface Counters {
  walBytes: number;
  fullPageImages: number;
  blocksRead: number;
  checkpoints: number;
}

async function counters(client: Client): Promise<Counters> {
  const { rows } = await client.query(
    `select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 as wal_bytes,
            (select wal_fpi from pg_stat_wal)::float8 as fpi,
            (select sum(blks_read) from pg_stat_database)::float8 as blocks_read,
            (select num_timed + num_requested from pg_stat_checkpointer)::float8 as checkpoints`,
  );
  const r = rows[0];
  return {
    walBytes: r.wal_bytes,
    fullPageImages: r.fpi,
    blocksRead: r.blocks_read,
    checkpoints: r.checkpoints,
  };
}

/** Runs `work`; answers its result and PostgreSQL's I/O meanwhile. */
export async function postgresIoDuring<T>(
  url: string,
  work: () => Promise<T>,
): Promise<{ result: T; io: Counters }> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const before = await counters(client);
    const result = await work();
    await client.query(`select pg_stat_clear_snapshot()`);
    const after = await counters(client);
    const io = {
      walBytes: after.walBytes - before.walBytes,
      fullPageImages: after.fullPageImages - before.fullPageImages,
      blocksRead: after.blocksRead - before.blocksRead,
      checkpoints: after.checkpoints - before.checkpoints,
    };
    return { result, io };
  } finally {
    await client.end();
  }
}

export function logPostgresIo(io: Counters, per: { count: number; unit: string }): void {
  const each = (n: number) => n / Math.max(per.count, 1);
  log(
    `PostgreSQL I/O per ${per.unit}: WAL ${(each(io.walBytes) / 1024).toFixed(1)} KiB with ` +
      `${each(io.fullPageImages).toFixed(2)} full-page images, ${each(io.blocksRead).toFixed(2)} blocks read from ` +
      `outside the shared buffers (${io.checkpoints} checkpoints)`,
  );
}
