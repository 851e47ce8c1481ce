/**
 * Issue 19 Build 1 (LM-10): legacy conversion end to end on the real services — a 10,000-row CSV with 37 bad rows
 * is uploaded, mapped and previewed (nothing converted yet), converted under ONE approved seal-use authorisation
 * (SM-12) by one workflow in batches on the signing queue; the 9,963 licences verify PASSED, the 37 come back with
 * their reasons as a CSV (read back with csv-parse), and the same file run again converts nothing. Bad input is a
 * 4xx in Chinese naming the problem. Build 2 (WP-(二)2): the completion report per unit and type.
 */
import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { deliverOutboxMessage } from '../../activities/exchange';
import { Licence } from '../../db/licence-entities';
import { licenceExport } from '../../pki/licence-document';
import { SealUseAuthorisation } from '../../db/seal-use-entities';
import {
  grantConversionSealUse,
  LEDGER_COLUMNS,
  LEDGER_MAPPING,
  ledgerCsv,
  makeLedger,
  uploadLedger,
  waitForConversion,
} from '../support/conversions';
import { BUSINESS_LICENCE_CODE, IDENTITY_CARD_CODE, startExchangeReceiver } from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
// A 10,000-row conversion on a loaded 2-core machine takes minutes.
jest.setTimeout(900_000);
const MAX_BYTES = 4 * 1024 * 1024;

beforeAll(async () => {
  t = await startTestPlatform({ env: { CONVERSION_MAX_BYTES: String(MAX_BYTES) } });
});

afterAll(async () => {
  await t?.stop();
});

async function mapAndStart(jobId: string, mapping: Record<string, string> = LEDGER_MAPPING) {
  const mapped = await t.call('PUT', `/api/conversions/${jobId}/mapping`, {
    as: 'zz-amr-issuer',
    body: { mapping },
  });
  expect(mapped.status).toBe(200);
  return mapped;
}

