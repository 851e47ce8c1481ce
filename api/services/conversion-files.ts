/**
 * Issue 19 (LM-10): reading a legacy conversion file as it arrives — never whole in memory — into its columns and
 * its rows of cell text, one pass: CSV (UTF-8, with or without a byte-order mark; csv-parse's stream parser), Excel
 * .xlsx (the first worksheet; exceljs's streaming WorkbookReader) and NDJSON (one JSON object a line, streamed to
 * the API). The bytes are counted and hashed (SHA-256) as they pass. Every refusal is a 400 (413 past the size
 * limit) naming the file and what is wrong, in Chinese; it is thrown as the bad part is read, so that the caller's
 * transaction staging the rows rolls back.
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parse as csvParser } from 'csv-parse';
import ExcelJS from 'exceljs';
import { CONVERSION_MAX_ROWS } from '../../domain/licence-conversion';
import { ApiError, badRequest } from '../errors';

export type ConversionFileFormat = 'csv' | 'xlsx' | 'ndjson';

/** A data row: `rowNumber` is the row's line in the file (the header is row 1). */
export interface FileRow {
  rowNumber: number;
  cells: Record<string, string>;
}

/** A file being read: its header's columns, and its data rows as they are parsed (read once, in file order). */
export interface FileTable {
  columns: string[];
  rows: AsyncGenerator<FileRow>;
}

/** An upload as it arrives: its first bytes, the whole of it as a stream, and its digest once read to the end. */
export interface MeteredUpload {
  /** The first bytes (4 KiB, or the whole file if shorter): the format is told from them. */
  head: Buffer;
  /** The whole upload, the head included. */
  body: Readable;
  /** Reads what the parser left unread (an .xlsx past its first sheet); the SHA-256 and size of the upload. */
  finish(): Promise<{ sha256: string; bytes: number }>;
}

const HEAD_BYTES = 4096;
/** One CSV record at most (a 16 MB row is a broken file, not a licence). */
const CSV_MAX_RECORD_BYTES = 16 * 1024 * 1024;

const fileProblem = (rule: string, message: string) => badRequest([{ field: 'file', rule, message }]);

/**
 * `source` counted (a 413 past `maxBytes`) and hashed as it is read. Whatever is left unread when reading stops
 * (a refusal) is drained, not held, so that the answer can go out.
 */
export async function meterUpload(source: Readable, maxBytes: number): Promise<MeteredUpload> {
  const hash = createHash('sha256');
  let bytes = 0;
  const chunks = (async function* () {
    try {
      for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > maxBytes) throw tooLarge(maxBytes);
        hash.update(chunk);
        yield chunk;
      }
    } finally {
      source.resume();
    }
  })();
  const first: Buffer[] = [];
  for (let length = 0; length < HEAD_BYTES;) {
    const next = await chunks.next();
    if (next.done) break;
    first.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(first);
  const body = Readable.from(
    (async function* () {
      if (head.length > 0) yield head;
      yield* chunks;
    })(),
    { objectMode: false },
  );
  return {
    head,
    body,
    async finish() {
      for await (const chunk of chunks) void chunk;
      return { sha256: hash.digest('hex'), bytes };
    },
  };
}

/** The format from the file's name and first bytes; anything else is refused. */
export function formatOf(fileName: string, head: Buffer): 'csv' | 'xlsx' {
  const name = fileName.toLowerCase();
  const zip = head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
  if (name.endsWith('.xlsx') && zip) return 'xlsx';
  if (name.endsWith('.csv') && !zip && !head.subarray(0, HEAD_BYTES).includes(0)) return 'csv';
  throw fileProblem('file_type', '文件类型不支持：请上传 CSV（UTF-8）或 Excel（.xlsx）文件');
}

/** A CSV or .xlsx file: its header read (and checked) now, its rows as the caller pulls them. */
export async function openConversionFile(format: 'csv' | 'xlsx', body: Readable): Promise<FileTable> {
  const records = format === 'csv' ? csvRecords(body) : xlsxRecords(body);
  const first = await records.next();
  const columns = first.done ? [] : first.value.map((c) => String(c).trim());
  try {
    checkColumns(columns);
  } catch (err) {
    await records.return(undefined);
    throw err;
  }
  return { columns, rows: tableRows(records, columns) };
}

async function* tableRows(records: AsyncGenerator<string[]>, columns: string[]): AsyncGenerator<FileRow> {
  let count = 0;
  for await (const cells of records) {
    if (++count > CONVERSION_MAX_ROWS)
      throw fileProblem('too_many_rows', `一个文件最多 ${CONVERSION_MAX_ROWS} 行，请分成多个文件上传`);
    yield {
      rowNumber: count + 1,
      cells: Object.fromEntries(columns.map((c, j) => [c, String(cells[j] ?? '')])),
    };
  }
  if (count === 0) throw fileProblem('empty', '文件中只有表头，没有数据行');
}

