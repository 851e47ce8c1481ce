/**
 * Legacy conversion (存量转换, LM-10, WP-(二)2): the rows of an issuing unit's file of paper-era licences, mapped
 * column by column to one licence type's fields, checked row by row with the same rules as an issuance (the data
 * items against the type's schema, the holder's code against its check character, the validity against the type's
 * rule) and, for the rows that pass, the licence content to sign. Pure: the upload preview, the batch activity and
 * the unit tests share it; the caller passes "today" (domain/ reads no clock).
 */
import { DataProblem, dataProblems, DataItem, holderCodeTypeFor, isRealDate } from './licence-type';
import type { LicenceTypeDefinition, LicenceData, HolderCodeType } from './licence-type';
import { holderCodeProblem } from './licence-issuance';
import { validityEnd } from './licence';
import type { ConversionMapping } from './licence-conversion-schema';

export type { ConversionMapping } from './licence-conversion-schema';

/** The licence fields a file column can feed besides the type's data items (`data.<key>`). */
export const CONVERSION_FIELDS = [
  { target: 'licenceNumber', label: '原证照编号', required: true },
  { target: 'holderName', label: '持证主体名称', required: true },
  { target: 'holderCode', label: '持证主体代码', required: true },
  { target: 'issueDate', label: '原颁发日期', required: true },
  { target: 'validFrom', label: '有效期起始日期', required: false },
  { target: 'validTo', label: '有效期截止日期', required: false },
] as const;
export type ConversionField = (typeof CONVERSION_FIELDS)[number]['target'];

/** The most rows one file may hold (a city's stock of one type comes in several files beyond it). */
export const CONVERSION_MAX_ROWS = 1_000_000;
/**
 * Rows a batch activity signs and writes in one transaction. Each batch costs the Temporal server, the platform
 * worker and the batch's own reads about 100 ms of CPU whatever its size: at 500 rows that was 0.2–0.3 ms per row.
 * The rows are signed and written in slices (usecases/licence-conversion-batch.ts), so memory does not grow with it.
 */
export const CONVERSION_BATCH_SIZE = 1000;

/** The failure type of a conversion that cannot go on (its authorisation used up, its seal gone …). */
export const CONVERSION_REFUSED = 'ConversionRefused';

export interface MappingTarget {
  target: string;
  label: string;
  required: boolean;
}

/** Every target of a type, in the order the mapping form shows them. */
export function mappingTargets(definition: LicenceTypeDefinition): MappingTarget[] {
  return [
    ...CONVERSION_FIELDS.map((f) => ({ target: f.target, label: f.label, required: f.required })),
    ...definition.dataItems.map((i) => ({ target: `data.${i.key}`, label: i.label, required: i.required })),
  ];
}

/** A mapping's problems against the type and the file's columns: unknown targets, missing columns, required ones. */
export function mappingProblems(
  definition: LicenceTypeDefinition,
  mapping: ConversionMapping,
  columns: readonly string[],
): DataProblem[] {
  const targets = mappingTargets(definition);
  const known = new Set(targets.map((t) => t.target));
  const problems: DataProblem[] = [];
  for (const [target, column] of Object.entries(mapping)) {
    if (!known.has(target))
      problems.push({
        field: `mapping.${target}`,
        rule: 'unknown_target',
        message: `该证照类型没有“${target}”`,
      });
    else if (!columns.includes(column))
      problems.push({
        field: `mapping.${target}`,
        rule: 'missing_column',
        message: `文件中没有“${column}”列`,
      });
  }
  for (const t of targets) {
    if (t.required && !mapping[t.target])
      problems.push({
        field: `mapping.${t.target}`,
        rule: 'required',
        message: `必须为“${t.label}”指定文件中的列`,
      });
  }
  return problems;
}

/** A guess at the mapping from column names equal to a target's label or key (the form starts from it). */
export function suggestMapping(
  definition: LicenceTypeDefinition,
  columns: readonly string[],
): ConversionMapping {
  const mapping: ConversionMapping = {};
  for (const t of mappingTargets(definition)) {
    const key = t.target.replace(/^data\./, '');
    const column = columns.find((c) => c.trim() === t.label || c.trim() === key || c.trim() === t.target);
    if (column) mapping[t.target] = column;
  }
  return mapping;
}

/** A row that passed: the licence's fields as they will be signed. */
export interface ConvertibleRow {
  rowNumber: number;
  licenceNumber: string;
  holder: { name: string; code: string; codeType: HolderCodeType };
  issueDate: string;
  validFrom: string;
  validTo: string | null;
  data: LicenceData;
}

export type RowCheck = { ok: true; row: ConvertibleRow } | { ok: false; problems: DataProblem[] };

