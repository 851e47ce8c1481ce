/**
 * Issue 19 (LM-10): a worker killed with SIGKILL in the middle of a conversion. The platform and signing workers
 * run as a separate process (test/support/worker-process.ts); once the first batches have committed, it is killed
 * and started again. The conversion resumes at the last committed batch and ends with every good row converted
 * exactly once: one licence per legacy number, one use of the authorisation per licence, one signature record each.
 */
import type { ChildProcess } from 'node:child_process';
import {
  grantConversionSealUse,
  LEDGER_MAPPING,
  ledgerCsv,
  makeLedger,
  uploadLedger,
  waitForConversion,
} from '../support/conversions';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { kill9, startWorkerProcess } from '../support/worker-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t: TestPlatform;
jest.setTimeout(900_000);
let worker: ChildProcess | undefined;

beforeAll(async () => {
  t = await startTestPlatform({ runWorker: false });
  worker = await startWorkerProcess(t.workerEnv, 300_000);
});

afterAll(async () => {
  if (worker) await kill9(worker);
  await t?.stop();
});

it('a worker killed (SIGKILL) mid-conversion resumes, and each row is converted exactly once', async () => {
  const rows = 4_000;
  const ledger = makeLedger(rows, 3);
  const { authorisationId } = await grantConversionSealUse(t, rows);
  const uploaded = await uploadLedger(t, { name: 'ledger.csv', content: ledgerCsv(ledger.rows) });
  expect(uploaded.status).toBe(201);
  const jobId = uploaded.body.id as string;
  await t.call('PUT', `/api/conversions/${jobId}/mapping`, {
    as: 'zz-amr-issuer',
    body: { mapping: LEDGER_MAPPING },
  });
  const started = await t.call('POST', `/api/conversions/${jobId}/start`, { as: 'zz-amr-issuer', body: {} });
  expect(started.status).toBe(202);

  // Wait for the first committed batch, then kill the worker while batches remain.
  const committed = async () =>
    Number(
      (
        await t
          .em()
          .getConnection()
          .execute(`select next_row - 1 as n from conversion_job where id = ?`, [jobId])
      )[0].n,
    );
  for (let i = 0; i < 1200 && (await committed()) === 0; i++) await sleep(100);
  const before = await committed();
  expect(before).toBeGreaterThan(0);
  expect(before).toBeLessThan(rows);
  await kill9(worker!);
  worker = await startWorkerProcess(t.workerEnv);

  const done = await waitForConversion(t, jobId);
  expect(done.status).toBe('completed');
  expect(done.progress).toMatchObject({
    converted: rows - 3,
    rejected: 3,
    alreadyConverted: 0,
    doneRows: rows,
  });

  const sql = (q: string) => t.em().getConnection().execute(q, [jobId]);
  const [counts] = await sql(
    `select count(*)::int as licences, count(distinct legacy_number)::int as numbers,
            count(distinct signature_id)::int as signatures
       from licence where conversion_job_id = ?`,
  );
  expect(counts).toEqual({ licences: rows - 3, numbers: rows - 3, signatures: rows - 3 });
  const [uses] = await t
    .em()
    .getConnection()
    .execute(
      `select used_count, (select count(*)::int from seal_signature where authorisation_id = a.id) as records
         from seal_use_authorisation a where id = ?`,
      [authorisationId],
    );
  expect(uses).toEqual({ used_count: rows - 3, records: rows - 3 });
  const [outbox] = await sql(
    `select count(*)::int as n from exchange_outbox o join licence l on l.id = o.licence_id where l.conversion_job_id = ?`,
  );
  expect(outbox.n).toBe(rows - 3);
});
