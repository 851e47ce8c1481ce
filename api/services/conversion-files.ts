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
export function openConversionFile(format: 'csv' | 'xlsx', body: Readable): Promise<FileTable> {
  return openTable(format === 'csv' ? csvRecords(body) : xlsxRecords(body), {
    firstIsRow: false,
    noRows: '文件中只有表头，没有数据行',
    columnsOf: (header) => header.map(String),
    rowOf: (cells, count, columns) => ({
      rowNumber: count + 1, // the header is row 1
      cells: Object.fromEntries(columns.map((c, j) => [c, String(cells[j] ?? '')])),
    }),
  });
}

/**
 * NDJSON streamed to the API: each line one object of column → value (strings, numbers or booleans); the columns
 * are the first object's keys, read (and checked) now; the rows, the first among them, as the caller pulls them.
 */
export function openNdjson(body: Readable): Promise<FileTable> {
  return openTable(ndjsonRecords(body), {
    firstIsRow: true,
    noRows: '数据流中没有数据行',
    columnsOf: (first) => Object.keys(first.record),
    rowOf: ({ lineNumber, record }, _count, columns) => ({
      rowNumber: lineNumber,
      cells: Object.fromEntries(
        columns.map((c) => [c, record[c] === undefined || record[c] === null ? '' : String(record[c])]),
      ),
    }),
  });
}

/** How a format's records make a table: the columns from its first record, and a row from each data record. */
interface TableShape<R> {
  /** NDJSON's first record is a row that names the columns; a CSV or .xlsx file's first record is its header. */
  firstIsRow: boolean;
  /** The refusal when there is no data row. */
  noRows: string;
  columnsOf(first: R): string[];
  /** The row of a data record, the `count`-th of the file (from 1). */
  rowOf(record: R, count: number, columns: string[]): FileRow;
}

/** The columns read from the first record and checked now (the records closed on a refusal); the rows after. */
async function openTable<R>(records: AsyncGenerator<R>, shape: TableShape<R>): Promise<FileTable> {
  const first = await records.next();
  if (first.done && shape.firstIsRow) throw fileProblem('empty', shape.noRows);
  const columns = first.done ? [] : shape.columnsOf(first.value).map((c) => c.trim());
  try {
    checkColumns(columns);
  } catch (err) {
    await records.return(undefined);
    throw err;
  }
  const data = shape.firstIsRow && !first.done ? prepend(first.value, records) : records;
  return { columns, rows: tableRows(data, columns, shape) };
}

async function* prepend<R>(first: R, rest: AsyncIterable<R>): AsyncGenerator<R> {
  yield first;
  yield* rest;
}

/** The rows, refused past `CONVERSION_MAX_ROWS` (the most one file may hold). */
async function* tableRows<R>(
  records: AsyncIterable<R>,
  columns: string[],
  shape: TableShape<R>,
): AsyncGenerator<FileRow> {
  let count = 0;
  for await (const record of records) {
    if (++count > CONVERSION_MAX_ROWS)
      throw fileProblem('too_many_rows', `一个文件最多 ${CONVERSION_MAX_ROWS} 行数据，请分成多个文件上传`);
    yield shape.rowOf(record, count, columns);
  }
  if (count === 0) throw fileProblem('empty', shape.noRows);
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

/**
 * The first worksheet's rows (the other sheets are read past, not kept); empty rows are skipped. exceljs `pipe`s the
 * upload into its unzipper, which does not pass a failure of the upload on (one past the size limit): the reader is
 * raced against it, and left behind when it comes.
 */
async function* xlsxRecords(body: Readable): AsyncGenerator<string[]> {
  const failed = new Promise<never>((_resolve, reject) => body.once('error', reject));
  failed.catch(() => undefined);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(body, {
    sharedStrings: 'cache',
    styles: 'cache', // dates are told by their number format
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let sheets = 0;
  try {
    for await (const sheet of until(reader, failed)) {
      for await (const row of until(sheet, failed)) {
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

/** `items` until `failure` comes, whichever is first at each step. */
async function* until<T>(items: AsyncIterable<T>, failure: Promise<never>): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  for (;;) {
    const next = await Promise.race([iterator.next(), failure]);
    if (next.done) return;
    yield next.value;
  }
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

type NdjsonRecord = { lineNumber: number; record: Record<string, unknown> };

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