describe('a 10,000-row file with 37 bad rows (LM-10, SM-12)', () => {
  const ledger = makeLedger(10_000, 37);
  const csv = ledgerCsv(ledger.rows);
  let authorisationId: string;
  let firstJob: any;

  it('maps, previews every bad row with its row number, field and rule, and converts nothing yet', async () => {
    ({ authorisationId } = await grantConversionSealUse(t, 10_000));
    const uploaded = await uploadLedger(t, { name: '泽州县营业执照存量台账.csv', content: csv });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({ status: 'uploaded', totalRows: 10_000, columns: LEDGER_COLUMNS });
    // Hashed as it streamed in (the file is never held whole).
    expect(uploaded.body).toMatchObject({
      fileSha256: createHash('sha256').update(csv).digest('hex'),
      fileBytes: Buffer.byteLength(csv),
    });
    // The column names equal to the fields' labels are suggested.
    expect(uploaded.body.mapping).toMatchObject({
      'data.legalRepresentative': '法定代表人',
      'data.address': '住所',
    });

    const mapped = await mapAndStart(uploaded.body.id);
    expect(mapped.body).toMatchObject({ status: 'checked', invalidRows: 37 });
    const reported = mapped.body.rejectedRows as Array<{ rowNumber: number; field: string; rule: string }>;
    expect(new Set(reported.map((r) => r.rowNumber))).toEqual(new Set(ledger.bad.map((b) => b.rowNumber)));
    for (const bad of ledger.bad) {
      expect(reported).toContainEqual(expect.objectContaining(bad));
    }
    expect(mapped.body.preview[0]).toMatchObject({ rowNumber: 2, problems: [] });
    const stored = await t.em().count(Licence, { conversionJobId: uploaded.body.id });
    expect(stored).toBe(0);
    firstJob = mapped.body;
  });

  it('converts the 9,963 good rows under one authorisation, each verifying PASSED, marked 存量转换 with its original issue date', async () => {
    const started = await t.call('POST', `/api/conversions/${firstJob.id}/start`, {
      as: 'zz-amr-issuer',
      body: {},
    });
    expect(started.status).toBe(202);
    expect(started.body.status).toBe('running');
    const done = await waitForConversion(t, firstJob.id);
    expect(done.status).toBe('completed');
    expect(done.progress).toMatchObject({
      totalRows: 10_000,
      doneRows: 10_000,
      converted: 9_963,
      alreadyConverted: 0,
      rejected: 37,
      percent: 100,
    });
    expect(done.progress.durationSeconds).toBeGreaterThan(0);

    const em = t.em();
    expect(await em.count(Licence, { conversionJobId: firstJob.id })).toBe(9_963);
    const authorisation = await em.findOneOrFail(SealUseAuthorisation, { id: authorisationId });
    expect(authorisation.usedCount).toBe(9_963);

    // A sample through POST /api/verify: first, last and spread between.
    const licences = await em.find(
      Licence,
      { conversionJobId: firstJob.id },
      {
        orderBy: { legacyNumber: 'asc' },
        fields: ['identifier', 'legacyNumber', 'issueDate', 'signature', 'signatureId', 'sealId'],
      },
    );
    const sample = [0, 1, 997, 4_999, 8_111, licences.length - 1].map((i) => licences[i]!);
    for (const licence of sample) {
      const report = await t.call('POST', '/api/verify', { body: { identifier: licence.identifier } });
      expect(report.status).toBe(200);
      expect(report.body.indication).toBe('PASSED');
      expect(licence.signature.authorisationId).toBe(authorisationId);
      expect(licence.signature.purpose).toMatchObject({
        purpose: 'licence.issuance',
        identifier: licence.identifier,
      });
      const source = ledger.rows.find((r) => r['原证照编号'] === licence.legacyNumber)!;
      const [y, m, d] = source['发证日期']!.split('/');
      expect(licence.issueDate).toBe(`${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`);
    }
    const view = await t.call('GET', `/api/licenses/${sample[0]!.identifier}`, { as: 'zz-amr-issuer' });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ legacyConversion: true, licenceNumber: sample[0]!.legacyNumber });

    // The record is stored once, in the licence row; the seal's signature list reads it from there.
    const stored: Array<{ records: number; named: number }> = await em.execute(
      `select count(record)::int as records, count(licence_id)::int as named from seal_signature s
        where exists (select 1 from licence l where l.signature_id = s.id and l.conversion_job_id = ?)`,
      [firstJob.id],
    );
    expect(stored[0]).toEqual({ records: 0, named: 9_963 });
    // The seal and certificate all these records share are stored once; each row keeps its record without them
    // (Migration20261209100001_signature_material), and every reader gets the whole record (verified above).
    const shared: Array<{ materials: number; whole: number; licences: number; row_bytes: number }> =
      await em.execute(
        `select count(distinct signature_material)::int as materials,
                count(*) filter (where signature->'seal' is not null or signature->'signerCertificate' is not null)::int as whole,
                count(*)::int as licences, max(pg_column_size(signature))::int as row_bytes
           from licence where conversion_job_id = ?`,
        [firstJob.id],
      );
    expect(shared[0]).toMatchObject({ materials: 1, whole: 0, licences: 9_963 });
    expect(shared[0]!.row_bytes).toBeLessThan(2_500);
    const listed = await t.call('GET', `/api/seals/${sample[0]!.sealId}/signatures`, { as: 'zz-amr-clerk' });
    expect(listed.status).toBe(200);
    const byId = new Map(licences.map((l) => [l.signatureId, l.signature]));
    const converted = (listed.body.items as Array<{ id: string; signature: unknown }>).filter((i) =>
      byId.has(i.id),
    );
    expect(converted.length).toBeGreaterThan(0);
    for (const item of converted) expect(item.signature).toEqual(byId.get(item.id));
  });

  it('pushes a converted licence to the exchange platform with its export built from the licence row, which verifies PASSED', async () => {
    const em = t.em();
    // The message stores no payload (the licence row holds the export): a third fewer bytes per converted row.
    const [stored] = await em.execute<Array<{ id: string; licence_id: string; has_payload: boolean }>>(
      `select o.id, o.licence_id, o.payload is not null as has_payload from exchange_outbox o
         join licence l on l.id = o.licence_id where l.conversion_job_id = ? order by l.legacy_number limit 1`,
      [firstJob.id],
    );
    expect(stored!.has_payload).toBe(false);
    const receiver = await startExchangeReceiver();
    try {
      expect(await deliverOutboxMessage(em.fork(), stored!.id, receiver.url)).toBe('delivered');
      const [delivery] = receiver.deliveries();
      expect(delivery!.idempotencyKey).toBe(stored!.id);
      const { event, messageId, ...exported } = delivery!.body as Record<string, unknown>;
      expect([event, messageId]).toEqual(['licence.issued', stored!.id]);
      const licence = await em.findOneOrFail(
        Licence,
        { id: stored!.licence_id },
        { disableIdentityMap: true },
      );
      expect(exported).toEqual(
        JSON.parse(
          JSON.stringify(
            licenceExport({ metadata: licence.metadata, data: licence.data, signature: licence.signature }),
          ),
        ),
      );
      const report = await t.call('POST', '/api/verify', { body: { document: exported } });
      expect(report.body.indication).toBe('PASSED');
      // Delivered once: a second delivery of the message sends nothing.
      expect(await deliverOutboxMessage(em.fork(), stored!.id, receiver.url)).toBe('already-delivered');
      expect(receiver.attempts).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('gives the 37 rejected rows with their reasons as a CSV fit to fix and upload again', async () => {
    const res = await fetch(`${t.url}/api/conversions/${firstJob.id}/rejected.csv`, {
      headers: { authorization: `Bearer ${await t.token('zz-amr-issuer')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const records = parseCsv(await res.text(), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(records).toHaveLength(37);
    expect(records.map((r) => Number(r['原文件行号']))).toEqual(ledger.bad.map((b) => b.rowNumber));
    records.forEach((r, i) => expect(r['问题']).toContain(ledger.bad[i]!.field));
    // The original columns come back as they were, so the file uploads again.
    const again = await uploadLedger(t, {
      name: 'rejected.csv',
      content: await (
        await fetch(`${t.url}/api/conversions/${firstJob.id}/rejected.csv`, {
          headers: { authorization: `Bearer ${await t.token('zz-amr-issuer')}` },
        })
      ).text(),
    });
    expect(again.status).toBe(201);
    expect(again.body.totalRows).toBe(37);
    expect(again.body.columns).toEqual([...LEDGER_COLUMNS, '原文件行号', '问题']);
  });

  it('converts nothing again when the same file is run twice', async () => {
    const uploaded = await uploadLedger(t, { name: '泽州县营业执照存量台账.csv', content: csv });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.fileSha256).toBe(firstJob.fileSha256);
    // The mapping was saved for the unit and type.
    expect(uploaded.body.mapping).toEqual(LEDGER_MAPPING);
    await mapAndStart(uploaded.body.id);
    const started = await t.call('POST', `/api/conversions/${uploaded.body.id}/start`, {
      as: 'zz-amr-issuer',
      body: {},
    });
    expect(started.status).toBe(202);
    const done = await waitForConversion(t, uploaded.body.id);
    expect(done.progress).toMatchObject({ converted: 0, alreadyConverted: 9_963, rejected: 37 });
    const em = t.em();
    expect(await em.count(Licence, { conversionJobId: uploaded.body.id })).toBe(0);
    expect(await em.count(Licence, { legacyNumber: { $like: `${ledger.prefix}-%` } })).toBe(9_963);
    const authorisation = await em.findOneOrFail(SealUseAuthorisation, { id: authorisationId });
    expect(authorisation.usedCount).toBe(9_963);
  });
});

describe('uploads in other formats', () => {
  it('reads an Excel .xlsx file (exceljs) with real dates', async () => {
    const ledger = makeLedger(3, 0);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('台账');
    sheet.addRow(LEDGER_COLUMNS);
    for (const r of ledger.rows) {
      sheet.addRow(LEDGER_COLUMNS.map((c) => (c === '发证日期' ? new Date('2012-03-04T00:00:00Z') : r[c])));
    }
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    const uploaded = await uploadLedger(t, {
      name: '台账.xlsx',
      content: bytes,
      type: 'application/octet-stream',
    });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({ format: 'xlsx', totalRows: 3 });
    const mapped = await mapAndStart(uploaded.body.id);
    expect(mapped.body.invalidRows).toBe(0);
    expect(mapped.body.preview[0].cells['发证日期']).toBe('2012-03-04');
  });

  it('takes NDJSON streamed to the API', async () => {
    const ledger = makeLedger(5, 1);
    const body = ledger.rows.map((r) => JSON.stringify(r)).join('\n');
    const res = await fetch(`${t.url}/api/conversions/ndjson?licenceType=${BUSINESS_LICENCE_CODE}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await t.token('zz-amr-issuer')}`,
        'content-type': 'application/x-ndjson',
      },
      body,
    });
    expect(res.status).toBe(201);
    const job = (await res.json()) as { id: string; format: string; totalRows: number };
    expect(job).toMatchObject({ format: 'ndjson', totalRows: 5 });
    const mapped = await mapAndStart(job.id);
    expect(mapped.body.invalidRows).toBe(1);
  });
});

describe('bad input is a 4xx in Chinese naming the problem', () => {
  /** The jobs and staged rows there are: a refused upload adds neither. */
  async function staged() {
    const [counts] = await t
      .em()
      .execute<Array<{ jobs: string; rows: string }>>(
        `select (select count(*) from conversion_job) as jobs, (select count(*) from conversion_row) as rows`,
      );
    return counts;
  }
  const small = ledgerCsv(makeLedger(2, 0).rows);

  it('a wrong file type', async () => {
    const res = await uploadLedger(t, { name: 'ledger.pdf', content: '%PDF-1.7 …', type: 'application/pdf' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'file', rule: 'file_type' })]);
    expect(res.body.error.message).toMatch(/文件类型不支持/);
  });

  it('an oversized file, its rows staged as it streamed in rolled back', async () => {
    const before = await staged();
    const rows = ledgerCsv(makeLedger(2_000, 0).rows);
    const big =
      rows +
      rows
        .split('\n')
        .slice(1)
        .join('\n')
        .repeat(Math.ceil(MAX_BYTES / rows.length) + 1);
    const res = await uploadLedger(t, { name: 'big.csv', content: big });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/文件过大/);
    expect(await staged()).toEqual(before);
  });

  it('a CSV broken after thousands of rows: a 400 naming the file and rule, and nothing staged', async () => {
    const before = await staged();
    const broken =
      ledgerCsv(makeLedger(5_000, 0).rows) + '晋泽工商-X,"引号没有闭合的企业名称,91140500MA0L000000\n';
    const res = await uploadLedger(t, { name: 'broken.csv', content: broken });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'file', rule: 'csv' })]);
    expect(res.body.error.message).toMatch(/CSV 文件格式错误/);
    expect(await staged()).toEqual(before);
  });

  it('NDJSON with a bad line half-way: a 400 naming the line, and nothing staged', async () => {
    const before = await staged();
    const lines = makeLedger(3_000, 0).rows.map((r) => JSON.stringify(r));
    lines.splice(2_500, 0, '{"原证照编号": ');
    const res = await fetch(`${t.url}/api/conversions/ndjson?licenceType=${BUSINESS_LICENCE_CODE}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await t.token('zz-amr-issuer')}`,
        'content-type': 'application/x-ndjson',
      },
      body: lines.join('\n'),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; details: unknown[] } };
    expect(body.error.message).toMatch(/第 2501 行不是合法的 JSON/);
    expect(body.error.details).toEqual([expect.objectContaining({ field: 'file', rule: 'ndjson' })]);
    expect(await staged()).toEqual(before);
  });

  it('an unknown licence type', async () => {
    const res = await uploadLedger(
      t,
      { name: 'a.csv', content: small },
      { licenceType: '11100000000013338W999' },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ field: 'licenceType', rule: 'unknown_type' }),
    ]);
  });

  it("another unit's type is 403", async () => {
    const res = await uploadLedger(t, { name: 'a.csv', content: small }, { licenceType: IDENTITY_CARD_CODE });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/不是.*制发单位/);
  });

  it("another unit's job is 403, and a caller without the issuer's role is 403", async () => {
    const uploaded = await uploadLedger(t, { name: 'a.csv', content: small });
    expect(
      (await t.call('GET', `/api/conversions/${uploaded.body.id}`, { as: 'gp-amr-issuer' })).status,
    ).toBe(403);
    expect((await t.call('GET', `/api/conversions/${uploaded.body.id}`, { as: 'zz-amr-clerk' })).status).toBe(
      403,
    );
  });

  it('a mapped column the file lacks, and a required field left unmapped', async () => {
    const uploaded = await uploadLedger(t, { name: 'a.csv', content: small });
    const res = await t.call('PUT', `/api/conversions/${uploaded.body.id}/mapping`, {
      as: 'zz-amr-issuer',
      body: { mapping: { ...LEDGER_MAPPING, holderName: '单位名称', issueDate: undefined } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'mapping.holderName',
          rule: 'missing_column',
          message: '文件中没有“单位名称”列',
        }),
        expect.objectContaining({ field: 'mapping.issueDate', rule: 'required' }),
      ]),
    );
  });

  it('starting without an authorisation that covers the rows is 409, naming the document title', async () => {
    const uploaded = await uploadLedger(t, { name: 'a.csv', content: ledgerCsv(makeLedger(20, 0).rows) });
    await mapAndStart(uploaded.body.id);
    // An authorisation that is not the unit's conversion authorisation for the type (here: none by that id).
    const res = await t.call('POST', `/api/conversions/${uploaded.body.id}/start`, {
      as: 'zz-amr-issuer',
      body: { authorisationId: 'no-such-authorisation' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/电子证照签发（存量转换）：营业执照/);
  });
});

describe('completion report (WP-(二)2)', () => {
  it('per unit and type for the management unit: estimate, converted, remaining share; 403 for others', async () => {
    const estimate = await t.call('PUT', '/api/conversion/estimates', {
      as: 'zz-amr-issuer',
      body: { licenceType: BUSINESS_LICENCE_CODE, estimatedStock: 20_000 },
    });
    expect(estimate.status).toBe(200);
    const report = await t.call('GET', '/api/conversion/completion', { as: 'jc-admin' });
    expect(report.status).toBe(200);
    const row = (report.body.items as any[]).find(
      (r) => r.organisationName === '泽州县市场监督管理局' && r.typeCode === BUSINESS_LICENCE_CODE,
    );
    expect(row).toMatchObject({ estimatedStock: 20_000 });
    expect(row.converted).toBeGreaterThanOrEqual(9_963);
    expect(row.remainingShare).toBeCloseTo((20_000 - row.converted) / 20_000, 5);
    // High-frequency first: sorted by the last year's issuance count, descending.
    const counts = (report.body.items as any[]).map((r) => r.issuedLastYear);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect((await t.call('GET', '/api/conversion/completion', { as: 'zz-amr-issuer' })).status).toBe(403);
  });
});
