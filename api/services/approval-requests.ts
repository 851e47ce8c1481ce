/**
 * What callers may send the approval engine: the bodies of task and process actions and the inbox queries, as the
 * zod schemas that validate them at the edge (API routes and web forms alike) and describe them in OpenAPI.
 */
import { z } from 'zod';
import { PROCESS_KINDS } from '../../domain/flow-definition';

const Comment = z.string().trim().max(500);
const AttachmentIds = z.array(z.uuid()).max(10);
const Username = z.string().trim().min(1).max(64);

export const ApproveBody = z
  .object({ comment: Comment.optional(), attachments: AttachmentIds.optional() })
  .strict();
export const RejectBody = z
  .object({ reason: z.string().trim().min(2).max(500), attachments: AttachmentIds.optional() })
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
  .object({ signerTaskId: z.string().min(1), comment: Comment.optional() })
  .strict();
export const ReturnBody = z
  .object({
    toStep: z.string().min(1).max(40),
    comment: Comment.optional(),
    attachments: AttachmentIds.optional(),
  })
  .strict();
export const WithdrawBody = z
  .object({ comment: Comment.optional(), attachments: AttachmentIds.optional() })
  .strict();
export const UrgeBody = z.object({ comment: Comment.optional() }).strict();
export const CcBody = z
  .object({ users: z.array(Username).min(1).max(20), comment: Comment.optional() })
  .strict();

export const TASK_ACTIONS = {
  approve: ApproveBody,
  reject: RejectBody,
  transfer: HandOverBody,
  delegate: HandOverBody,
  'add-signer': AddSignerBody,
  'remove-signer': RemoveSignerBody,
  return: ReturnBody,
  cc: CcBody,
} as const;
export type TaskActionName = keyof typeof TASK_ACTIONS;

export const PROCESS_ACTIONS = { withdraw: WithdrawBody, urge: UrgeBody, cc: CcBody } as const;
export type ProcessActionName = keyof typeof PROCESS_ACTIONS;

export const INBOX_BOXES = ['pending', 'done', 'cc', 'started'] as const;
export type InboxBox = (typeof INBOX_BOXES)[number];

const BoolParam = z.enum(['true', 'false']).transform((v) => v === 'true');
export const InboxQuery = z
  .object({
    box: z.enum(INBOX_BOXES).optional(),
    /** The foundation's name for the first two boxes. */
    status: z.enum(['pending', 'done']).optional(),
    kind: z.enum(PROCESS_KINDS).optional(),
    unit: z.string().min(1).max(64).optional(),
    overdue: BoolParam.optional(),
    dueBefore: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type InboxQuery = z.infer<typeof InboxQuery>;

export const SupervisionQuery = z
  .object({
    kind: z.enum(PROCESS_KINDS).optional(),
    unit: z.string().min(1).max(64).optional(),
    overdue: BoolParam.optional(),
  })
  .strict();
