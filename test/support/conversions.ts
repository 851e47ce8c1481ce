/**
 * Issue 19 (LM-10): helpers for legacy conversion tests — a ledger of 营业执照 rows with chosen bad rows, as CSV;
 * the one seal-use authorisation for the conversion through the real approval (SM-12); upload, mapping, start and
 * waiting for the end through the API.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { catalogueSample, LICENCE_TYPE_NAMES } from '../../db/licence-catalogue-seed';
import { conversionSealDocumentTitle } from '../../domain/licence';
import { BUSINESS_LICENCE_CODE, randomUscc, withWrongCheck } from './licences';
import type { TestPlatform } from './platform';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const LEDGER_COLUMNS = [
  '原证照编号',
  '企业名称',
  '统一社会信用代码',
  '发证日期',
  '类型',
  '法定代表人',
  '注册资本',
  '成立日期',
  '营业期限',
  '住所',
  '经营范围',
];

/** The mapping of LEDGER_COLUMNS to 营业执照's fields. */
export const LEDGER_MAPPING = {
  licenceNumber: '原证照编号',
  holderName: '企业名称',
  holderCode: '统一社会信用代码',
  issueDate: '发证日期',
  'data.entityType': '类型',
  'data.legalRepresentative': '法定代表人',
  'data.registeredCapital': '注册资本',
  'data.establishedDate': '成立日期',
  'data.businessTerm': '营业期限',
  'data.address': '住所',
  'data.businessScope': '经营范围',
};

/** The kinds of bad row, in turn: each breaks one rule the check names. */
const BAD_ROWS: Array<{ rule: string; field: string; spoil: (r: Record<string, string>) => void }> = [
  {
    field: 'holderCode',
    rule: 'invalid_check_character',
    spoil: (r) => (r['统一社会信用代码'] = withWrongCheck(r['统一社会信用代码']!)),
  },
  { field: 'holderName', rule: 'required', spoil: (r) => (r['企业名称'] = '') },
  { field: 'issueDate', rule: 'invalid_date', spoil: (r) => (r['发证日期'] = '2015-02-30') },
  { field: 'data.entityType', rule: 'invalid_value', spoil: (r) => (r['类型'] = '合伙社') },
  { field: 'issueDate', rule: 'in_future', spoil: (r) => (r['发证日期'] = '2999-01-01') },
];

export interface Ledger {
  /** Rows as column → cell text, in file order (row n of the array is file row n + 2). */
  rows: Array<Record<string, string>>;
  /** File row numbers of the bad rows, with the field and rule each breaks. */
  bad: Array<{ rowNumber: number; field: string; rule: string }>;
  prefix: string;
}

/** A fresh prefix of legacy numbers: a ledger's numbers are unique under it. */
const ledgerPrefix = () => `晋泽工商${randomBytes(3).toString('hex').toUpperCase()}`;

/** The good row `i` (0-based) of a ledger under `prefix`. */
function ledgerRow(i: number, prefix: string, sample: Record<string, unknown>): Record<string, string> {
  return {
    原证照编号: `${prefix}-${String(i + 1).padStart(7, '0')}`,
    企业名称: `晋城市存量转换测试企业${i + 1}有限公司`,
    统一社会信用代码: randomUscc(),
    发证日期: `20${String(10 + (i % 12)).padStart(2, '0')}/${(i % 12) + 1}/${(i % 28) + 1}`,
    类型: String(sample.entityType),
    法定代表人: String(sample.legalRepresentative),
    注册资本: String(sample.registeredCapital),
    成立日期: String(sample.establishedDate),
    营业期限: String(sample.businessTerm),
    住所: String(sample.address),
    经营范围: String(sample.businessScope),
  };
}

/** `count` good rows made one at a time as they are read (the bench's large ledgers are never held). */
export function* ledgerRows(count: number, prefix = ledgerPrefix()): Generator<Record<string, string>> {
  const sample = catalogueSample(LICENCE_TYPE_NAMES.businessLicence);
  for (let i = 0; i < count; i++) yield ledgerRow(i, prefix, sample);
}

/** `count` rows, `badCount` of them bad (spread through the file), legacy numbers unique under a fresh prefix. */
export function makeLedger(count: number, badCount: number): Ledger {
  const prefix = ledgerPrefix();
  const rows: Ledger['rows'] = [];
  const bad: Ledger['bad'] = [];
  const step = Math.floor(count / Math.max(1, badCount));
  let i = 0;
  for (const row of ledgerRows(count, prefix)) {
    if (bad.length < badCount && i % step === step - 1) {
      const kind = BAD_ROWS[bad.length % BAD_ROWS.length]!;
      kind.spoil(row);
      bad.push({ rowNumber: i + 2, field: kind.field, rule: kind.rule });
    }
    rows.push(row);
    i++;
  }
  return { rows, bad, prefix };
}

