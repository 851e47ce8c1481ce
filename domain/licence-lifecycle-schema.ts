/**
 * The request body of a licence lifecycle event (LM-8), validated at the edge. Kept apart from
 * domain/licence-lifecycle.ts so that the workflow bundle, which Temporal evaluates for every new workflow, builds no
 * zod schema (issue 19).
 */
import { z } from 'zod';
import { isIsoDate } from './calendar';
import { LICENCE_EVENT_KINDS } from './licence-lifecycle';

const CaseId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.:/-]+$/, { message: '只能包含字母、数字和 _ . : / -' });
const Text = (max: number) => z.string().trim().min(1, { message: '不能为空' }).max(max);

export const LicenceEventBody = z
  .object({
    /** The issuing unit's business case id: the idempotency key. */
    caseId: CaseId,
    kind: z.enum(LICENCE_EVENT_KINDS),
    /** 法律依据 */
    legalBasis: Text(200),
    reason: Text(500),
    /** When the event takes effect; now when absent (decisions: when approved, if later). */
    effectiveAt: z.iso
      .datetime({ offset: true, message: '应为 ISO 8601 时间，如 2026-11-27T10:30:00+08:00' })
      .optional(),
    nextDueDate: z.string().refine(isIsoDate, { message: '应为日期，如 2027-11-27' }).optional(),
    consequences: Text(500).optional(),
    pledgee: Text(100).optional(),
    authority: Text(100).optional(),
    /** 延续: the new last day of validity. */
    validTo: z.string().refine(isIsoDate, { message: '应为日期，如 2031-11-27' }).optional(),
  })
  .strict();
export type LicenceEventBody = z.infer<typeof LicenceEventBody>;
