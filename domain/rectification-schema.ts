/**
 * The request bodies of rectification orders (LM-28), validated at the edge. Kept apart from domain/rectification.ts
 * so that the workflow bundle, which Temporal evaluates for every new workflow, builds no zod schema (issue 19).
 */
import { z } from 'zod';
import { isIsoDate } from './calendar';

/** A deadline as the management unit sets it: a date (24:00 of it) or N working days from the order. */
export const DeadlineInput = z.union([
  z.object({ date: z.string().refine(isIsoDate, { message: '应为日期，如 2026-12-31' }) }).strict(),
  z.object({ workingDays: z.number().int().min(1).max(120) }).strict(),
]);
export type DeadlineInput = z.infer<typeof DeadlineInput>;

const text = (max: number) => z.string().trim().min(1).max(max);

export const RectificationOrderBody = z
  .object({
    organisationId: text(100),
    findingIds: z.array(z.string().uuid()).min(1, { message: '请至少选择一项发现的问题' }).max(100),
    requirements: text(2000),
    deadline: DeadlineInput,
  })
  .strict();
export type RectificationOrderBody = z.infer<typeof RectificationOrderBody>;

export const RectificationReportBody = z
  .object({ report: text(5000), attachments: z.array(z.string().uuid()).max(10).default([]) })
  .strict();
export type RectificationReportBody = z.infer<typeof RectificationReportBody>;

export const RectificationReviewBody = z.object({ comment: z.string().trim().max(2000).optional() }).strict();
export type RectificationReviewBody = z.infer<typeof RectificationReviewBody>;

export const RectificationExtendBody = z
  .object({
    reason: z.string({ message: '请填写延期理由' }).trim().min(1, { message: '请填写延期理由' }).max(1000),
    deadline: DeadlineInput,
  })
  .strict();
export type RectificationExtendBody = z.infer<typeof RectificationExtendBody>;
