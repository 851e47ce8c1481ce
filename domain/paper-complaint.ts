/**
 * A holder's complaint that a unit demanded a paper licence although sharing could supply it (issue 14 Build 2.5,
 * LM-28 violation kind 5), raised from the public verification page or the licence page by the holder or anyone.
 * A supervision run makes each complaint a finding of the unit named. Pure: the body.
 */
import { z } from 'zod';
import { PublicContact } from './dispute-schema';
import { ServiceItemCode } from './service-item';

/** POST /api/paper-complaints. */
export const PaperComplaintBody = z
  .object({
    /** The unit that demanded paper. */
    organisationId: z.string().trim().min(1, { message: '请选择要求提供纸质证照的单位' }).max(100),
    /** The service item being applied for, when known (a code of the public service-item list). */
    serviceItem: ServiceItemCode.optional(),
    /** The licence asked for on paper, when the complaint starts from its page. */
    licenceIdentifier: z.string().trim().min(1).max(120).optional(),
    description: z
      .string()
      .trim()
      .min(5, { message: '请说明被要求提供纸质证照的经过（至少 5 个字）' })
      .max(2000, { message: '情况说明最多 2000 字' }),
    contact: PublicContact,
  })
  .strict();
export type PaperComplaintBody = z.infer<typeof PaperComplaintBody>;
