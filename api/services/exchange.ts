/**
 * Issue 12 Build 6 (LM-8): the data-exchange platform from the management unit's side — the day's reconciliation
 * (what was delivered, each message with the SHA-256 of exactly the body sent, and a digest of the day), a resend
 * of a range (the same messages, the same idempotency keys), and at platform start the delivery of the messages
 * stored while no endpoint was configured.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { exchangeMessage, withPayloads } from '../../activities/exchange';
import { recordAudit } from '../../db/audit';
import { ExchangeOutbox } from '../../db/licence-entities';
import { endOfShanghaiDay, isIsoDate, startOfShanghaiDay } from '../../domain/calendar';
import { DurableRequests } from '../../usecases/durable-request';
import { exchangeBacklogWorkflow, exchangeResendWorkflow } from '../../workflows/exchange-backlog';
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { ApiError, forbidden } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';

const IsoTime = z.iso.datetime({ offset: true, message: '应为 ISO 8601 时间，如 2026-12-01T00:00:00+08:00' });

export const ReconciliationQuery = z
  .object({ date: z.string().refine(isIsoDate, { message: '应为日期，如 2026-12-01' }) })
  .strict();

export const ResendBody = z
  .object({ from: IsoTime, to: IsoTime })
  .strict()
  .refine((b) => Date.parse(b.from) < Date.parse(b.to), { path: ['to'], message: '结束时间应晚于开始时间' });

const MAX_ITEMS = 10_000;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export interface ReconciliationItem {
  messageId: string;
  event: string;
  licenceId: string;
  createdAt: string;
  deliveredAt: string;
  attempts: number;
  /** SHA-256 of the JSON body as POSTed. */
  digest: string;
}

export class ExchangeService {
  private readonly durable: DurableRequests;

  constructor(private readonly ctx: AppContext) {
    this.durable = new DurableRequests(ctx);
  }

  /** GET /api/exchange/reconciliation?date=: the messages delivered that day (Asia/Shanghai). */
  async reconciliation(principal: Principal, raw: unknown, meta: RequestMeta) {
    await this.requireOverseer(principal, 'exchange.reconciliation', meta);
    const { date } = parse(ReconciliationQuery, raw);
    const found = await this.ctx.em().find(
      ExchangeOutbox,
      {
        status: 'delivered',
        deliveredAt: { $gte: startOfShanghaiDay(date), $lte: endOfShanghaiDay(date) },
      },
      { orderBy: { deliveredAt: 'asc', id: 'asc' }, limit: MAX_ITEMS, disableIdentityMap: true },
    );
    const rows = await withPayloads(this.ctx.em(), found);
    const items: ReconciliationItem[] = rows.map((r) => ({
      messageId: r.id,
      event: r.event,
      licenceId: r.licenceId,
      createdAt: r.createdAt.toISOString(),
      deliveredAt: r.deliveredAt!.toISOString(),
      attempts: r.attempts,
      digest: sha256(JSON.stringify(exchangeMessage(r))),
    }));
    const pending = await this.ctx.em().count(ExchangeOutbox, { status: 'pending' });
    return {
      date,
      count: items.length,
      digest: sha256(items.map((i) => i.digest).join('\n')),
      pending,
      items,
    };
  }

  /** POST /api/exchange/resend {from, to}: the messages created in [from, to) delivered again (202). */
  async resend(principal: Principal, raw: unknown, meta: RequestMeta) {
    await this.requireOverseer(principal, 'exchange.resend', meta);
    const body = parse(ResendBody, raw);
    const count = await this.ctx.em().count(ExchangeOutbox, {
      status: 'delivered',
      createdAt: { $gte: new Date(body.from), $lt: new Date(body.to) },
    });
    const workflowId = `exchange-resend-${randomUUID()}`;
    await this.durable
      .start({ workflow: exchangeResendWorkflow, workflowId, args: [{ from: body.from, to: body.to }] })
      .catch(() => {
        throw new ApiError('UNAVAILABLE', '流程服务暂不可用，重发未受理，请稍后重试');
      });
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action: 'exchange.resend',
      targetType: 'exchange',
      targetId: workflowId,
      outcome: 'success',
      details: { ...body, count },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    return { workflowId, count };
  }

  /**
   * At platform start with an endpoint configured: delivers the messages still pending (written while none was),
   * under a workflow id from the oldest of them, so that two starts do not deliver the same backlog twice at once.
   */
  async deliverBacklog(): Promise<boolean> {
    if (!this.ctx.config.exchangeEndpointUrl) return false;
    const oldest = await this.ctx
      .em()
      .findOne(
        ExchangeOutbox,
        { status: 'pending' },
        { orderBy: { createdAt: 'asc', id: 'asc' }, disableIdentityMap: true },
      );
    if (!oldest) return false;
    return this.durable.start({
      workflow: exchangeBacklogWorkflow,
      workflowId: `exchange-backlog-${oldest.id}`,
      args: [{}],
    });
  }

  private async requireOverseer(principal: Principal, action: string, meta: RequestMeta) {
    if (isManagementOverseer(principal)) return;
    // LM-8
    const message = '只有管理单位的监督管理人员或平台管理员可以对账或重发交换数据';
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action,
      targetType: 'exchange',
      targetId: null,
      outcome: 'denied',
      details: { reason: message },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    const error = forbidden(message);
    error.audited = true;
    throw error;
  }
}
