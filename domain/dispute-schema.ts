/**
 * The request bodies of disputes (LM-23), validated at the edge. Kept apart from domain/dispute.ts so that the
 * workflow bundle, which Temporal evaluates for every new workflow, builds no zod schema (issue 19).
 */
import { z } from 'zod';
import { CORRECTING_OUTCOMES, DISPUTE_GROUNDS, OUTCOME_KINDS } from './dispute';

const text = (max: number) => z.string().trim().min(1).max(max);

/** How an anonymous member of the public can be reached: a name, and a telephone number or an e-mail address. */
export const PublicContact = z
  .object({
    name: text(50),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9][0-9-]{5,19}$/, { message: '电话号码格式不正确' })
      .optional(),
    email: z.string().trim().email({ message: '电子邮箱格式不正确' }).max(200).optional(),
  })
  .strict()
  .refine((c) => !!c.phone || !!c.email, { message: '请留下电话或电子邮箱', path: ['phone'] });
export type PublicContact = z.infer<typeof PublicContact>;

/** A challenge as raised (POST /api/licenses/:identifier/disputes); the challenger's contact only when anonymous. */
export const DisputeRequest = z
  .object({
    ground: z.enum(DISPUTE_GROUNDS),
    /** The data items concerned, by the labels the licence type gives them. */
    items: z.array(text(40)).min(1, { message: '请至少指明一项有异议的数据项' }).max(100),
    description: text(2000),
    attachments: z.array(z.string().uuid()).max(10).default([]),
    contact: PublicContact.optional(),
  })
  .strict();
export type DisputeRequest = z.infer<typeof DisputeRequest>;

/** The unit's answer: its outcome and reasons; a correcting outcome names the new version it issued. */
export const DisputeAnswer = z
  .object({
    outcome: z.enum(OUTCOME_KINDS),
    reasons: text(2000),
    newIdentifier: z.string().trim().min(1).max(120).optional(),
  })
  .strict()
  .refine((a) => !CORRECTING_OUTCOMES.includes(a.outcome) || !!a.newIdentifier, {
    message: '更正后须注明新版本证照标识',
    path: ['newIdentifier'],
  })
  .refine((a) => CORRECTING_OUTCOMES.includes(a.outcome) || !a.newIdentifier, {
    message: '经核实无误时不应注明新版本',
    path: ['newIdentifier'],
  });
export type DisputeAnswer = z.infer<typeof DisputeAnswer>;

export const MaterialRequest = z.object({ message: text(2000) }).strict();
export type MaterialRequest = z.infer<typeof MaterialRequest>;
export const WithdrawRequest = z.object({ reason: z.string().trim().max(500).optional() }).strict();
export type WithdrawRequest = z.infer<typeof WithdrawRequest>;
export const MarkRequest = z.object({ comment: z.string().trim().max(500).optional() }).strict();
export type MarkRequest = z.infer<typeof MarkRequest>;
