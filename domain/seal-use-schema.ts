/**
 * The request bodies of seal use (SM-12) and of the handover decision, validated at the edge. Kept apart from
 * domain/seal-use.ts so that the workflow bundle, which Temporal evaluates for every new workflow, builds no zod
 * schema (issue 19).
 */
import { z } from 'zod';
import { isConversionDocumentTitle } from './licence';
import { INITIATOR_OPTIONS } from './flow-definition-schema';
import {
  SEAL_USE_MAX_CONVERSION_USES,
  SEAL_USE_MAX_DOCUMENTS,
  SEAL_USE_MAX_USES,
  windowProblem,
} from './seal-use';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const SealUseDocument = z
  .object({
    title: z.string().trim().min(1).max(200),
    sha256: z.string().regex(SHA256_HEX, { message: '应为 64 位小写十六进制 SHA-256 摘要' }).optional(),
  })
  .strict();
export type SealUseDocument = z.infer<typeof SealUseDocument>;

const IsoTime = z.iso.datetime({ offset: true, message: '应为 ISO 8601 时间，如 2026-12-01T09:00:00+08:00' });

export const SealUseRequestBody = z
  .object({
    sealId: z.string().trim().min(1).max(100),
    documents: z.array(SealUseDocument).min(1).max(SEAL_USE_MAX_DOCUMENTS),
    maxUses: z.number().int().min(1).max(SEAL_USE_MAX_CONVERSION_USES),
    validFrom: IsoTime,
    validTo: IsoTime,
    reason: z.string().trim().min(2).max(500),
    /** Usernames to copy on the approval (抄送), as the approval engine's actions name users. */
    ...INITIATOR_OPTIONS,
  })
  .strict()
  .superRefine((b, ctx) => {
    const problem = windowProblem(new Date(b.validFrom), new Date(b.validTo));
    if (problem) ctx.addIssue({ code: 'custom', path: ['validTo'], message: problem });
    const conversion = b.documents.every((d) => isConversionDocumentTitle(d.title));
    if (b.maxUses > SEAL_USE_MAX_USES && !conversion) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxUses'],
        message: `用印次数不能超过 ${SEAL_USE_MAX_USES} 次（仅证照存量转换的用印可按文件行数申请）`,
      });
    }
  });
export type SealUseRequestBody = z.infer<typeof SealUseRequestBody>;

/**
 * The request body as the edge validates it at `now`: an authorisation that would be over before it is granted is
 * a mistake, not a request. The clock is the caller's (domain/ reads none), so tests fix it.
 */
export function sealUseRequestBodyAt(now: Date) {
  return SealUseRequestBody.superRefine((b, ctx) => {
    const to = new Date(b.validTo);
    if (!Number.isNaN(to.getTime()) && to.getTime() <= now.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['validTo'], message: '结束时间已过，请填写将来的时间' });
    }
  });
}

export const SealSignBody = z
  .object({
    authorisationId: z.string().trim().min(1).max(100),
    documentHash: z.string().regex(/^[0-9a-fA-F]{64}$/, { message: '应为 64 位十六进制 SHA-256 摘要' }),
    documentTitle: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type SealSignBody = z.infer<typeof SealSignBody>;

/**
 * The unit leader's decision on a standing authorisation whose holder left: keep it (for a named person) or revoke
 * it, with a reason (2 to 500 characters; required to revoke).
 */
export const SealUseHandoverDecisionBody = z
  .object({
    decision: z.enum(['keep', 'revoke'], { message: '应为 keep（保留）或 revoke（撤销）' }),
    /** Username of the person of the unit who holds it from now on; the deciding leader when absent. */
    grantee: z.string().trim().min(1).max(100).optional(),
    comment: z.string().trim().max(500, { message: '说明最多 500 个字' }).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.decision === 'revoke' && b.grantee !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['grantee'], message: '撤销授权时不能指定授权人' });
    }
    if (b.decision === 'revoke' && (b.comment ?? '').length < 2) {
      ctx.addIssue({ code: 'custom', path: ['comment'], message: '撤销授权须写明理由，至少 2 个字' });
    }
  });
export type SealUseHandoverDecisionBody = z.infer<typeof SealUseHandoverDecisionBody>;
