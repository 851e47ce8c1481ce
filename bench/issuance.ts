/**
 * Issuance: licences signed and stored per second through `POST /api/licenses` (validation, the issuance row, the
 * Temporal workflow, the seal-use authorisation consumed, signing on the signing queue, the licence, outbox and
 * audit rows, the exchange push, the holder's e-mail) against a no-op workflow with one activity on the same
 * Temporal server at the same concurrency (what Temporal itself costs); and, for scale, the raw rate of
 * RSA-signing a canonical licence and inserting it into a bare table. A breakdown from the histories follows.
 */
import { createHash, sign } from 'node:crypto';
import { Client } from 'pg';
import { canonicalLicence } from '../domain/licence';
import { OrganisationCertificate } from '../db/entities';
import { decryptPrivateKey } from '../pki/key-encryption';
import { TEST_PKI_MASTER_KEY } from '../test/support/env';
import { businessLicenceBody, issueLicence } from '../test/support/licences';
import { ownerUrl } from './owner';
import type { TestPlatform } from '../test/support/platform';
import { licenceIssuanceWorkflowId } from '../workflows/licence-issuance-messages';
import { printBreakdown } from './breakdown';
import { runPool } from './load';
import { elapsedMs, fmt, log, reportRatio } from './stats';
import type { TemporalBaseline } from './temporal-baseline';

async function rawSignAndInsert(t: TestPlatform, count: number, concurrency: number) {
  const certificate = await t.em().findOneOrFail(OrganisationCertificate, { organisationId: 'zz-amr' });
  const key = decryptPrivateKey(certificate.privateKeyEncrypted, TEST_PKI_MASTER_KEY);
  const clients = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const c = new Client({ connectionString: ownerUrl(t) });
      c.on('error', () => undefined); // a connection lost at shutdown; the queries report their own errors
      await c.connect();
      return c;
    }),
  );
  await clients[0]!.query(
    'create table if not exists bench_raw_licence (id serial primary key, data jsonb, signature text)',
  );
  const sample = businessLicenceBody();
  let next = 0;
  const raw = await runPool(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (i) => {
      const content = canonicalLicence({
        metadata: { identifier: String(i), holder: sample.holder } as never, // shape only; the cost is the bytes
        data: sample.data as never,
      });
      const hash = createHash('sha256').update(content).digest('hex');
      const signature = sign('sha256', Buffer.from(hash + content), key).toString('base64');
      await clients[next++ % clients.length]!.query(
        'insert into bench_raw_licence (data, signature) values ($1, $2)',
        [content, signature],
      );
    },
  );
  await Promise.all(clients.map((c) => c.end()));
  return raw;
}

export async function benchIssuance(
  t: TestPlatform,
  temporal: TemporalBaseline,
  options: { count: number; concurrency: number },
): Promise<{ perSecond: number }> {
  const { count, concurrency } = options;
  log(`\n— Issuance: ${count} licences, ${concurrency} in flight —`);
  await temporal.noopRate(Math.min(50, count), concurrency); // warm-up
  const noop = await temporal.noopRate(count, concurrency);
  const raw = await rawSignAndInsert(t, count, concurrency);

  const issuanceIds: string[] = [];
  const apiMs: number[] = [];
  const platform = await runPool(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async () => {
      const started = process.hrtime.bigint();
      const { issuance } = await issueLicence(t, businessLicenceBody());
      apiMs.push(elapsedMs(started));
      issuanceIds.push(issuance.id as string);
    },
  );
  log(
    `no-op workflow + 1 activity ${fmt(noop.perSecond)} workflows/s  (${count} in ${noop.seconds.toFixed(2)} s)`,
  );
  log(
    `platform issuance (API)     ${fmt(platform.perSecond)} licences/s  (${count} in ${platform.seconds.toFixed(2)} s)`,
  );
  log(
    `raw sign + insert           ${fmt(raw.perSecond)} licences/s  (${count} in ${raw.seconds.toFixed(2)} s)`,
  );
  reportRatio({
    name: 'issuance / no-op workflow with one activity',
    platform: `${platform.perSecond.toFixed(1)} licences/s`,
    baseline: `${noop.perSecond.toFixed(1)} workflows/s`,
    ratio: platform.perSecond / noop.perSecond,
    target: '≥ 0.8',
  });
  log(`(issuance / raw sign-and-insert = ${(platform.perSecond / raw.perSecond).toFixed(3)}, for scale)`);
  const sample = issuanceIds.slice(-Math.min(50, issuanceIds.length));
  await printBreakdown(t.platform.temporal, sample.map(licenceIssuanceWorkflowId), apiMs);
  return { perSecond: platform.perSecond };
}