/** One row of the file (column → cell text) checked against the type, as of `today` (a Shanghai date). */
export function checkConversionRow(
  definition: LicenceTypeDefinition,
  mapping: ConversionMapping,
  rowNumber: number,
  cells: Record<string, string>,
  today: string,
): RowCheck {
  const cell = (target: string) => (mapping[target] ? (cells[mapping[target]] ?? '').trim() : '');
  const problems: DataProblem[] = [];
  const data: Record<string, unknown> = {};
  for (const item of definition.dataItems) {
    const text = cell(`data.${item.key}`);
    if (text !== '') data[item.key] = coerceCell(item, text);
  }
  problems.push(...dataProblems(definition.dataItems, data));
  const licenceNumber = cell('licenceNumber');
  const holderName = cell('holderName');
  const holderCode = cell('holderCode').toUpperCase();
  const required = (field: string, value: string, label: string) => {
    if (!value) problems.push({ field, rule: 'required', message: `${label}为必填项` });
  };
  required('licenceNumber', licenceNumber, '原证照编号');
  required('holderName', holderName, '持证主体名称');
  required('holderCode', holderCode, '持证主体代码');
  if (licenceNumber.length > 60)
    problems.push({ field: 'licenceNumber', rule: 'too_big', message: '原证照编号不能超过 60 个字符' });
  if (holderName.length > 100)
    problems.push({ field: 'holderName', rule: 'too_big', message: '持证主体名称不能超过 100 个字符' });
  const codeType = holderCodeTypeFor(definition.holderCategory);
  const codeProblem = holderCode ? holderCodeProblem(holderCode, codeType) : undefined;
  if (codeProblem) problems.push({ ...codeProblem, field: 'holderCode' });
  const issueDate = dateCell(problems, 'issueDate', cell('issueDate'), '原颁发日期', true);
  if (issueDate && issueDate > today)
    problems.push({ field: 'issueDate', rule: 'in_future', message: '原颁发日期不能晚于今天' });
  const validFrom = dateCell(problems, 'validFrom', cell('validFrom'), '有效期起始日期', false) ?? issueDate;
  const validToText = dateCell(problems, 'validTo', cell('validTo'), '有效期截止日期', false);
  let validTo: string | null = null;
  if (validFrom) {
    const end = validityEnd(definition.validity, validFrom, validToText ?? undefined);
    if ('problem' in end) problems.push({ field: 'validTo', rule: 'validity_rule', message: end.problem });
    else validTo = end.validTo;
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    row: {
      rowNumber,
      licenceNumber,
      holder: { name: holderName, code: holderCode, codeType },
      issueDate: issueDate!,
      validFrom: validFrom!,
      validTo,
      data: data as LicenceData,
    },
  };
}

function dateCell(
  problems: DataProblem[],
  field: string,
  text: string,
  label: string,
  required: boolean,
): string | null {
  if (!text) {
    if (required) problems.push({ field, rule: 'required', message: `${label}为必填项` });
    return null;
  }
  const date = normaliseDate(text);
  if (!date) {
    problems.push({ field, rule: 'invalid_date', message: `${label}应为日期，如 2016-05-20` });
    return null;
  }
  return date;
}

/** 2016-05-20, 2016/5/20, 2016.5.20 and 2016年5月20日 → 2016-05-20; anything else null. */
export function normaliseDate(text: string): string | null {
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text.trim());
  if (!m) return null;
  const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  return isRealDate(iso) ? iso : null;
}

/** A cell's text as the data item's type wants it; left as text when it does not parse (the check says why). */
function coerceCell(item: DataItem, text: string): unknown {
  switch (item.type) {
    case 'integer':
    case 'number': {
      const n = Number(text.replace(/,/g, ''));
      return text !== '' && Number.isFinite(n) ? n : text;
    }
    case 'boolean':
      if (['true', '是', '1', 'TRUE', 'True'].includes(text)) return true;
      if (['false', '否', '0', 'FALSE', 'False'].includes(text)) return false;
      return text;
    case 'date':
      return normaliseDate(text) ?? text;
    default:
      return text;
  }
}

/** The rejected rows as a file to fix and upload again: the original columns, then 行号 and 问题. */
export function rejectedRowsCsv(columns: readonly string[], rows: ReadonlyArray<RejectedRow>): string {
  return rejectedRowsCsvHeader(columns) + rows.map((r) => rejectedRowCsvLine(columns, r)).join('');
}

export interface RejectedRow {
  rowNumber: number;
  cells: Record<string, string>;
  problems: DataProblem[];
}

const csvQuote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The rejected-rows file's first line: a byte-order mark (Excel opens the Chinese text as UTF-8) and the header. */
export function rejectedRowsCsvHeader(columns: readonly string[]): string {
  return `\uFEFF${[...columns, '原文件行号', '问题'].map(csvQuote).join(',')}\r\n`;
}

/** One rejected row as a line of the file: its cells as they were, its row number and its reasons. */
export function rejectedRowCsvLine(columns: readonly string[], r: RejectedRow): string {
  const reasons = r.problems.map((p) => `${p.field}: ${p.message}`).join('；');
  return `${[...columns.map((c) => r.cells[c] ?? ''), String(r.rowNumber), reasons].map(csvQuote).join(',')}\r\n`;
}

/** Progress as the page shows it: rows done, rate per second and seconds left (null until it can be said). */
export function conversionProgress(p: {
  totalRows: number;
  doneRows: number;
  startedAtMs: number | null;
  nowMs: number;
}): { percent: number; ratePerSecond: number | null; secondsLeft: number | null } {
  const percent = p.totalRows === 0 ? 100 : Math.floor((p.doneRows * 100) / p.totalRows);
  if (p.startedAtMs === null || p.doneRows === 0 || p.nowMs <= p.startedAtMs)
    return { percent, ratePerSecond: null, secondsLeft: null };
  const rate = (p.doneRows * 1000) / (p.nowMs - p.startedAtMs);
  return {
    percent,
    ratePerSecond: Math.round(rate * 10) / 10,
    secondsLeft: Math.ceil((p.totalRows - p.doneRows) / rate),
  };
}
