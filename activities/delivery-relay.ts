/**
 * Issue 19 Build 3 (LM-8): the delivery relay. A licence's transaction writes its exchange message
 * (`exchange_outbox`) and its holder's e-mail (`holder_notice`) as rows; this one long activity (workflows/
 * delivery-relay.ts runs it over and over) claims pending rows in batches — `FOR UPDATE SKIP LOCKED` and a claim
 * lease, so that several workers share the work and a killed worker's claims lapse — delivers them and marks them.
 * An issuance needs no activity or workflow task of its own for delivery any more.
 *
 * - Exchange messages go out in the order they were written per licence (`seq`): a message is claimed only when no
 *   earlier one of its licence is pending, so two events of one licence written in the same instant are pushed in
 *   order, and a failing one holds back only its own licence's later ones.
 * - Each message is POSTed with its id as Idempotency-Key and marked delivered once; a crash between the 2xx and
 *   the mark sends it once more with the same key (activities/exchange.ts). Each e-mail is sent once per licence
 *   (sendMailsOnce, keyed by the licence); a round's e-mails are one batch: one read of the licences, one upsert of
 *   the keys, the sends, one mark and one audit insert.
 * - Pushes and e-mails are separate rows with separate backoff: an exchange outage delays only the pushes, an SMTP
 *   outage only the e-mails. A failed row is retried after a backoff (0.25 s doubling to 60 s: a passing glitch
 *   costs a blink, an outage one attempt a minute), for as long as it takes. At most SEND_CONCURRENCY of each kind
 *   are in flight at once.
 * - Latency: when idle the relay looks for new rows every IDLE_POLL_MS (0.5 s), one cheap indexed query; under load
 *   it claims the next batch at once. Half a second is well within what the holder and the exchange platform can
 *   notice (both are told within seconds, as before), and the issuance's answer does not wait for either.
 */
import { Context, log } from '@temporalio/activity';
import pLimit from 'p-limit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm';
import { exchangeMessage, withPayloads } from './exchange';
import { notifyHoldersOf, type LicenceIssuanceDeps } from './licence-issuance';

/**
 * At most this many POSTs and this many e-mails in flight at once: an SMTP server or the exchange platform asked
 * dozens of things at a time throttles or refuses them.
 */
const SEND_CONCURRENCY = 8;
/**
 * Rows claimed per kind per round: two waves of sends, so that a round whose every POST runs into its timeout
 * (2 × REQUEST_TIMEOUT_MS, 20 s) settles well within the claim's 30 s lease. Under load the next round is claimed
 * at once.
 */
const BATCH = 2 * SEND_CONCURRENCY;
/** A claim lapses after this long (a killed worker's rows are taken up again); longer than one POST may take. */
const LEASE_SECONDS = 30;
const REQUEST_TIMEOUT_MS = 10_000;
const IDLE_POLL_MS = 500;
const ERROR_PAUSE_MS = 1_000;
/** One activity attempt relays for about this long, then returns (the workflow starts the next one). */
const RUN_MS = 60_000;

export interface DeliveryRelayActivities {
  /** Relays pending exchange messages and holder e-mails for about a minute; the counts done. */
  relayDeliveries(): Promise<{ pushed: number; mailed: number }>;
}

export interface DeliveryRelayDeps extends LicenceIssuanceDeps {
  orm: Orm;
}

interface ClaimedMessage {
  id: string;
  licenceId: string;
  event: string;
  /** Null for a converted licence's message until withPayloads builds it from the licence row. */
  payload: Record<string, unknown> | null;
}

/** The backoff of a row that failed its n-th attempt, in seconds. */
const BACKOFF_SQL = `least(60, 0.25 * power(2, greatest(attempts - 1, 0)))`;

/** Claims the next pending message of each licence whose earlier messages are all delivered. */
async function claimMessages(em: EntityManager): Promise<ClaimedMessage[]> {
  const claimed: ClaimedMessage[] = await em.execute(
    `update exchange_outbox o set claimed_until = now() + make_interval(secs => ?), attempts = o.attempts + 1
      where o.id in (
        select p.id from exchange_outbox p
         where p.status = 'pending' and (p.claimed_until is null or p.claimed_until < now())
           and not exists (select 1 from exchange_outbox e
                            where e.licence_id = p.licence_id and e.status = 'pending' and e.seq < p.seq)
         order by p.seq limit ? for update skip locked)
      returning o.id, o.licence_id as "licenceId", o.event, o.payload`,
    [LEASE_SECONDS, BATCH],
  );
  return withPayloads(em, claimed);
}

