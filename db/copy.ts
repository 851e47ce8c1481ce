/**
 * PostgreSQL `COPY … FROM STDIN` in text format inside a MikroORM (knex) transaction: the field and line encoding,
 * the transaction's own connection, and a COPY fed from a string or from lines as they are produced (a stream's
 * back-pressure holds the producer while PostgreSQL writes, so nothing piles up in memory). A COPY whose source
 * fails sends CopyFail: the statement, and with it the transaction, is rolled back.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client as PgClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const COPY_SPECIAL = /[\\\t\n\r]/;

/** One field in COPY's text format: null as `\N`; backslash, tab, newline and carriage return escaped. */
export function copyField(value: string | number | null): string {
  if (value === null) return '\\N';
  const text = String(value);
  // Most fields hold none of the four: one scan rather than four replaces (issue 19, a conversion's fields).
  if (!COPY_SPECIAL.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** A field already in COPY's text format (made once with `copyField` and spliced, e.g. by domain/json-template.ts). */
export interface CopyText {
  copyText: string;
}

/** One row in COPY's text format. */
export const copyLine = (fields: Array<string | number | null | CopyText>) =>
  `${fields.map((f) => (f !== null && typeof f === 'object' ? f.copyText : copyField(f))).join('\t')}\n`;

/** The pg client under the MikroORM (knex) transaction. */
export async function transactionConnection(tx: EntityManager): Promise<PgClient> {
  const trx = tx.getTransactionContext<{ client: { acquireConnection(): Promise<PgClient> } }>();
  if (!trx) throw new Error('COPY needs a transaction');
  return trx.client.acquireConnection();
}

/**
 * `copy <table> from stdin` with `text` (COPY lines), with COPY lines already encoded as UTF-8 (chunks in order),
 * or with the chunks of lines `source` yields.
 */
export async function copyInto(
  connection: PgClient,
  table: string,
  source: string | Uint8Array[] | AsyncIterable<string>,
): Promise<void> {
  if (source === '' || (Array.isArray(source) && source.every((chunk) => chunk.length === 0))) return;
  const input = typeof source === 'string' ? [source] : source;
  await pipeline(
    Readable.from(input, { objectMode: false }),
    connection.query(copyFrom(`copy ${table} from stdin`)),
  );
}
