/**
 * Issue 19 (LM-10): a conversion file read as it arrives — CSV, .xlsx and NDJSON into one table of columns and
 * numbered rows — and the one size limit counted as the bytes pass, whatever the format's parser.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ApiError, type FieldProblem } from '../../api/errors';
import {
  type FileTable,
  meterUpload,
  openConversionFile,
  openNdjson,
} from '../../api/services/conversion-files';

const streamOf = (text: string | Buffer, chunk = 64) =>
  Readable.from(
    (function* () {
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    })(),
  );

async function rowsOf(table: FileTable) {
  const rows = [];
  for await (const row of table.rows) rows.push(row);
  return rows;
}

/** The refusal `work` ends in, as code, field, rule and message. */
async function refusal(work: () => Promise<unknown>) {
  const err = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  const { code, message, details } = err as ApiError;
  const [first] = details as FieldProblem[];
  return { code, message, field: first.field, rule: first.rule };
}

describe('the three formats make one table', () => {
  it('a CSV: columns trimmed from the header (its byte-order mark dropped), rows numbered from 2', async () => {
    const table = await openConversionFile('csv', streamOf('\ufeff原证照编号 , 名称\nA-1,甲\nA-2,"乙,丙"\n'));
    expect(table.columns).toEqual(['原证照编号', '名称']);
    expect(await rowsOf(table)).toEqual([
      { rowNumber: 2, cells: { 原证照编号: 'A-1', 名称: '甲' } },
      { rowNumber: 3, cells: { 原证照编号: 'A-2', 名称: '乙,丙' } },
    ]);
  });

  it('NDJSON: the columns from the first object, which is a row too; rows numbered by their line', async () => {
    const table = await openNdjson(
      streamOf('{"原证照编号":"A-1","名称":"甲"}\n\n{"原证照编号":"A-2","名称":7,"其他":true}\n'),
    );
    expect(table.columns).toEqual(['原证照编号', '名称']);
    expect(await rowsOf(table)).toEqual([
      { rowNumber: 1, cells: { 原证照编号: 'A-1', 名称: '甲' } },
      { rowNumber: 3, cells: { 原证照编号: 'A-2', 名称: '7' } },
    ]);
  });

  it('an .xlsx file: the first worksheet, dates as yyyy-mm-dd, Chinese text whole across chunks', async () => {
    // Thousands of distinct Chinese names: the shared strings span many chunks of inflated XML, and a character
    // split between two of them must not come out as U+FFFD (exceljs#2063, mended by patches/exceljs+4.4.0.patch).
    const names = Array.from({ length: 3_000 }, (_, i) => `晋泽市第${i}号商贸有限公司`);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('台账');
    sheet.addRow(['原证照编号', '发证日期', '名称']);
    names.forEach((name, i) => sheet.addRow([`A-${i}`, new Date(Date.UTC(2019, 4, 6)), name]));
    workbook.addWorksheet('说明').addRow(['不读取']);
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    const table = await openConversionFile('xlsx', streamOf(bytes, 64 * 1024));
    expect(table.columns).toEqual(['原证照编号', '发证日期', '名称']);
    const rows = await rowsOf(table);
    expect(rows).toHaveLength(names.length);
    expect(rows[0]).toEqual({
      rowNumber: 2,
      cells: { 原证照编号: 'A-0', 发证日期: '2019-05-06', 名称: names[0] },
    });
    expect(rows.map((r) => r.cells['名称'])).toEqual(names);
  });
});

describe('each kind of bad file is refused naming the file and the rule', () => {
  it('a CSV with its header alone', async () => {
    const table = await openConversionFile('csv', streamOf('原证照编号,名称\n'));
    expect(await refusal(() => rowsOf(table))).toMatchObject({ field: 'file', rule: 'empty' });
  });

  it('an empty CSV, and an empty NDJSON stream', async () => {
    expect(await refusal(() => openConversionFile('csv', streamOf('')))).toMatchObject({ rule: 'empty' });
    expect(await refusal(() => openNdjson(streamOf('\n\n')))).toMatchObject({
      rule: 'empty',
      message: expect.stringMatching(/没有数据行/),
    });
  });

  it('a header with a column named twice, or a column without a name', async () => {
    expect(await refusal(() => openConversionFile('csv', streamOf('名称,名称\nA,B\n')))).toMatchObject({
      rule: 'header',
      message: expect.stringMatching(/“名称”列重复/),
    });
    expect(await refusal(() => openNdjson(streamOf('{"名称":"甲","":"乙"}\n')))).toMatchObject({
      rule: 'header',
      message: expect.stringMatching(/第 2 列没有列名/),
    });
  });

  it('an NDJSON line that is not an object', async () => {
    const table = await openNdjson(streamOf('{"名称":"甲"}\n["乙"]\n'));
    expect(await refusal(() => rowsOf(table))).toMatchObject({
      rule: 'ndjson',
      message: expect.stringMatching(/第 2 行应为 JSON 对象/),
    });
  });
});

describe('the size limit, counted once as the bytes pass', () => {
  const csv = '原证照编号,名称\n' + Array.from({ length: 2_000 }, (_, i) => `A-${i},名称${i}`).join('\n');

  it('a file within the limit is read whole, and its SHA-256 and size are given', async () => {
    const upload = await meterUpload(streamOf(csv), Buffer.byteLength(csv));
    expect(await rowsOf(await openConversionFile('csv', upload.body))).toHaveLength(2_000);
    const { bytes, sha256 } = await upload.finish();
    expect(bytes).toBe(Buffer.byteLength(csv));
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['a CSV, a byte past the limit', 'csv' as const, 1],
    ['a CSV, half again the limit', 'csv' as const, 0.5],
    ['an .xlsx file, a byte past the limit', 'xlsx' as const, 1],
    ['an .xlsx file, twice the limit', 'xlsx' as const, 0.5],
  ])('%s: a 413 through its parser, nothing left hanging', async (_name, format, share) => {
    let bytes = Buffer.from(csv);
    if (format === 'xlsx') {
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('台账');
      for (const line of csv.split('\n')) sheet.addRow(line.split(','));
      bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    }
    const limit = share === 1 ? bytes.length - 1 : Math.floor(bytes.length * share);
    const upload = await meterUpload(streamOf(bytes, 1024), limit);
    expect(await refusal(async () => rowsOf(await openConversionFile(format, upload.body)))).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      field: 'file',
      rule: 'max_size',
    });
  });

  it('NDJSON a byte past the limit is a 413', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ 原证照编号: `A-${i}` })).join('\n');
    const upload = await meterUpload(streamOf(lines), Buffer.byteLength(lines) - 1);
    expect(await refusal(async () => rowsOf(await openNdjson(upload.body)))).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
  });
});
