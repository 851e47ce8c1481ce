/**
 * The request bodies of issuance (LM-7, LM-9): a first issuance and a new version, validated at the edge. Kept apart
 * from domain/licence-issuance.ts so that the workflow bundle, which Temporal evaluates for every new workflow, builds
 * no zod schema (issue 19).
 */
import { z } from 'zod';
import { isRealDate } from './licence-type';
import { TYPE_CODE_PATTERN } from './licence-identifier';
import { CHANGE_KINDS } from './licence-issuance';

const IsoTime = z.iso.datetime({ offset: true, message: '应为 ISO 8601 时间，如 2026-11-27T10:30:00+08:00' });
const IsoDate = z.string().refine(isRealDate, { message: '应为日期，如 2026-11-27' });

export const HolderInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    code: z
      .string()
      .trim()
      .min(1)
      .max(30)
      .transform((s) => s.toUpperCase()),
    email: z.email({ message: '应为有效的电子邮件地址' }).max(200).optional(),
    /**
     * GB 32100: some early codes fail the check yet are legal (DESIGN §3). A wrong check character is refused
     * unless the business system confirms that the code is such a legacy code; the confirmation is recorded.
     */
    legacyCodeConfirmed: z.boolean().optional(),
  })
  .strict();
export type HolderInput = z.infer<typeof HolderInput>;

/** Fields shared by a first issuance and a change: the business case and the timing (LM-9). */
const CaseFields = {
  /** The issuing unit's own business case id: the idempotency key (one licence or version per case). */
  caseId: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[\w.:/-]+$/, { message: '只能包含字母、数字和 _ . : / -' }),
  /** When the case closed (办结时间): the LM-9 deadline counts from here. */
  caseClosedAt: IsoTime,
  data: z.record(z.string(), z.unknown()),
};

export const IssueLicenceBody = z
  .object({
    licenceType: z.string().regex(TYPE_CODE_PATTERN, { message: '应为 21 位证照类型代码' }),
    ...CaseFields,
    licenceNumber: z.string().trim().min(1).max(60),
    holder: HolderInput,
    /** 颁发日期; defaults to the day the case closed (Shanghai). */
    issueDate: IsoDate.optional(),
    /** 有效期起始日期; defaults to the issue date. */
    validFrom: IsoDate.optional(),
    /** 有效期截止日期; only for types valid until a stated date. */
    validTo: IsoDate.optional(),
  })
  .strict();
export type IssueLicenceBody = z.infer<typeof IssueLicenceBody>;

/** A new version of a licence: the complete new data items; the holder's name or e-mail may change too. */
export const ChangeLicenceBody = z
  .object({
    ...CaseFields,
    changeKind: z.enum(CHANGE_KINDS),
    reason: z.string().trim().min(2).max(500),
    holder: z
      .object({
        name: z.string().trim().min(1).max(100).optional(),
        email: z.email({ message: '应为有效的电子邮件地址' }).max(200).optional(),
      })
      .strict()
      .optional(),
    validTo: IsoDate.optional(),
  })
  .strict();
export type ChangeLicenceBody = z.infer<typeof ChangeLicenceBody>;
