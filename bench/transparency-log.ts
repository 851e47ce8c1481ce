/**
 * Issue 20 figures for what is on main (the transparency log, usecases/transparency-log.ts): appending leaves to
 * the Merkle tree in the appender's batches, as a cost per issuance, and inclusion proofs served per second.
 * Entries are queued in `log_outbox` as the triggers queue them (through the owner's connection), then the
 * platform's own appender moves them into the tree.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { appendLogBatch, inclusionProofAt, logSize } from '../usecases/transparency-log';
import type { TestPlatform } from '../test/support/platform';
import { elapsedMs, fmt, log } from './stats';

export async function benchTransparencyLog(
  t: TestPlatform,
  ownerUrl: string,
  options: { entries: number; issuancePerSecond: number },
): Promise<void> {
  log(`\n— Issue 20: transparency log, ${options.entries} entries appended, proofs served —`);
  const owner = new Client({ connectionString: ownerUrl });
  await owner.connect();
  await owner.query(
    `insert into log_outbox (kind, identifier, hash, event_time)
     select 'licence.issuance', 'bench-' || g, encode(sha256(convert_to(g::text || $1, 'UTF8')), 'hex'),
            to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
       from generate_series(1, $2) g`,
    [randomBytes(4).toString('hex'), options.entries],
  );
  await owner.end();

  const em = t.em();
  let appended = 0;
  const started = process.hrtime.bigint();
  for (let n = await appendLogBatch(em); n > 0; n = await appendLogBatch(em)) appended += n;
  const appendMs = elapsedMs(started);
  const perLeafMs = appendMs / appended;
  const issuanceMs = 1000 / options.issuancePerSecond;
  log(
    `log append                  ${fmt(appended / (appendMs / 1000))} leaves/s  (${appended} in ${(appendMs / 1000).toFixed(2)} s, batches of up to 1,000)`,
  );
  log(
    `cost per issuance: ${perLeafMs.toFixed(3)} ms of appender time per leaf = ${((perLeafMs / issuanceMs) * 100).toFixed(2)} % of one issuance at the measured rate (off the critical path)`,
  );

  const size = await logSize(em);
  const proofs = Math.min(500, size);
  const proofStarted = process.hrtime.bigint();
  for (let i = 0; i < proofs; i++) await inclusionProofAt(em, Math.floor(Math.random() * size), size);
  const proofSeconds = elapsedMs(proofStarted) / 1000;
  log(
    `inclusion proofs            ${fmt(proofs / proofSeconds)} proofs/s  (tree of ${size} leaves, one at a time)`,
  );
}
