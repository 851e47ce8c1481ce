/**
 * The bodies of the approval engine's actions (approval-actions.ts names each action's), as zod schemas: the API
 * validates a body at the edge and the workflow's validator again. Apart from the table so that only a caller that
 * validates a body loads zod (approval-actions.ts loads this module on first use).
 */
import { z } from 'zod';
import { SUSPENSION_KINDS } from './approval-clock';

/** PostgreSQL text cannot hold NUL, and no name or comment needs a control character (found by Schemathesis). */
const noNul = (v: string) => !v.includes('\u0000');
const noControl = (v: string) => ![...v].some((c) => c < ' ' || c === '\u007f');
const Comment = z.string().trim().max(500).refine(noNul, '不能包含空字符');
const AttachmentIds = z.array(z.uuid()).max(10);
const Username = z.string().trim().min(1).max(64).refine(noControl, '账号不能包含控制字符');

/**
 * A handwritten signature (issue 10): a PNG as a data URL. The API checks its bytes, stores it like an attachment
 * and hands the workflow its id (ActionRequest.signatureId), never the image.
 */
export const SIGNATURE_MAX_BYTES = 200 * 1024;
export const SignatureDataUrl = z
  .string()
  .max(Math.ceil((SIGNATURE_MAX_BYTES * 4) / 3) + 30, '签名图片不能超过 200 KB')
  .regex(
    /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/,
    '签名应为 PNG 图片的 data URL（data:image/png;base64,…）',
  );
export const ApproveBody = z
  .object({
    comment: Comment.optional(),
    attachments: AttachmentIds.optional(),
    signature: SignatureDataUrl.optional(),
  })
  .strict();
export const RejectBody = z
  .object({
    reason: z.string().trim().min(2).max(500).refine(noNul, '不能包含空字符'),
    attachments: AttachmentIds.optional(),
  })
  .strict();
export const HandOverBody = z
  .object({ to: Username, comment: Comment.optional(), attachments: AttachmentIds.optional() })
  .strict();
export const AddSignerBody = z
  .object({
    signer: Username,
    position: z.enum(['before', 'after']),
    comment: Comment.optional(),
    attachments: AttachmentIds.optional(),
  })
  .strict();
export const RemoveSignerBody = z
  .object({
    signerTaskId: z.string().min(1).max(200).refine(noNul, '不能包含空字符'),
    comment: Comment.optional(),
  })
  .strict();
export const ReturnBody = z
  .object({
    toStep: z.string().min(1).max(40).refine(noNul, '不能包含空字符'),
    comment: Comment.optional(),
    attachments: AttachmentIds.optional(),
  })
  .strict();
export const WithdrawBody = z
  .object({ comment: Comment.optional(), attachments: AttachmentIds.optional() })
  .strict();
export const UrgeBody = z.object({ comment: Comment.optional() }).strict();
/** Suspending a step's clock (issue 10): the kind, a reason, and for 补正 the items the applicant must supplement. */
export const SuspendBody = z
  .object({
    kind: z.enum(SUSPENSION_KINDS),
    reason: z.string().trim().min(2).max(500).refine(noNul, '不能包含空字符'),
    items: z
      .array(z.string().trim().min(1).max(200).refine(noControl, '不能包含控制字符'))
      .max(20)
      .optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const n = b.items?.length ?? 0;
    if (b.kind === 'supplement' && n === 0) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: '补正须列出申请人需补正的材料' });
    } else if (b.kind !== 'supplement' && n > 0) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: '只有补正需要列出补正材料' });
    }
  });
export const ResumeBody = z
  .object({ comment: Comment.optional(), attachments: AttachmentIds.optional() })
  .strict();
export const CcBody = z
  .object({ users: z.array(Username).min(1).max(20), comment: Comment.optional() })
  .strict();