/** The CSV text of `rows`, the header first, a chunk of lines at a time. */
export function* ledgerCsvChunks(
  rows: Iterable<Record<string, string>>,
  columns = LEDGER_COLUMNS,
): Generator<string> {
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  yield `${columns.join(',')}\n`;
  let chunk = '';
  let lines = 0;
  for (const r of rows) {
    chunk += `${columns.map((c) => quote(r[c] ?? '')).join(',')}\n`;
    if (++lines % 1000 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

export function ledgerCsv(rows: Array<Record<string, string>>, columns = LEDGER_COLUMNS): string {
  return [...ledgerCsvChunks(rows, columns)].join('');
}

/** One authorisation covering `uses` conversions of 营业执照, requested by the clerk and approved by the leader. */
export async function grantConversionSealUse(
  t: TestPlatform,
  uses: number,
): Promise<{ authorisationId: string }> {
  const seals = await t.call('GET', '/api/seals', { as: 'zz-amr-clerk' });
  const seal = (seals.body.items as Array<{ id: string; name: string; status: string }>).find(
    (s) => s.name.endsWith('证照专用章') && s.status === 'active',
  )!;
  const submitted = await t.call('POST', '/api/seal-use-requests', {
    as: 'zz-amr-clerk',
    body: {
      sealId: seal.id,
      documents: [{ title: conversionSealDocumentTitle({ name: '营业执照', code: BUSINESS_LICENCE_CODE }) }],
      maxUses: uses,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(),
      reason: '存量营业执照转换为电子证照',
    },
  });
  if (submitted.status !== 201)
    throw new Error(`seal-use request: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  const requestId = submitted.body.id as string;
  for (let i = 0; i < 600; i++) {
    const view = await t.call('GET', `/api/seal-use-requests/${requestId}`, { as: 'zz-amr-clerk' });
    if (view.body.status === 'approved' && view.body.authorisation)
      return { authorisationId: view.body.authorisation.id };
    const inbox = await t.call('GET', '/api/tasks?box=pending', { as: 'zz-amr-leader' });
    const task = (inbox.body.items as Array<{ taskId: string | null; processKey: string }>).find(
      (x) => x.processKey.includes(requestId) && x.taskId,
    );
    if (task) {
      await t.call('POST', `/api/tasks/${task.taskId}/approve`, {
        as: 'zz-amr-leader',
        body: { comment: '同意存量转换用印' },
      });
    }
    await sleep(200);
  }
  throw new Error(`seal-use request ${requestId} was not approved`);
}

/** POST /api/conversions with a file, as multipart. */
export async function uploadLedger(
  t: TestPlatform,
  file: { name: string; content: string | Buffer; type?: string },
  options: { as?: string; licenceType?: string } = {},
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append('licenceType', options.licenceType ?? BUSINESS_LICENCE_CODE);
  const content = typeof file.content === 'string' ? file.content : new Uint8Array(file.content);
  form.append('file', new Blob([content], { type: file.type ?? 'text/csv' }), file.name);
  const res = await fetch(`${t.url}/api/conversions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await t.token(options.as ?? 'zz-amr-issuer')}` },
    body: form,
  });
  return { status: res.status, body: await res.json() };
}

/**
 * POST /api/conversions with a CSV file streamed as it is made (multipart written by hand: FormData needs the whole
 * file), so that the bench's own process holds no more of a large ledger than the API does.
 */
export async function uploadLedgerStream(
  t: Pick<TestPlatform, 'url' | 'token'>,
  fileName: string,
  chunks: Iterable<string>,
): Promise<{ status: number; body: any }> {
  const boundary = `----ledger${randomBytes(12).toString('hex')}`;
  const part = (headers: string) => `--${boundary}\r\n${headers}\r\n\r\n`;
  function* body(): Generator<Buffer> {
    yield Buffer.from(
      `${part('Content-Disposition: form-data; name="licenceType"')}${BUSINESS_LICENCE_CODE}\r\n` +
        part(`Content-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/csv`),
    );
    for (const chunk of chunks) yield Buffer.from(chunk);
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  const res = await fetch(`${t.url}/api/conversions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await t.token('zz-amr-issuer')}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    body: Readable.from(body()) as unknown as BodyInit,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: await res.json() };
}

/** Polls the job until it is completed or failed. */
export async function waitForConversion(
  t: Pick<TestPlatform, 'call'>,
  jobId: string,
  timeoutMs = 600_000,
): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    // A poll that loses its connection (a kept-alive socket reset on a loaded machine) polls again.
    const res = await t
      .call('GET', `/api/conversions/${jobId}`, { as: 'zz-amr-issuer' })
      .catch(() => ({ status: 0, body: { status: 'unknown' } }) as { status: number; body: any });
    if (res.status === 200 && (res.body.status === 'completed' || res.body.status === 'failed'))
      return res.body;
    if (Date.now() > until)
      throw new Error(`conversion ${jobId} still ${res.body.status}: ${JSON.stringify(res.body.progress)}`);
    await sleep(500);
  }
}
