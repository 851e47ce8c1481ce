/**
 * The licence catalogue (证照目录, LM-6, WP-(一)1-2): what a licence type is — its code, defining authority, holder
 * category, data-item schema with sensitivity and masking, face template, signing seal kind, validity rule,
 * related service items and expiry reminders — and the pure rules over it: validating a licence's data against
 * the schema and masking sensitive items. Types are versioned (draft → published → superseded); a licence keeps
 * the version it was issued under.
 */
import { z } from 'zod';
import { SEAL_KINDS } from './seal';
import { TYPE_CODE_PATTERN } from './licence-identifier';

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

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** How a sensitive item is shown where the rule does not allow it in full: keep some leading/trailing characters. */
export const MaskRule = z
  .object({
    keepStart: z.number().int().min(0).max(20),
    keepEnd: z.number().int().min(0).max(20),
  })
  .strict();
export type MaskRule = z.infer<typeof MaskRule>;

export const DataItem = z
  .object({
    key: z
      .string()
      .regex(/^[a-z][a-zA-Z0-9_]{0,39}$/, { message: '应以小写字母开头，只含字母、数字和下划线' }),
    label: z.string().trim().min(1).max(40),
    type: z.enum(DATA_ITEM_TYPES),
    required: z.boolean(),
    pattern: z.string().max(200).refine(compiles, { message: '不是有效的正则表达式' }).optional(),
    enumValues: z.array(z.string().trim().min(1).max(100)).min(1).max(100).optional(),
    maxLength: z.number().int().min(1).max(2000).optional(),
    sensitive: z.boolean().default(false),
    mask: MaskRule.optional(),
    description: z.string().max(200).optional(),
  })
  .strict()
  .superRefine((item, ctx) => {
    if (item.type === 'enum' && !item.enumValues) {
      ctx.addIssue({ code: 'custom', path: ['enumValues'], message: '枚举型数据项须列出可选值' });
    }
    if (item.sensitive && !item.mask) {
      ctx.addIssue({ code: 'custom', path: ['mask'], message: '敏感数据项须给出脱敏规则' });
    }
  });
export type DataItem = z.infer<typeof DataItem>;

export const ValidityRule = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('fixed_term'),
      years: z.number().int().min(0).max(100),
      months: z.number().int().min(0).max(11).default(0),
    })
    .strict(),
  z.object({ kind: z.literal('until_date') }).strict(),
  z.object({ kind: z.literal('permanent') }).strict(),
]);
export type ValidityRule = z.infer<typeof ValidityRule>;

export const ServiceItem = z
  .object({
    code: z.string().trim().min(1).max(60),
    name: z.string().trim().min(1).max(100),
  })
  .strict();
export type ServiceItem = z.infer<typeof ServiceItem>;

export const FaceDefinition = z
  .object({
    /** Handlebars over `{{data.<key>}}`, `{{meta.*}}` (name, number, holder, issuer, dates). */
    template: z.string().min(1).max(20000),
    /** A CSS background for the face: a colour or gradient (no URLs, so a face never loads from elsewhere). */
    background: z
      .string()
      .max(300)
      .regex(/^[#a-zA-Z0-9(),.%\s-]+$/, { message: '只能是颜色或渐变（不含 url）' })
      .default('#fffdf5'),
    /** Sample data items for the preview. */
    sample: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  })
  .strict();
export type FaceDefinition = z.infer<typeof FaceDefinition>;

const Uscc18 = z.string().regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, { message: '应为 18 位统一社会信用代码' });

/** What an administrator defines; the platform adds the version and status. */
export const LicenceTypeDefinition = z
  .object({
    code: z
      .string()
      .regex(TYPE_CODE_PATTERN, { message: '应为 21 位：定义机构的统一社会信用代码 + 3 位顺序号' }),
    name: z.string().trim().min(2).max(60),
    definingAuthority: z
      .object({ name: z.string().trim().min(2).max(100), code: Uscc18, level: z.enum(AUTHORITY_LEVELS) })
      .strict(),
    /** Organisation ids of the units that may issue this type (LM-7). */
    issuingUnitIds: z.array(z.string().trim().min(1).max(100)).min(1).max(500),
    holderCategory: z.enum(HOLDER_CATEGORIES),
    dataItems: z.array(DataItem).min(1).max(100),
    face: FaceDefinition,
    sealKind: z.enum(SEAL_KINDS),
    validity: ValidityRule,
    serviceItems: z.array(ServiceItem).max(50).default([]),
    /** Working reminders before expiry, in calendar days (e.g. 90, 30, 7). */
    reminderDaysBeforeExpiry: z.array(z.number().int().min(1).max(3650)).max(10).default([]),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (!d.code.startsWith(d.definingAuthority.code)) {
      ctx.addIssue({
        code: 'custom',
        path: ['code'],
        message: '类型代码的前 18 位应为定义机构的统一社会信用代码',
      });
    }
    const seen = new Set<string>();
    d.dataItems.forEach((item, i) => {
      if (seen.has(item.key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['dataItems', i, 'key'],
          message: `数据项标识“${item.key}”重复`,
        });
      }
      seen.add(item.key);
    });
  });
export type LicenceTypeDefinition = z.infer<typeof LicenceTypeDefinition>;
export type LicenceTypeDefinitionInput = z.input<typeof LicenceTypeDefinition>;

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
