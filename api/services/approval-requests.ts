/**
 * The inbox queries callers may send, as the zod schemas that validate them at the edge and describe them in
 * OpenAPI. The bodies of task and process actions are the action table's (domain/approval-actions.ts).
 */
import { z } from 'zod';
import { INBOX_KINDS } from '../../domain/inbox';

export const INBOX_BOXES = ['pending', 'done', 'cc', 'started'] as const;
export type InboxBox = (typeof INBOX_BOXES)[number];

const BoolParam = z.enum(['true', 'false']).transform((v) => v === 'true');
/** An organisation id filter: PostgreSQL text cannot hold NUL (found by Schemathesis). */
const UnitParam = z
  .string()
  .min(1)
  .max(64)
  .refine((v) => !v.includes('\u0000'), { message: '不能包含空字符' });

/** A keyword (title, 办件编号, initiator, unit), up to 100 characters. */
const KeywordParam = z
  .string()
  .trim()
  .max(100)
  .refine((v) => !v.includes('\u0000'), { message: '不能包含空字符' });

/**
 * The search and paging every list shares (待办, 已办, 我发起的, 抄送, 督办): a keyword, a start date range
 * (Asia/Shanghai dates, inclusive) and a page. Without `page`, the first 500 rows, as before paging.
 */
export const ListSearchParams = {
  q: KeywordParam.optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  page: z.coerce.number().int().min(1).max(10_000).optional(),
  pageSize: z.coerce.number().int().min(1).max(500).optional(),
};

export const InboxQuery = z
  .object({
    ...ListSearchParams,
    box: z.enum(INBOX_BOXES).optional(),
    /** The foundation's name for the first two boxes. */
    status: z.enum(['pending', 'done']).optional(),
    kind: z.enum(INBOX_KINDS).optional(),
    unit: UnitParam.optional(),
    overdue: BoolParam.optional(),
    dueBefore: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type InboxQuery = z.infer<typeof InboxQuery>;

export const SupervisionQuery = z
  .object({
    ...ListSearchParams,
    kind: z.enum(INBOX_KINDS).optional(),
    unit: UnitParam.optional(),
    overdue: BoolParam.optional(),
  })
  .strict();
