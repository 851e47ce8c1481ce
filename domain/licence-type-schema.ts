/**
 * What an administrator defines for a licence type (LM-6): the catalogue's schemas, validated at the edge. Kept apart
 * from domain/licence-type.ts so that the workflow bundle, which Temporal evaluates for every new workflow, builds no
 * zod schema (issue 19).
 */
import { z } from 'zod';
import { SEAL_KINDS } from './seal';
import { TYPE_CODE_PATTERN } from './licence-identifier';
import { AUTHORITY_LEVELS, DATA_ITEM_TYPES, HOLDER_CATEGORIES } from './licence-type';

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
