/**
 * The licence catalogue (证照目录, LM-6, WP-(一)1-2): what a licence type is — its code, defining authority, holder
 * category, data-item schema with sensitivity and masking, face template, signing seal kind, validity rule,
 * related service items and expiry reminders — and the pure rules over it: validating a licence's data against
 * the schema and masking sensitive items. Types are versioned (draft → published → superseded); a licence keeps
 * the version it was issued under.
 */
import type { DataItem, MaskRule } from './licence-type-schema';

export type {
  DataItem,
  FaceDefinition,
  LicenceTypeDefinition,
  LicenceTypeDefinitionInput,
  MaskRule,
  ServiceItem,
  ValidityRule,
} from './licence-type-schema';

export const HOLDER_CATEGORIES = ['natural_person', 'legal_person', 'other_organisation'] as const;
export type HolderCategory = (typeof HOLDER_CATEGORIES)[number];
export const HOLDER_CATEGORY_LABELS: Record<HolderCategory, string> = {
  natural_person: '自然人',
  legal_person: '法人',
  other_organisation: '其他组织',
};

/** Holder id types (DESIGN §3): `111` citizen ID number, `001` unified social credit code. */
export const HOLDER_CODE_TYPES = ['111', '001'] as const;
export type HolderCodeType = (typeof HOLDER_CODE_TYPES)[number];
export const HOLDER_CODE_TYPE_LABELS: Record<HolderCodeType, string> = {
  '111': '公民身份号码',
  '001': '统一社会信用代码',
};
export function holderCodeTypeFor(category: HolderCategory): HolderCodeType {
  return category === 'natural_person' ? '111' : '001';
}

export const AUTHORITY_LEVELS = ['national', 'province', 'city', 'county'] as const;
export type AuthorityLevel = (typeof AUTHORITY_LEVELS)[number];
export const AUTHORITY_LEVEL_LABELS: Record<AuthorityLevel, string> = {
  national: '国家级',
  province: '省级',
  city: '市级',
  county: '县级',
};

export const TYPE_STATUSES = ['draft', 'published', 'superseded'] as const;
export type LicenceTypeStatus = (typeof TYPE_STATUSES)[number];
export const TYPE_STATUS_LABELS: Record<LicenceTypeStatus, string> = {
  draft: '草稿',
  published: '已发布',
  superseded: '已被新版本取代',
};

export const DATA_ITEM_TYPES = ['string', 'text', 'date', 'integer', 'number', 'enum', 'boolean'] as const;
export type DataItemType = (typeof DATA_ITEM_TYPES)[number];
export const DATA_ITEM_TYPE_LABELS: Record<DataItemType, string> = {
  string: '文本',
  text: '长文本',
  date: '日期',
  integer: '整数',
  number: '数值',
  enum: '枚举',
  boolean: '是/否',
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

// ---------------------------------------------------------------------------------------------------------------
// Licence data against the schema

export type DataValue = string | number | boolean;
export type LicenceData = Record<string, DataValue>;

export interface DataProblem {
  /** `data.<key>`, as the API names the field. */
  field: string;
  rule: string;
  message: string;
}

/** Every way `data` breaks the type's schema; empty when it fits. Unknown keys are refused too. */
export function dataProblems(items: readonly DataItem[], data: unknown): DataProblem[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return [{ field: 'data', rule: 'invalid_type', message: '数据项应为对象' }];
  }
  const record = data as Record<string, unknown>;
  const problems: DataProblem[] = [];
  const known = new Set(items.map((i) => i.key));
  for (const key of Object.keys(record)) {
    if (!known.has(key)) {
      problems.push({
        field: `data.${key}`,
        rule: 'unrecognized_keys',
        message: `该证照类型没有数据项“${key}”`,
      });
    }
  }
  for (const item of items) {
    const field = `data.${item.key}`;
    const value = record[item.key];
    if (value === undefined || value === null || value === '') {
      if (item.required) problems.push({ field, rule: 'required', message: `${item.label}为必填项` });
      continue;
    }
    const problem = valueProblem(item, value);
    if (problem) problems.push({ field, ...problem });
  }
  return problems;
}

function valueProblem(item: DataItem, value: unknown): { rule: string; message: string } | undefined {
  switch (item.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
        ? undefined
        : { rule: 'invalid_type', message: `${item.label}应为整数` };
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : { rule: 'invalid_type', message: `${item.label}应为数值` };
    case 'boolean':
      return typeof value === 'boolean'
        ? undefined
        : { rule: 'invalid_type', message: `${item.label}应为 true 或 false` };
    default:
      break;
  }
  if (typeof value !== 'string') return { rule: 'invalid_type', message: `${item.label}应为文本` };
  if (item.type === 'date' && !isRealDate(value)) {
    return { rule: 'invalid_date', message: `${item.label}应为日期，如 2026-11-27` };
  }
  if (item.type === 'enum' && !item.enumValues!.includes(value)) {
    return { rule: 'invalid_value', message: `${item.label}应为以下之一：${item.enumValues!.join('、')}` };
  }
  const max = item.maxLength ?? (item.type === 'text' ? 2000 : 200);
  if ([...value].length > max) return { rule: 'too_big', message: `${item.label}不能超过 ${max} 个字符` };
  if (item.pattern && !new RegExp(`^(?:${item.pattern})$`, 'u').test(value)) {
    return { rule: 'invalid_format', message: `${item.label}格式不正确` };
  }
  return undefined;
}

export function isRealDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

// ---------------------------------------------------------------------------------------------------------------
// Masking

/** Replaces the middle of a value with `*`, keeping `keepStart` leading and `keepEnd` trailing characters. */
export function maskValue(value: string, rule: MaskRule): string {
  const chars = [...value];
  if (chars.length <= rule.keepStart + rule.keepEnd) {
    // Too short to keep anything and still hide something: hide all but the first character.
    return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1);
  }
  return (
    chars.slice(0, rule.keepStart).join('') +
    '*'.repeat(chars.length - rule.keepStart - rule.keepEnd) +
    chars.slice(chars.length - rule.keepEnd).join('')
  );
}

/** The data with every sensitive item masked by its rule (for public pages, copies and using units). */
export function maskData(items: readonly DataItem[], data: LicenceData): LicenceData {
  const out: LicenceData = { ...data };
  for (const item of items) {
    const value = out[item.key];
    if (item.sensitive && value !== undefined) {
      out[item.key] = maskValue(String(value), item.mask ?? { keepStart: 1, keepEnd: 0 });
    }
  }
  return out;
}

/** A holder's code as shown where personal data is masked: citizen IDs keep 6 + 4, organisation codes stay. */
export function maskHolderCode(code: string, codeType: HolderCodeType): string {
  return codeType === '111' ? maskValue(code, { keepStart: 6, keepEnd: 4 }) : code;
}

/** A natural person's name as shown masked: the surname only (张**). */
export function maskHolderName(name: string, category: HolderCategory): string {
  return category === 'natural_person' ? maskValue(name, { keepStart: 1, keepEnd: 0 }) : name;
}
