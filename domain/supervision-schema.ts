/**
 * The request bodies of supervision (LM-9, LM-28), validated at the edge. Kept apart from domain/supervision.ts so
 * that the workflow bundle, which Temporal evaluates for every new workflow, builds no zod schema (issue 19).
 */
import { z } from 'zod';
import { TYPE_CODE_PATTERN } from './licence-identifier';

/** A simulated service request (LM-28): a supervisor applies for a service item as a citizen would. */
export const SimulatedRequestBody = z
  .object({
    organisationId: z.string().trim().min(1).max(100),
    serviceItem: z.string().trim().min(1).max(200),
    paperDemanded: z.boolean(),
    note: z.string().trim().max(2000).optional(),
  })
  .strict();
export type SimulatedRequestBody = z.infer<typeof SimulatedRequestBody>;

/** POST /api/supervision/findings/:id/dismiss: a finding set aside, with the reason (LM-28). */
export const DismissFindingBody = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();
export type DismissFindingBody = z.infer<typeof DismissFindingBody>;

const IsoTime = z.iso.datetime({ offset: true, message: '应为 ISO 8601 时间，如 2026-11-27T10:30:00+08:00' });

/** POST /api/cases: what a business system announces when a case closes, before or without issuing. */
export const AnnounceCaseBody = z
  .object({
    /** The same business case id the licence will be issued under (POST /api/licenses caseId). */
    caseId: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[\w.:/-]+$/, { message: '只能包含字母、数字和 _ . : / -' }),
    licenceType: z.string().regex(TYPE_CODE_PATTERN, { message: '应为 21 位证照类型代码' }),
    closedAt: IsoTime,
  })
  .strict();
export type AnnounceCaseBody = z.infer<typeof AnnounceCaseBody>;
