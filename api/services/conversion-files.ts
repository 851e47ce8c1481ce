/**
 * Issue 19 (LM-10): reading a legacy conversion file into columns and rows of cell text: CSV (UTF-8, with or
 * without a byte-order mark; csv-parse), Excel .xlsx (the first worksheet; exceljs) and NDJSON (one JSON object a
 * line, streamed to the API). Every refusal is a 400 naming the file and what is wrong, in Chinese.
 */
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { CONVERSION_MAX_ROWS } from '../../domain/licence-conversion';
import { ApiError, badRequest } from '../errors';

export type ConversionFileFormat = 'csv' | 'xlsx' | 'ndjson';

export interface ParsedFile {
  columns: string[];
  /** Data rows in file order: `rowNumber` is the row's line in the file (the header is row 1). */
  rows: Array<{ rowNumber: number; cells: Record<string, string> }>;
}

const fileProblem = (rule: string, message: string) => badRequest([{ field: 'file', rule, message }]);

/** The format from the file's name and first bytes; anything else is refused. */
export function formatOf(fileName: string, bytes: Buffer): 'csv' | 'xlsx' {
  const name = fileName.toLowerCase();
  const zip = bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
  if (name.endsWith('.xlsx') && zip) return 'xlsx';
  if (name.endsWith('.csv') && !zip && !bytes.subarray(0, 4096).includes(0)) return 'csv';
  throw fileProblem('file_type', '文件类型不支持：请上传 CSV（UTF-8）或 Excel（.xlsx）文件');
}

export async function parseConversionFile(format: 'csv' | 'xlsx', bytes: Buffer): Promise<ParsedFile> {
  const table = format === 'csv' ? csvTable(bytes) : await xlsxTable(bytes);
  return fromTable(table);
}

function csvTable(bytes: Buffer): string[][] {
  try {
    return parseCsv(bytes, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (err) {
    throw fileProblem('csv', `CSV 文件格式错误：${(err as Error).message.slice(0, 200)}`);
  }
}

async function xlsxTable(bytes: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw fileProblem('xlsx', 'Excel 文件无法读取：请另存为 .xlsx 后重新上传');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw fileProblem('empty', '文件中没有工作表');
  const table: string[][] = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const values = row.values as unknown[];
    table.push(values.slice(1).map(cellText));
  });
  return table;
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

function fromTable(table: string[][]): ParsedFile {
  const [header, ...body] = table;
  const columns = (header ?? []).map((c) => String(c).trim());
  checkColumns(columns);
  if (body.length === 0) throw fileProblem('empty', '文件中只有表头，没有数据行');
  if (body.length > CONVERSION_MAX_ROWS)
    throw fileProblem('too_many_rows', `一个文件最多 ${CONVERSION_MAX_ROWS} 行，请分成多个文件上传`);
  return {
    columns,
    rows: body.map((cells, i) => ({
      rowNumber: i + 2,
      cells: Object.fromEntries(columns.map((c, j) => [c, String(cells[j] ?? '')])),
    })),
  };
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
 * are the first object's keys. Stops reading with a 413 past `maxBytes`.
 */
export async function parseNdjson(stream: Readable, maxBytes: number): Promise<ParsedFile> {
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > maxBytes) stream.destroy(tooLarge(maxBytes));
  });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let columns: string[] | null = null;
  const rows: ParsedFile['rows'] = [];
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
      const record = value as Record<string, unknown>;
      if (!columns) {
        columns = Object.keys(record).map((c) => c.trim());
        checkColumns(columns);
      }
      if (rows.length >= CONVERSION_MAX_ROWS)
        throw fileProblem('too_many_rows', `一次最多 ${CONVERSION_MAX_ROWS} 行，请分批上传`);
      rows.push({
        rowNumber: lineNumber,
        cells: Object.fromEntries(
          columns.map((c) => [c, record[c] === undefined || record[c] === null ? '' : String(record[c])]),
        ),
      });
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw fileProblem('ndjson', '读取数据流失败');
  }
  if (bytes > maxBytes) throw tooLarge(maxBytes);
  if (!columns || rows.length === 0) throw fileProblem('empty', '数据流中没有数据行');
  return { columns, rows };
}

export function tooLarge(maxBytes: number): ApiError {
  return new ApiError(
    'PAYLOAD_TOO_LARGE',
    `文件过大：不能超过 ${Math.floor(maxBytes / 1024 / 1024) || 1} MB`,
    [{ field: 'file', rule: 'max_size', message: `文件不能超过 ${maxBytes} 字节` }],
  );
}
