/**
 * Whether an error is a dependency outage (PostgreSQL or Temporal unreachable, a connection cut or refused, a
 * server shutting down) rather than a fault of the request or a bug: the API answers these 503 with Retry-After,
 * never 500 (issue 11), since a request may have been stored before the outage and its retry will find it.
 */
import { ConnectionException } from '@mikro-orm/core';
import { ServiceError } from '@temporalio/client';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
/** PostgreSQL SQLSTATEs: connection exceptions (08…), operator intervention (57P01–57P03: shutdown, restart). */
const POSTGRES_OUTAGE = /^(08\w{3}|57P0[1-3])$/;
/** gRPC status codes: DEADLINE_EXCEEDED (4), UNAVAILABLE (14). */
const GRPC_OUTAGE = new Set([4, 14]);
const OUTAGE_MESSAGES = [
  /Connection terminated/i,
  /terminating connection due to administrator command/i,
  /Timeout acquiring a connection/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  // knex ends a transaction whose connection died (PostgreSQL killed) and refuses its next query with this; the
  // original connection error is not attached (fault drill (b), issue 11).
  /Transaction query already complete/i,
];

export function isDependencyOutage(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  // Bounded: follows `cause` / `previous` links a few levels, as drivers and the Temporal client wrap errors.
  for (let depth = 0; depth < 6 && current && typeof current === 'object' && !seen.has(current); depth++) {
    seen.add(current);
    const e = current as { code?: unknown; message?: unknown; cause?: unknown; previous?: unknown };
    if (current instanceof ConnectionException) return true;
    if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || POSTGRES_OUTAGE.test(e.code)))
      return true;
    if (current instanceof ServiceError || typeof e.code === 'number') {
      if (typeof e.code === 'number' && GRPC_OUTAGE.has(e.code)) return true;
    }
    if (typeof e.message === 'string' && OUTAGE_MESSAGES.some((re) => re.test(e.message as string)))
      return true;
    current = e.cause ?? e.previous;
  }
  return false;
}
