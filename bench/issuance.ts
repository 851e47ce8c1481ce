/**
 * Issuance: licences signed and stored per second through `POST /api/licenses` (validation, the issuance row, the
 * Temporal workflow, the seal-use authorisation consumed, signing on the signing queue, the licence, outbox and
 * audit rows, the exchange push, the holder's e-mail) against a no-op workflow with one activity on the same
 * Temporal server at the same concurrency (what Temporal itself costs); and, for scale, the raw rate of
 * RSA-signing a canonical licence and inserting it into a bare table. A breakdown from the histories follows, then
 * the CPU time each process used per licence and per no-op workflow (bench/cpu.ts). bench/issuance-deployed.ts
 * measures the same with the workers in processes of their own.
 */
import { createHash, createPrivateKey, sign } from 'node:crypto';
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
import { PoolResult, runPool } from './load';
import { elapsedMs, fasterOf, fmt, log, reportRatio } from './stats';
import { cpuDuring, CpuUsage, logCpu, Watched } from './cpu';
import { postmasterPid } from './memory';
import type { TemporalBaseline } from './temporal-baseline';

async function rawSignAndInsert(t: TestPlatform, count: number, concurrency: number) {
  const certificate = await t.em().findOneOrFail(OrganisationCertificate, { organisationId: 'zz-amr' });
  // Parsed once, as the platform's signing keeps it (pki/signature-keys.ts): the baseline is raw signing at its best.
  const key = createPrivateKey(decryptPrivateKey(certificate.privateKeyEncrypted, TEST_PKI_MASTER_KEY));
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

/** Issuance through the API and its no-op baseline, measured one after the other at the same count and concurrency. */
export interface IssuanceRun {
  /** The baseline: the faster of the two no-op runs, before and after the issuance. */
  noop: PoolResult;
  noopRuns: { before: PoolResult; after: PoolResult };
  platform: PoolResult;
  issuanceIds: string[];
  /** Each `POST /api/licenses` until the licence was issued (the answer, or its polling). */
  apiMs: number[];
  /** The CPU time of the processes each side runs on, while it ran. */
  noopCpu: CpuUsage;
  platformCpu: CpuUsage;
}

/** The processes whose CPU time is measured while the no-op baseline runs, and while the platform issues. */
export interface IssuanceProcesses {
  noop: Watched[];
  platform: Watched[];
}

/** `count` licences issued through `t`'s API, `concurrency` at a time. */
async function issueThroughApi(t: TestPlatform, options: { count: number; concurrency: number }) {
  const issuanceIds: string[] = [];
  const apiMs: number[] = [];
  const platform = await runPool(
    Array.from({ length: options.count }, (_, i) => i),
    options.concurrency,
    async () => {
      const started = process.hrtime.bigint();
      const { issuance } = await issueLicence(t, businessLicenceBody());
      apiMs.push(elapsedMs(started));
      issuanceIds.push(issuance.id as string);
    },
  );
  return { platform, issuanceIds, apiMs };
}

/**
 * The no-op baseline (after a warm-up of its own), then `count` licences issued through `t`'s API, then the no-op
 * again. The same server ran the same no-op at 25 and at 49 workflows/s in runs of one day (what the earlier parts
 * left running, its store), and a baseline caught slow would flatter the ratio: the faster of the two is taken.
 */
export async function measureIssuance(
  t: TestPlatform,
  temporal: TemporalBaseline,
  options: { count: number; concurrency: number },
  processes: IssuanceProcesses,
): Promise<IssuanceRun> {
  const { count, concurrency } = options;
  await temporal.noopRate(Math.min(50, count), concurrency); // warm-up
  const before = await cpuDuring(processes.noop, () => temporal.noopRate(count, concurrency));
  const issued = await cpuDuring(processes.platform, () => issueThroughApi(t, options));
  const after = await cpuDuring(processes.noop, () => temporal.noopRate(count, concurrency));
  const noop = fasterOf(before, after);
  return {
    noop: noop.result,
    noopCpu: noop.usage,
    noopRuns: { before: before.result, after: after.result },
    ...issued.result,
    platformCpu: issued.usage,
  };
}

/** One rate line of the printout, its label in a column of its own. */
export function logRate(label: string, rate: PoolResult, unit: string): void {
  log(
    `${label.padEnd(27)} ${fmt(rate.perSecond)} ${unit}/s  (${rate.count} in ${rate.seconds.toFixed(2)} s)`,
  );
}

/** The baseline's line: the faster no-op run, with both runs' rates. */
export function logNoop(label: string, run: IssuanceRun): void {
  logRate(label, run.noop, 'workflows');
  const { before, after } = run.noopRuns;
  log(
    `${''.padEnd(27)} (before the issuance ${before.perSecond.toFixed(1)}, after it ${after.perSecond.toFixed(1)}: ` +
      'the faster is the baseline)',
  );
}

/** The ratio issuance / no-op of `run` under `name`, for the summary. */
export function reportIssuanceRatio(name: string, run: IssuanceRun): void {
  reportRatio({
    name,
    platform: `${run.platform.perSecond.toFixed(1)} licences/s`,
    baseline: `${run.noop.perSecond.toFixed(1)} workflows/s`,
    ratio: run.platform.perSecond / run.noop.perSecond,
    target: '≥ 0.8',
  });
}

/**
 * Where the time of the last (up to) 50 issuances of `run` went, from their workflows' histories; then the CPU time
 * per licence and per no-op workflow of each process.
 */
export async function printIssuanceBreakdown(t: TestPlatform, run: IssuanceRun): Promise<void> {
  const sample = run.issuanceIds.slice(-Math.min(50, run.issuanceIds.length));
  await printBreakdown(t.platform.temporal, sample.map(licenceIssuanceWorkflowId), run.apiMs);
  logCpu(run.platformCpu, { count: run.platform.count, unit: 'licence' });
  logCpu(run.noopCpu, { count: run.noop.count, unit: 'no-op workflow' });
}

/** The Temporal server and PostgreSQL (the postmaster and its backends), watched on both sides. */
export async function serverProcesses(t: TestPlatform, temporalPid: number): Promise<Watched[]> {
  return [
    { name: 'Temporal server', pid: temporalPid },
    { name: 'PostgreSQL', pid: await postmasterPid(ownerUrl(t)), withChildren: true },
  ];
}

export async function benchIssuance(
  t: TestPlatform,
  temporal: TemporalBaseline,
  options: { count: number; concurrency: number; temporalPid: number },
): Promise<{ perSecond: number }> {
  const { count, concurrency } = options;
  log(`\n— Issuance: ${count} licences, ${concurrency} in flight —`);
  const servers = await serverProcesses(t, options.temporalPid);
  const run = await measureIssuance(t, temporal, options, {
    noop: [{ name: 'load generator + no-op worker', pid: process.pid }, ...servers],
    platform: [{ name: 'API + both workers + load generator', pid: process.pid }, ...servers],
  });
  const raw = await rawSignAndInsert(t, count, concurrency);
  logNoop('no-op workflow + 1 activity', run);
  logRate('platform issuance (API)', run.platform, 'licences');
  logRate('raw sign + insert', raw, 'licences');
  reportIssuanceRatio('issuance / no-op workflow with one activity', run);
  log(`(issuance / raw sign-and-insert = ${(run.platform.perSecond / raw.perSecond).toFixed(3)}, for scale)`);
  await printIssuanceBreakdown(t, run);
  return { perSecond: run.platform.perSecond };
}
