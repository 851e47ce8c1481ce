/**
 * PostgreSQL's own time per statement (issue 19), from pg_stat_statements: what the V8 profiles
 * (bench/profile-conversion.ts, bench/profile-issuance.ts) cannot show — on which statements PostgreSQL spends its
 * share of a unit of work. A PostgreSQL of its own with the extension preloaded (bench/profile-services.ts), the
 * in-process platform, a warm-up of the same work first, then PROFILE_COUNT units with the statements' counters
 * reset, so that a statement whose cost grows with what is already stored stands out (the count of rows to sign
 * read every licence of the unit once per row of the file until migration 20261208100001). PROFILE_WORKLOAD:
 *
 * - `conversion` (default): legacy conversion through the API, 500 rows, then PROFILE_COUNT rows (4,000);
 * - `issuance`: `POST /api/licenses` at 16 in flight, 50 licences, then PROFILE_COUNT (200).
 *
 * Prints PostgreSQL's CPU per unit (all its processes) and the statements by execution and planning time per unit.
 * A `COPY … FROM STDIN` counts the time it waits for the client's data too. Run with `LOG_LEVEL=warn`.
 */
import { Client } from 'pg';
import { grantConversionSealUse } from '../test/support/conversions';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../test/support/licences';
import { startTestPlatform, TestPlatform } from '../test/support/platform';
import { convertThroughApi } from './conversion';
import { cpuDuring, logCpu } from './cpu';
import { runPool } from './load';
import { postmasterPid } from './memory';
import { ownerUrl } from './owner';
import { runProfile } from './profile-services';
import { elapsedMs } from './stats';

interface Workload {
  unit: string;
  warmUp: number;
  count: number;
  prepare(t: TestPlatform, units: number): Promise<unknown>;
  /** Does `count` units of the work; answers how many were done. */
  run(t: TestPlatform, count: number): Promise<number>;
}

const WORKLOADS: Record<string, Workload> = {
  conversion: {
    unit: 'row',
    warmUp: 500,
    count: 4000,
    prepare: (t, units) => grantConversionSealUse(t, units),
    run: async (t, count) => (await convertThroughApi(t, count)).converted,
  },
  issuance: {
    unit: 'licence',
    warmUp: 50,
    count: 200,
    prepare: (t, units) => grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: units }),
    run: async (t, count) => {
      const issue = async () => void (await issueLicence(t, businessLicenceBody()));
      return (await runPool(Array.from({ length: count }), 16, issue)).count;
    },
  },
};

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

/** PostgreSQL's CPU and its statements' time over `count` units of `work` on `t`, per unit. */
async function profile(t: TestPlatform, name: string, work: Workload, count: number): Promise<void> {
  const owner = new Client({ connectionString: ownerUrl(t) });
  await owner.connect();
  try {
    await owner.query('create extension if not exists pg_stat_statements');
    await owner.query('select pg_stat_statements_reset()');
    const postgres = { name: 'PostgreSQL', pid: await postmasterPid(ownerUrl(t)), withChildren: true };
    const started = process.hrtime.bigint();
    const { result: done, usage } = await cpuDuring([postgres], () => work.run(t, count));
    console.log(`${name}: ${done} ${work.unit}s in ${(elapsedMs(started) / 1000).toFixed(1)} s`);
    logCpu(usage, { count: done, unit: work.unit });
    const statements = await topStatements(owner, Number(process.env.PROFILE_STATEMENTS ?? 25));
    console.log(`µs per ${work.unit}   calls     rows  statement`);
    for (const s of statements) {
      const perUnit = ((s.ms * 1000) / done).toFixed(1).padStart(9);
      console.log(`${perUnit} ${s.calls.padStart(8)} ${s.rows.padStart(8)}  ${s.query.slice(0, 140)}`);
    }
  } finally {
    await owner.end();
  }
}

runProfile(
  async () => {
    const name = process.env.PROFILE_WORKLOAD ?? 'conversion';
    const work = WORKLOADS[name];
    if (!work) throw new Error(`PROFILE_WORKLOAD: one of ${Object.keys(WORKLOADS).join(', ')}`);
    const count = Number(process.env.PROFILE_COUNT ?? work.count);
    const t = await startTestPlatform();
    try {
      await work.prepare(t, work.warmUp + count);
      await work.run(t, work.warmUp);
      await profile(t, name, work, count);
    } finally {
      await t.stop();
    }
  },
  { postgresSettings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } },
);