async function claimNotices(em: EntityManager): Promise<string[]> {
  const rows: Array<{ licence_id: string }> = await em.execute(
    `update holder_notice n set claimed_until = now() + make_interval(secs => ?), attempts = n.attempts + 1
      where n.licence_id in (
        select licence_id from holder_notice
         where status = 'pending' and (claimed_until is null or claimed_until < now())
         order by created_at limit ? for update skip locked)
      returning n.licence_id`,
    [LEASE_SECONDS, BATCH],
  );
  return rows.map((r) => r.licence_id);
}

/** POSTs one message; the problem when it failed. */
async function post(endpoint: string, m: ClaimedMessage, signal: AbortSignal): Promise<string | null> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': m.id },
      body: JSON.stringify(exchangeMessage(m)),
      signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    const text = await res.text().catch(() => '');
    return res.ok ? null : `HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
}

/** Marks the rows that went out (one statement) and sets back the ones that failed. */
async function settle(
  em: EntityManager,
  table: 'exchange_outbox' | 'holder_notice',
  key: 'id' | 'licence_id',
  outcomes: Array<{ id: string; problem: string | null }>,
): Promise<void> {
  const done = outcomes.filter((o) => !o.problem).map((o) => o.id);
  const doneColumn = table === 'exchange_outbox' ? 'delivered_at' : 'done_at';
  const doneStatus = table === 'exchange_outbox' ? 'delivered' : 'done';
  if (done.length > 0) {
    await em.execute(
      `update ${table} set status = '${doneStatus}', ${doneColumn} = now(), last_error = null, claimed_until = null
        where ${key} in (?) and status = 'pending'`,
      [done],
    );
  }
  for (const o of outcomes.filter((x) => x.problem)) {
    await em.execute(
      `update ${table} set last_error = ?, claimed_until = now() + make_interval(secs => ${BACKOFF_SQL})
        where ${key} = ?`,
      [o.problem, o.id],
    );
  }
}

/** The holders' e-mails of a round as one batch (one read, four statements in all); each notice's problem. */
async function mailHolders(
  deps: DeliveryRelayDeps,
  licenceIds: string[],
): Promise<Array<{ id: string; problem: string | null }>> {
  if (licenceIds.length === 0) return [];
  try {
    const outcomes = await notifyHoldersOf(
      deps.orm.em.fork() as EntityManager,
      deps,
      licenceIds,
      SEND_CONCURRENCY,
    );
    return licenceIds.map((id, i) => {
      const outcome = outcomes[i];
      return { id, problem: typeof outcome === 'object' ? outcome.problem : null };
    });
  } catch (err) {
    // The database failed the batch: every notice of it is tried again after its backoff.
    const problem = err instanceof Error ? err.message : String(err);
    return licenceIds.map((id) => ({ id, problem }));
  }
}

/** One round: a batch of each kind, side by side; how many went out. */
async function relayRound(
  em: EntityManager,
  deps: DeliveryRelayDeps,
  signal: AbortSignal,
): Promise<{ pushed: number; mailed: number; claimed: number }> {
  const endpoint = deps.exchangeEndpointUrl;
  const [messages, notices] = await Promise.all([
    endpoint ? claimMessages(em) : Promise.resolve([]),
    claimNotices(em),
  ]);
  const pushLimit = pLimit(SEND_CONCURRENCY);
  const [pushes, mails] = await Promise.all([
    Promise.all(
      messages.map((m) => pushLimit(async () => ({ id: m.id, problem: await post(endpoint!, m, signal) }))),
    ),
    mailHolders(deps, notices),
  ]);
  await Promise.all([
    settle(em, 'exchange_outbox', 'id', pushes),
    settle(em, 'holder_notice', 'licence_id', mails),
  ]);
  return {
    pushed: pushes.filter((p) => !p.problem).length,
    mailed: mails.filter((m) => !m.problem).length,
    claimed: messages.length + notices.length,
  };
}

function currentSignal(): AbortSignal {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return new AbortController().signal; // called outside a worker (a test calling the function directly)
  }
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

export function createDeliveryRelayActivities(deps: DeliveryRelayDeps): DeliveryRelayActivities {
  return {
    async relayDeliveries() {
      // Cancelled when the worker shuts down: the round in hand finishes, the next one is left to the next attempt.
      const signal = currentSignal();
      const em = deps.orm.em.fork() as EntityManager;
      const until = Date.now() + RUN_MS;
      let pushed = 0;
      let mailed = 0;
      while (Date.now() < until && !signal.aborted) {
        try {
          const round = await relayRound(em, deps, signal);
          pushed += round.pushed;
          mailed += round.mailed;
          if (round.claimed === 0) await pause(IDLE_POLL_MS, signal);
        } catch (err) {
          // The database is away (its rows and claims are not): try again shortly, in this attempt.
          log.warn('delivery relay round failed', {
            error: err instanceof Error ? err.message : String(err),
          });
          await pause(ERROR_PAUSE_MS, signal);
        }
      }
      return { pushed, mailed };
    },
  };
}