async function* csvRecords(body: Readable): AsyncGenerator<string[]> {
  const parser = csvParser({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: CSV_MAX_RECORD_BYTES,
  });
  pipeline(body, parser).catch(() => undefined); // a failure of either surfaces in the loop below
  try {
    for await (const record of parser) yield record as string[];
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const e = err as { code?: string; lines?: number; message: string };
    if (e.code === 'CSV_MAX_RECORD_SIZE')
      throw fileProblem('csv', `CSV 文件第 ${e.lines ?? '?'} 行过长：一行不能超过 16 MB`);
    throw fileProblem('csv', `CSV 文件格式错误：${e.message.slice(0, 200)}`);
  }
}

/** The first worksheet's rows (the other sheets are read past, not kept); empty rows are skipped. */
async function* xlsxRecords(body: Readable): AsyncGenerator<string[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(body, {
    sharedStrings: 'cache',
    styles: 'cache', // dates are told by their number format
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let sheets = 0;
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        if (sheets > 0) continue;
        const cells = (row.values as unknown[]).slice(1).map(cellText);
        if (cells.some((c) => c !== '')) yield cells;
      }
      sheets++;
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw fileProblem('xlsx', 'Excel 文件无法读取：请另存为 .xlsx 后重新上传');
  }
  if (sheets === 0) throw fileProblem('empty', '文件中没有工作表');
}

/** An Excel cell as text: dates as yyyy-mm-dd, rich text and formulas by their text and result. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    const v = value as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown };
    if (v.richText) return v.richText.map((r) => r.text).join('');
    if (v.result !== undefined) return cellText(v.result);
    if (v.text !== undefined) return cellText(v.text);
    return '';
  }
  return String(value);
}

function checkColumns(columns: string[]): void {
  if (columns.length === 0 || columns.every((c) => c === ''))
    throw fileProblem('empty', '文件为空或没有表头行（第一行应为列名）');
  const empty = columns.findIndex((c) => c === '');
  if (empty >= 0) throw fileProblem('header', `表头第 ${empty + 1} 列没有列名`);
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw fileProblem('header', `表头中“${c}”列重复`);
    seen.add(c);
  }
}

/**
 * NDJSON streamed to the API: each line one object of column → value (strings, numbers or booleans); the columns
 * are the first object's keys, read (and checked) now; the rows as the caller pulls them.
 */
export async function openNdjson(body: Readable): Promise<FileTable> {
  const records = ndjsonRecords(body);
  const first = await records.next();
  if (first.done) throw fileProblem('empty', '数据流中没有数据行');
  const columns = Object.keys(first.value.record).map((c) => c.trim());
  try {
    checkColumns(columns);
  } catch (err) {
    await records.return(undefined);
    throw err;
  }
  return { columns, rows: ndjsonRows(first.value, records, columns) };
}

type NdjsonRecord = { lineNumber: number; record: Record<string, unknown> };

async function* ndjsonRows(
  first: NdjsonRecord,
  rest: AsyncGenerator<NdjsonRecord>,
  columns: string[],
): AsyncGenerator<FileRow> {
  let count = 0;
  for (let next: NdjsonRecord | undefined = first; next;) {
    if (++count > CONVERSION_MAX_ROWS)
      throw fileProblem('too_many_rows', `一次最多 ${CONVERSION_MAX_ROWS} 行，请分批上传`);
    const { record } = next;
    yield {
      rowNumber: next.lineNumber,
      cells: Object.fromEntries(
        columns.map((c) => [c, record[c] === undefined || record[c] === null ? '' : String(record[c])]),
      ),
    };
    const after = await rest.next();
    next = after.done ? undefined : after.value;
  }
}

async function* ndjsonRecords(body: Readable): AsyncGenerator<NdjsonRecord> {
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw fileProblem('ndjson', `第 ${lineNumber} 行不是合法的 JSON`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw fileProblem('ndjson', `第 ${lineNumber} 行应为 JSON 对象（列名 → 值）`);
      yield { lineNumber, record: value as Record<string, unknown> };
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw fileProblem('ndjson', '读取数据流失败');
  }
}

export function tooLarge(maxBytes: number): ApiError {
  return new ApiError(
    'PAYLOAD_TOO_LARGE',
    `文件过大：不能超过 ${Math.floor(maxBytes / 1024 / 1024) || 1} MB`,
    [{ field: 'file', rule: 'max_size', message: `文件不能超过 ${maxBytes} 字节` }],
  );
}
