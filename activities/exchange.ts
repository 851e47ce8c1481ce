/**
 * LM-8, WP-(二)1: pushing licences to the data-exchange platform. The licence's transaction put a message in
 * `exchange_outbox` (usecases/licence-issuing.ts), so a push is never lost; this activity delivers it by HTTP POST to
 * the configured endpoint (EXCHANGE_ENDPOINT_URL) and marks it delivered, and the workflow retries it with backoff
 * until it is. A delivered message is never sent again, so from our side each is delivered exactly once. A crash
 * between the receiver's 2xx and our mark would send it once more: every POST carries `Idempotency-Key: <message
 * id>` (and the id as `messageId` in the body), so that the receiver drops that repeat.
 *
 * Without an endpoint configured the message stays pending and the activity returns. Issue 12 Build 6: once one
 * is configured, the platform's start runs the backlog workflow (workflows/exchange-backlog.ts), which delivers
 * the messages left pending meanwhile in pages; and a resend over a range delivers delivered messages again with
 * their original idempotency keys (the receiver drops what it already has).
 *
 * Issue 19 Build 3: issuances and lifecycle events leave their messages to the delivery relay (activities/
 * delivery-relay.ts), which pushes them in order per licence; the per-licence activity here serves the workflows
 * begun before it and claims each message the way the relay does, so that the two never both send one.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ExchangeOutbox } from '../db/licence-entities';
import { LIFECYCLE_EXCHANGE_PREFIX } from '../domain/licence-lifecycle';
import { exchangeEvent } from '../domain/licence-issuance';
import { LICENCE_EXPORT_FORMAT } from '../domain/licence';
import type { Orm } from '../db/orm';
import { licenceSignatureRecordSql } from '../db/signature-material';

/** One attempt stays well inside the activity's start-to-close timeout (LONG_ACTIVITY_OPTIONS). */
const REQUEST_TIMEOUT_MS = 30_000;

/** `claimed`: the delivery relay holds the message just now (activities/delivery-relay.ts) and will deliver it. */
export type DeliveryResult = 'delivered' | 'already-delivered' | 'no-endpoint' | 'claimed';

export interface ExchangePage {
  /** The cursor after this page, or null when it was the last. */
  next: { createdAt: string; id: string } | null;
  delivered: number;
}

export interface ExchangeActivities {
  /**
   * Delivers the licence's pending exchange messages of one scope (every message when none is named: workflows
   * begun before the scopes); throws (to be retried) on any failure.
   */
  deliverToExchange(req: { licenceId: string; scope?: MessageScope }): Promise<DeliveryResult[]>;
  /** Issue 12 Build 6: delivers one page of the pending messages, oldest first. */
  deliverPendingPage(req: { after: ExchangePage['next']; pageSize: number }): Promise<ExchangePage>;
  /** Issue 12 Build 6: sends one page of the messages delivered in [from, to) again, same idempotency keys. */
  resendPage(req: {
    from: string;
    to: string;
    after: ExchangePage['next'];
    pageSize: number;
  }): Promise<ExchangePage>;
}

export interface ExchangeDeps {
  orm: Orm;
  exchangeEndpointUrl?: string;
}

/**
 * Issue 19: a converted licence's message stores no payload: its export is the licence's own signed content
 * (metadata, data, signature record), already in the licence row, and writing it a second time made a third of a
 * conversion's bytes. It is built here, in PostgreSQL, exactly as the stored `jsonb` would have been. Every reader
 * of a message's body (delivery, resend, reconciliation) fills the rows it read with this first.
 */
