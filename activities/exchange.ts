/**
 * LM-8, WP-(二)1: pushing licences to the data-exchange platform. The licence's transaction put a message in
 * `exchange_outbox` (usecases/licence-issuing.ts), so a push is never lost; this activity delivers it by HTTP POST to
 * the configured endpoint (EXCHANGE_ENDPOINT_URL) and marks it delivered, and the workflow retries it with backoff
 * until it is. A delivered message is never sent again, so from our side each is delivered exactly once. A crash
 * between the receiver's 2xx and our mark would send it once more: every POST carries `Idempotency-Key: <message
 * id>` (and the id as `messageId` in the body), so that the receiver drops that repeat.
 *
 * Without an endpoint configured the message stays pending and the activity returns: configuring one later does
 * not resend the messages left pending meanwhile (a resend job over the pending index is out of scope here).
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ExchangeOutbox } from '../db/licence-entities';
import type { Orm } from '../db/orm';

/** One attempt stays well inside the activity's start-to-close timeout (LONG_ACTIVITY_OPTIONS). */
const REQUEST_TIMEOUT_MS = 30_000;

export type DeliveryResult = 'delivered' | 'already-delivered' | 'no-endpoint';

export interface ExchangeActivities {
  /** Delivers every pending exchange message of the licence; throws (to be retried) on any failure. */
  deliverToExchange(req: { licenceId: string }): Promise<DeliveryResult[]>;
}

export interface ExchangeDeps {
  orm: Orm;
  exchangeEndpointUrl?: string;
}

/** What the exchange platform receives: the licence export plus the event and the message id. */
export function exchangeMessage(
  row: Pick<ExchangeOutbox, 'id' | 'event' | 'payload'>,
): Record<string, unknown> {
  return { ...row.payload, event: row.event, messageId: row.id };
}

/** Delivers one outbox message (see the file comment); throws when the endpoint fails or answers non-2xx. */
export async function deliverOutboxMessage(
  em: EntityManager,
  id: string,
  endpoint: string | undefined,
): Promise<DeliveryResult> {
  const row = await em.findOneOrFail(ExchangeOutbox, { id }, { disableIdentityMap: true });
  if (row.status === 'delivered') return 'already-delivered';
  if (!endpoint) return 'no-endpoint';
  await em.execute('update exchange_outbox set attempts = attempts + 1 where id = ?', [id]);
  let problem: string;
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': row.id },
      body: JSON.stringify(exchangeMessage(row)),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text().catch(() => '');
    if (res.ok) {
      await em.nativeUpdate(
        ExchangeOutbox,
        { id, status: 'pending' },
        { status: 'delivered', deliveredAt: new Date(), lastError: null },
      );
      return 'delivered';
    }
    problem = `HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
  } catch (err) {
    problem = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  await em.nativeUpdate(ExchangeOutbox, { id }, { lastError: problem });
  throw ApplicationFailure.retryable(
    `exchange delivery of ${id} failed: ${problem}`,
    'ExchangeDeliveryFailed',
  );
}

export function createExchangeActivities(deps: ExchangeDeps): ExchangeActivities {
  return {
    async deliverToExchange({ licenceId }) {
      const em = deps.orm.em.fork() as EntityManager;
      const rows = await em.find(
        ExchangeOutbox,
        { licenceId },
        { fields: ['id'], orderBy: { createdAt: 'asc' }, disableIdentityMap: true },
      );
      const results: DeliveryResult[] = [];
      for (const row of rows) results.push(await deliverOutboxMessage(em, row.id, deps.exchangeEndpointUrl));
      return results;
    },
  };
}
