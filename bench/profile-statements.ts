/**
 * PostgreSQL's own time per statement over a bulk conversion (issue 19, LM-10), from pg_stat_statements: what the V8
 * profiles (bench/profile-conversion.ts) cannot show — on which statements PostgreSQL spends its share of a row.
 * A PostgreSQL of its own with the extension preloaded (bench/profile-services.ts), the in-process platform, a
 * 500-row conversion first, then PROFILE_ROWS rows (default 4,000) of the same unit and type with the statements'
 * counters reset: a statement whose cost grows with the licences already converted stands out (the count of rows
 * to sign read all of them once per row of the file until migration 20261208100001).
 *
 * Prints PostgreSQL's CPU per row (all its processes) and the statements by execution and planning time per row.
 * A `COPY … FROM STDIN` counts the time it waits for the client's data too. Run with `LOG_LEVEL=warn`.
 */
import { Client } from 'pg';
import { grantConversionSealUse } from '../test/support/conversions';
import { startTestPlatform, TestPlatform } from '../test/support/platform';
import { convertThroughApi } from './conversion';
import { cpuDuring, logCpu } from './cpu';
import { postmasterPid } from './memory';
import { ownerUrl } from './owner';
import { runProfile } from './profile-services';

const WARM_UP_ROWS = 500;

interface StatementRow {
  calls: string;
  rows: string;
  ms: number;
  query: string;
}

async function topStatements(client: Client, limit: number): Promise<StatementRow[]> {
  const { rows } = await client.query<StatementRow>(
    `select calls, rows, total_exec_time + total_plan_time as ms, regexp_replace(query, '\\s+', ' ', 'g') as query
       from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
      order by ms desc limit $1`,
    [limit],
  );
  return rows;
}

runProfile(
  async () => {
    const count = Number(process.env.PROFILE_ROWS ?? 4000);
    let t: TestPlatform | undefined;
    const owner = { client: undefined as Client | undefined };
    try {
      t = await startTestPlatform();
      await grantConversionSealUse(t, WARM_UP_ROWS + count);
      await convertThroughApi(t, WARM_UP_ROWS);
      owner.client = new Client({ connectionString: ownerUrl(t) });
      await owner.client.connect();
      await owner.client.query('create extension if not exists pg_stat_statements');
      await owner.client.query('select pg_stat_statements_reset()');
      const postgres = { name: 'PostgreSQL', pid: await postmasterPid(ownerUrl(t)), withChildren: true };
      const { result, usage } = await cpuDuring([postgres], () => convertThroughApi(t!, count));
      console.log(`${result.converted} rows converted in ${result.seconds.toFixed(1)} s`);
      logCpu(usage, { count: result.converted, unit: 'row' });
      const statements = await topStatements(owner.client, Number(process.env.PROFILE_STATEMENTS ?? 25));
      console.log('µs per row   calls     rows  statement');
      for (const s of statements) {
        const perRow = ((s.ms * 1000) / result.converted).toFixed(1).padStart(9);
        console.log(`${perRow} ${s.calls.padStart(8)} ${s.rows.padStart(8)}  ${s.query.slice(0, 140)}`);
      }
    } finally {
      await owner.client?.end();
      await t?.stop();
    }
  },
  { postgresSettings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } },
);