export async function withPayloads<T extends Pick<ExchangeOutbox, 'licenceId' | 'payload'>>(
  em: EntityManager,
  rows: T[],
): Promise<T[]> {
  const missing = rows.filter((r) => r.payload === null || r.payload === undefined);
  if (missing.length === 0) return rows;
  const built: Array<{ id: string; payload: Record<string, unknown> }> = await em.execute(
    `select id, jsonb_build_object('format', ?::text, 'licence', jsonb_build_object('metadata', metadata, 'data', data),
            'signature', ${licenceSignatureRecordSql('licence')}) as payload
       from licence where id in (select jsonb_array_elements_text(?::jsonb))`,
    [LICENCE_EXPORT_FORMAT, JSON.stringify([...new Set(missing.map((r) => r.licenceId))])],
  );
  const byLicence = new Map(built.map((b) => [b.id, b.payload]));
  for (const row of missing) {
    const payload = byLicence.get(row.licenceId);
    if (!payload) throw new Error(`exchange message of licence ${row.licenceId}: the licence is missing`);
    row.payload = payload;
  }
  return rows;
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
  // Issue 19 Build 3: claimed like the delivery relay claims, so that the relay and this path never send it both.
  const claimed: unknown[] = await em.execute(
    `update exchange_outbox set attempts = attempts + 1, claimed_until = now() + interval '1 minute'
      where id = ? and status = 'pending' and (claimed_until is null or claimed_until < now()) returning id`,
    [id],
  );
  if (claimed.length === 0) return 'claimed';
  await withPayloads(em, [row]);
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
      await em.execute(
        `update exchange_outbox set status = 'delivered', delivered_at = now(), last_error = null, claimed_until = null
          where id = ? and status = 'pending'`,
        [id],
      );
      return 'delivered';
    }
    problem = `HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
  } catch (err) {
    problem = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  await em.execute('update exchange_outbox set last_error = ?, claimed_until = null where id = ?', [
    problem,
    id,
  ]);
  throw ApplicationFailure.retryable(
    `exchange delivery of ${id} failed: ${problem}`,
    'ExchangeDeliveryFailed',
  );
}

/**
 * Which of a licence's messages one delivery sends. The issuance and each lifecycle event run a delivery of their
 * own; were each to send every message of the licence, an issuance's delivery and an event's recorded just after it
 * would both POST the event's message, twice a 2xx. Each sends its own kind instead ('all' for workflows begun
 * before the scopes, replayed as they ran).
 */
export type MessageScope = 'all' | 'issuance' | 'lifecycle';

const SCOPE_FILTERS: Record<MessageScope, { event?: { $in: string[] } | { $like: string } }> = {
  all: {},
  issuance: { event: { $in: [exchangeEvent('issue'), exchangeEvent('change')] } },
  lifecycle: { event: { $like: `${LIFECYCLE_EXCHANGE_PREFIX}%` } },
};

/** Delivers a licence's exchange messages of one scope, oldest first (see deliverOutboxMessage). */
export async function deliverLicenceMessages(
  em: EntityManager,
  licenceId: string,
  endpoint: string | undefined,
  scope: MessageScope,
): Promise<DeliveryResult[]> {
  const rows = await em.find(
    ExchangeOutbox,
    { licenceId, ...SCOPE_FILTERS[scope] },
    { fields: ['id'], orderBy: { createdAt: 'asc' }, disableIdentityMap: true },
  );
  const results: DeliveryResult[] = [];
  for (const row of rows) results.push(await deliverOutboxMessage(em, row.id, endpoint));
  // The relay is delivering one of them: retried until it is delivered (the caller waits for its messages).
  if (results.includes('claimed'))
    throw ApplicationFailure.retryable(
      `exchange messages of licence ${licenceId} are being delivered by the relay`,
      'ExchangeDeliveryClaimed',
    );
  return results;
}

/** POSTs a message again, as it was first sent (same body, same Idempotency-Key); throws on failure. */
async function postAgain(row: ExchangeOutbox, endpoint: string): Promise<void> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': row.id },
    body: JSON.stringify(exchangeMessage(row)),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  await res.text().catch(() => '');
  if (!res.ok) {
    throw ApplicationFailure.retryable(
      `exchange resend of ${row.id} failed: HTTP ${res.status}`,
      'ExchangeDeliveryFailed',
    );
  }
}

type Cursor = ExchangePage['next'];

/** One page of outbox rows in (created_at, id) order after the cursor, under a condition. */
async function outboxPage(
  em: EntityManager,
  where: string,
  params: unknown[],
  after: Cursor,
  pageSize: number,
): Promise<ExchangeOutbox[]> {
  const rows: Array<{ id: string }> = await em.execute(
    `select id from exchange_outbox where ${where} and (created_at, id) > (?::timestamptz, ?)
      order by created_at, id limit ?`,
    [...params, after?.createdAt ?? '-infinity', after?.id ?? '', pageSize],
  );
  if (rows.length === 0) return [];
  const found = await em.find(
    ExchangeOutbox,
    { id: { $in: rows.map((r) => r.id) } },
    { disableIdentityMap: true },
  );
  return withPayloads(
    em,
    rows.map((r) => found.find((f) => f.id === r.id)!),
  );
}

function nextCursor(rows: ExchangeOutbox[], pageSize: number): Cursor {
  const last = rows[rows.length - 1];
  return rows.length === pageSize && last ? { createdAt: last.createdAt.toISOString(), id: last.id } : null;
}

export function createExchangeActivities(deps: ExchangeDeps): ExchangeActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async deliverPendingPage({ after, pageSize }) {
      if (!deps.exchangeEndpointUrl) return { next: null, delivered: 0 };
      const em = fork();
      const rows = await outboxPage(em, `status = 'pending'`, [], after, pageSize);
      let delivered = 0;
      for (const row of rows) {
        if ((await deliverOutboxMessage(em, row.id, deps.exchangeEndpointUrl)) === 'delivered') delivered++;
      }
      return { next: nextCursor(rows, pageSize), delivered };
    },

    async resendPage({ from, to, after, pageSize }) {
      if (!deps.exchangeEndpointUrl) return { next: null, delivered: 0 };
      const em = fork();
      const rows = await outboxPage(
        em,
        `status = 'delivered' and created_at >= ?::timestamptz and created_at < ?::timestamptz`,
        [from, to],
        after,
        pageSize,
      );
      for (const row of rows) await postAgain(row, deps.exchangeEndpointUrl);
      return { next: nextCursor(rows, pageSize), delivered: rows.length };
    },

    deliverToExchange({ licenceId, scope }) {
      return deliverLicenceMessages(fork(), licenceId, deps.exchangeEndpointUrl, scope ?? 'all');
    },
  };
}
