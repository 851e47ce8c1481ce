/**
 * Issue 19 (LM-10): the two statements that look for legacy numbers a unit already converted — the count of rows
 * to sign before a start, and each batch's check — read the licence table through the legacy key's own index
 * (`licence_legacy_key_uq`), also while PostgreSQL's statistics do not know the unit's licences yet. Before, both
 * were planned on the unit-and-type index (`licence_issuer_idx`) and filtered on the number: every row of a file
 * (and every batch) read all the unit's licences of the type, quadratic over a million rows (measured with
 * auto_explain: 2,000,000 rows read to count a 4,000-row file after a 500-row one).
 *
 * The statistics are kept stale on purpose: the licence table is analysed before the first conversion and not
 * again. A sequential scan is ruled out in the plans asked for (`enable_seqscan = off`), as on a table of millions
 * it would be: the question is which index the planner takes.
 */
import { Client } from 'pg';
import { ROWS_TO_SIGN_SQL } from '../../api/services/licence-conversion';
import { ALREADY_CONVERTED_SQL } from '../../usecases/licence-conversion-batch';
import {
  grantConversionSealUse,
  LEDGER_MAPPING,
  ledgerCsv,
  makeLedger,
  uploadLedger,
  waitForConversion,
} from '../support/conversions';
import { withDatabase } from '../support/global-setup';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let owner: Client;
jest.setTimeout(300_000);

beforeAll(async () => {
  t = await startTestPlatform();
  owner = new Client({
    connectionString: withDatabase(process.env.TEST_POSTGRES_ADMIN_URL!, t.databaseName),
  });
  await owner.connect();
  // Statistics that know none of the licences converted below.
  await owner.query('alter table licence set (autovacuum_enabled = off)');
  await owner.query('analyze licence');
});

afterAll(async () => {
  await owner?.end();
  await t?.stop();
});

async function uploadAndMap(rows: Array<Record<string, string>>): Promise<string> {
  const uploaded = await uploadLedger(t, { name: '存量台账.csv', content: ledgerCsv(rows) });
  expect(uploaded.status).toBe(201);
  const jobId = uploaded.body.id as string;
  const mapped = await t.call('PUT', `/api/conversions/${jobId}/mapping`, {
    as: 'zz-amr-issuer',
    body: { mapping: LEDGER_MAPPING },
  });
  expect(mapped.body).toMatchObject({ status: 'checked', invalidRows: 0 });
  return jobId;
}

interface PlanNode {
  'Relation Name'?: string;
  'Index Name'?: string;
  'Node Type': string;
  Plans?: PlanNode[];
}

/** A statement written for MikroORM (`?` placeholders) in node-postgres' numbered form. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** How each node of the plan of `sql` that reads the licence table reads it. */
async function licenceAccess(sql: string, params: unknown[]): Promise<string[]> {
  await owner.query('begin');
  try {
    await owner.query('set local enable_seqscan = off');
    const { rows } = await owner.query(`explain (format json) ${numbered(sql)}`, params);
    const found: string[] = [];
    // An index scan names its table and index; a bitmap scan names the table on its heap scan and the index on
    // its child. Every index of the licence table is named `licence_…`.
    const walk = (node: PlanNode) => {
      const index = node['Index Name'];
      if (index?.startsWith('licence_')) found.push(index);
      else if (node['Relation Name'] === 'licence' && !node['Node Type'].startsWith('Bitmap'))
        found.push(node['Node Type']);
      node.Plans?.forEach(walk);
    };
    walk((rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan);
    return found;
  } finally {
    await owner.query('rollback');
  }
}

describe('looking for legacy numbers already converted (LM-10)', () => {
  it('probes the legacy key index, in the count before a start and in each batch, with stale statistics', async () => {
    await grantConversionSealUse(t, 600);
    const first = makeLedger(300, 0);
    const firstJob = await uploadAndMap(first.rows);
    const start = await t.call('POST', `/api/conversions/${firstJob}/start`, {
      as: 'zz-amr-issuer',
      body: {},
    });
    expect(start.status).toBe(202);
    expect((await waitForConversion(t, firstJob)).progress).toMatchObject({ converted: 300 });

    // A second file: half its rows the first file's, half new.
    const second = [...first.rows.slice(0, 150), ...makeLedger(150, 0).rows];
    const secondJob = await uploadAndMap(second);
    const { rows: jobs } = await owner.query(
      'select organisation_id, type_code from conversion_job where id = $1',
      [secondJob],
    );
    const { organisation_id: unit, type_code: type } = jobs[0] as {
      organisation_id: string;
      type_code: string;
    };
    // The statistics still hold none of the unit's licences.
    const { rows: stats } = await owner.query(
      `select reltuples::int as tuples from pg_class where relname = 'licence'`,
    );
    expect(stats[0].tuples).toBeLessThan(300);

    const countParams = [secondJob, unit, type, LEDGER_MAPPING.licenceNumber];
    expect(await licenceAccess(ROWS_TO_SIGN_SQL, countParams)).toEqual(['licence_legacy_key_uq']);
    const numbers = second.map((r) => r[LEDGER_MAPPING.licenceNumber]!);
    const checkParams = [unit, type, JSON.stringify(numbers)];
    expect(await licenceAccess(ALREADY_CONVERTED_SQL, checkParams)).toEqual(['licence_legacy_key_uq']);

    // And they answer what they should: 150 rows left to sign; the first file's 150 numbers already converted.
    const toSign = await owner.query(numbered(ROWS_TO_SIGN_SQL), countParams);
    expect(Number(toSign.rows[0].n)).toBe(150);
    const converted = await owner.query(numbered(ALREADY_CONVERTED_SQL), checkParams);
    expect(converted.rows.map((r) => r.legacy_number).sort()).toEqual(numbers.slice(0, 150).sort());
  });
});
