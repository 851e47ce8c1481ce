/**
 * In-app notices (站内提醒, issue 10): the reminders (with the task's time left) and the suspension and resumption
 * notices the approval workflow writes beside its e-mails, read by their own recipient only.
 */
import { z } from 'zod';
import { InAppNotice } from '../../db/approval-entities';
import type { AppContext } from '../context';
import type { Principal } from '../principal';

const LIMIT_RULE = '须为 1 到 100 之间的整数';
export const NoticeQuery = z
  .object({
    limit: z
      .string()
      .regex(/^\d{1,6}$/, LIMIT_RULE)
      .transform(Number)
      .pipe(z.number().int().min(1, LIMIT_RULE).max(100, LIMIT_RULE))
      .optional(),
  })
  .strict();

export interface NoticeView {
  id: string;
  processKey: string;
  kind: string;
  title: string;
  body: string;
  url: string;
  createdAt: string;
  read: boolean;
}

export class NoticeService {
  constructor(private readonly ctx: AppContext) {}

  /** The caller's notices, newest first. */
  async mine(principal: Principal, query: z.infer<typeof NoticeQuery>): Promise<NoticeView[]> {
    const rows = await this.ctx
      .em()
      .find(
        InAppNotice,
        { userId: principal.userId },
        { orderBy: { createdAt: 'desc', id: 'asc' }, limit: query.limit ?? 50 },
      );
    return rows.map((n) => ({
      id: n.id,
      processKey: n.processKey,
      kind: n.kind,
      title: n.title,
      body: n.body,
      url: n.url,
      createdAt: n.createdAt.toISOString(),
      read: n.readAt !== null,
    }));
  }
}
