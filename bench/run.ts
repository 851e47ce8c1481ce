/**
 * `npm run bench`: throughput of licence verification and issuance, each as a ratio against a baseline measured
 * in the same run on the same machine (absolute rates depend on the machine; ratios travel).
 *
 * - Verification: `POST /api/verify {identifier}` on the real platform (Express, auth-free route, PostgreSQL
 *   registry lookup, RFC 8785 canonicalisation, SHA-256, RSA verification, audit insert) against a bare Express
 *   endpoint that parses the same JSON and answers a constant, driven by the same load generator.
 * - Issuance: licences signed and stored per second through `POST /api/licenses` (validation, the issuance row,
 *   the Temporal workflow, the seal-use authorisation consumed, signing, the licence, outbox and audit rows, the
 *   exchange push), against the raw rate of RSA-signing a canonical licence and inserting it into a bare table.
 *
 * It starts the same real services as the tests (embedded PostgreSQL, the Temporal dev server, an SMTP server),
 * obtains the seal-use authorisation through the real approval flow, and stops everything at the end.
 * Not a test: it asserts nothing and prints figures.
 */
import { createHash, sign } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Client } from 'pg';
import { canonicalLicence } from '../domain/licence';
import { OrganisationCertificate } from '../db/entities';
import { decryptPrivateKey } from '../pki/key-encryption';
import globalSetup from '../test/support/global-setup';
import globalTeardown from '../test/support/global-teardown';
import { TEST_PKI_MASTER_KEY } from '../test/support/env';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../test/support/licences';
import { startTestPlatform, TestPlatform } from '../test/support/platform';
import { runLoad, runPool } from './load';
import { machineDescription } from './machine';

const VERIFY_SECONDS = Number(process.env.BENCH_VERIFY_SECONDS ?? 10);
const VERIFY_CONCURRENCY = Number(process.env.BENCH_VERIFY_CONCURRENCY ?? 16);
const ISSUE_COUNT = Number(process.env.BENCH_ISSUE_COUNT ?? 200);
const ISSUE_CONCURRENCY = Number(process.env.BENCH_ISSUE_CONCURRENCY ?? 16);

const fmt = (n: number) => n.toFixed(1).padStart(9);
const log = (line: string) => process.stdout.write(`${line}\n`);

/** A bare Express app answering POST /verify with a constant: the floor any HTTP JSON endpoint stands on. */
async function startBareExpress(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(express.json());
  app.post('/verify', (req, res) => {
    res.json({ indication: 'PASSED', identifier: (req.body as { identifier?: string }).identifier ?? null });
  });
  const server = app.listen(0);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/verify`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function benchVerification(t: TestPlatform, identifier: string): Promise<void> {
  log(`\n— Verification: POST /api/verify, ${VERIFY_CONCURRENCY} clients, ${VERIFY_SECONDS} s each —`);
  const bare = await startBareExpress();
  const body = () => ({ identifier });
  const durationMs = VERIFY_SECONDS * 1000;
  // A short warm-up of both, so that neither pays for JIT and connection set-up in its figure.
  await runLoad({ url: bare.url, method: 'POST', body, concurrency: 4, durationMs: 1000 });
  const platformUrl = `${t.url.replace('localhost', '127.0.0.1')}/api/verify`;
  const passed = (status: number, text: string) => status === 200 && text.includes('"indication":"PASSED"');
  await runLoad({ url: platformUrl, method: 'POST', body, concurrency: 4, durationMs: 1000, ok: passed });

  const baseline = await runLoad({
    url: bare.url,
    method: 'POST',
    body,
    concurrency: VERIFY_CONCURRENCY,
    durationMs,
  });
  const platform = await runLoad({
    url: platformUrl,
    method: 'POST',
    body,
    concurrency: VERIFY_CONCURRENCY,
    durationMs,
    ok: passed,
  });
  await bare.close();
  log(
    `bare Express endpoint     ${fmt(baseline.perSecond)} req/s  (${baseline.requests} ok, ${baseline.failures} failed)`,
  );
  log(
    `platform verification     ${fmt(platform.perSecond)} req/s  (${platform.requests} PASSED, ${platform.failures} other)`,
  );
  log(`RATIO verification / bare Express = ${(platform.perSecond / baseline.perSecond).toFixed(3)}`);
}

async function benchIssuance(t: TestPlatform, databaseUrl: string): Promise<void> {
  log(`\n— Issuance: ${ISSUE_COUNT} licences, ${ISSUE_CONCURRENCY} in flight —`);
  // Baseline: what signing and storing costs at its barest — canonical JSON, SHA-256, an RSA-2048 signature with
  // the same organisation key, one INSERT per licence on its own connection pool of the same size.
  const certificate = await t.em().findOneOrFail(OrganisationCertificate, { organisationId: 'zz-amr' });
  const key = decryptPrivateKey(certificate.privateKeyEncrypted, TEST_PKI_MASTER_KEY);
  const clients = await Promise.all(
    Array.from({ length: ISSUE_CONCURRENCY }, async () => {
      const c = new Client({ connectionString: databaseUrl });
      await c.connect();
      return c;
    }),
  );
  await clients[0]!.query(
    'create table if not exists bench_raw_licence (id serial primary key, data jsonb, signature text)',
  );
  const sample = businessLicenceBody();
  const items = Array.from({ length: ISSUE_COUNT }, (_, i) => i);
  let next = 0;
  const raw = await runPool(items, ISSUE_CONCURRENCY, async (i) => {
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
  });
  await Promise.all(clients.map((c) => c.end()));

  const platform = await runPool(items, ISSUE_CONCURRENCY, async () => {
    await issueLicence(t, businessLicenceBody());
  });
  log(
    `raw sign + insert         ${fmt(raw.perSecond)} licences/s  (${raw.count} in ${raw.seconds.toFixed(2)} s)`,
  );
  log(
    `platform issuance (API)   ${fmt(platform.perSecond)} licences/s  (${platform.count} in ${platform.seconds.toFixed(2)} s)`,
  );
  log(`RATIO issuance / raw sign-and-insert = ${(platform.perSecond / raw.perSecond).toFixed(3)}`);
}

async function main(): Promise<void> {
  log('晋城市电子证照与电子印章平台 — benchmark');
  log(machineDescription());
  log('\nstarting PostgreSQL, Temporal and the platform …');
  await globalSetup();
  let t: TestPlatform | undefined;
  try {
    t = await startTestPlatform();
    await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: ISSUE_COUNT + 100 });
    const { licence } = await issueLicence(t, businessLicenceBody());
    await benchVerification(t, licence.identifier as string);
    await benchIssuance(t, t.workerEnv.DATABASE_URL!);
  } finally {
    await t?.stop();
    await globalTeardown();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
