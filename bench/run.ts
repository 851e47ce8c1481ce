/**
 * `npm run bench [-- --size small|medium|large]`: the figures of issue 19 Build 6, each as a ratio against a
 * baseline measured in the same run on the same machine (absolute rates depend on the machine; ratios travel):
 *
 * - verification vs a bare Express endpoint (bench/verification.ts), and its p99 at half that load;
 * - issuance vs a no-op workflow with one activity on the same Temporal server, with a breakdown of where an
 *   issuance's time goes (bench/issuance.ts); and the same as deployed, the API apart from the platform and signing
 *   workers and the no-op's worker, each in a process of its own (bench/issuance-deployed.ts);
 * - bulk conversion, upload to report, vs raw sign + `COPY`, with CPU per row and peak memory per process
 *   (bench/conversion.ts); and the same as deployed (`conversion-deployed`), both workers in processes of their own;
 * - approval step latency (update to next task visible, p50 and p99) vs a bare Temporal update (bench/approval.ts);
 *   and the same as deployed, the API apart from the workers, each in a process of its own
 *   (bench/approval-deployed.ts);
 * - apart, issue 20's figures for what exists: the transparency log's append cost and proofs, and SM2 vs RSA
 *   signing and verification rates (bench/signature-algorithms.ts).
 *
 * It starts the same real services as the tests (embedded PostgreSQL, an SMTP server) and the Temporal dev server
 * as `npm start` runs it (its SQLite file in WAL mode), obtains every seal-use authorisation through the real
 * approval flow, and stops everything at the end. Not a test: it asserts nothing and prints figures. The size sets
 * how long it runs (small ≈ 2 min, medium ≈ 5 min on 2 cores); BENCH_* variables override single settings, and
 * BENCH_PARTS (e.g. `issuance`) runs only the parts named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTemporalDevServer, RunningTemporal } from '../infra/temporal';
import globalSetup from '../test/support/global-setup';
import globalTeardown from '../test/support/global-teardown';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../test/support/licences';
import { startTestPlatform, TestPlatform } from '../test/support/platform';
import { freePort } from '../test/support/ports';
import { benchApproval, inProcessApprovalRun } from './approval';
import { benchApprovalDeployed } from './approval-deployed';
import { benchConversion, benchConversionDeployed } from './conversion';
import { benchIssuance } from './issuance';
import { benchIssuanceDeployed } from './issuance-deployed';
import { benchSignatureAlgorithms } from './signature-algorithms';
import { machineDescription } from './machine';
import { ownerUrl } from './owner';
import { log, ratios } from './stats';
import { startTemporalBaseline, TemporalBaseline } from './temporal-baseline';
import { benchTransparencyLog } from './transparency-log';
import { benchVerification } from './verification';
import { benchVerificationCluster } from './verification-cluster';

const SIZES = {
  small: { verifySeconds: 5, issueCount: 100, conversionRows: 2_000, approvals: 10, logEntries: 5_000 },
  medium: { verifySeconds: 10, issueCount: 200, conversionRows: 10_000, approvals: 25, logEntries: 20_000 },
  large: { verifySeconds: 20, issueCount: 500, conversionRows: 100_000, approvals: 50, logEntries: 100_000 },
};

function settings() {
  const flag = process.argv.indexOf('--size');
  const arg =
    process.argv.find((a) => a.startsWith('--size='))?.slice(7) ??
    (flag >= 0 ? process.argv[flag + 1] : undefined);
  // Without --size, BENCH_SIZE (before, argv[0] was taken for the size and BENCH_SIZE never applied).
  const name = arg ?? process.env.BENCH_SIZE ?? 'medium';
  if (!(name in SIZES)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
  const size = SIZES[name as keyof typeof SIZES];
  const env = (key: string, fallback: number) => Number(process.env[key] ?? fallback);
  return {
    name,
    verifySeconds: env('BENCH_VERIFY_SECONDS', size.verifySeconds),
    verifyConcurrency: env('BENCH_VERIFY_CONCURRENCY', 16),
    issueCount: env('BENCH_ISSUE_COUNT', size.issueCount),
    issueConcurrency: env('BENCH_ISSUE_CONCURRENCY', 16),
    conversionRows: env('BENCH_CONVERSION_ROWS', size.conversionRows),
    approvals: env('BENCH_APPROVALS', size.approvals),
    logEntries: env('BENCH_LOG_ENTRIES', size.logEntries),
    parts: benchParts(),
  };
}

const PARTS = [
  'verification',
  'issuance',
  'issuance-deployed',
  'approval',
  'approval-deployed',
  'conversion',
  'conversion-deployed',
  'log',
  'signatures',
] as const;
type Part = (typeof PARTS)[number];

/** BENCH_PARTS=issuance,approval runs only those parts (comparing one part before and after a change); all by default. */
function benchParts(): Part[] {
  const named = process.env.BENCH_PARTS?.split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (!named?.length) return [...PARTS];
  const unknown = named.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length)
    throw new Error(`BENCH_PARTS: unknown ${unknown.join(', ')}; known: ${PARTS.join(', ')}`);
  return named as Part[];
}

/** Runs one part of the bench; a part that fails is reported and the others still run. */
async function section(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    log(`\n!! ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

async function runAll(s: ReturnType<typeof settings>, temporal: RunningTemporal): Promise<void> {
  let t: TestPlatform | undefined;
  let baseline: TemporalBaseline | undefined;
  try {
    // The verification limit per address (120 a minute by default) would cut the load generator off.
    t = await startTestPlatform({ env: { RATE_LIMIT_VERIFY_PER_MINUTE: '100000000' } });
    baseline = await startTemporalBaseline(temporal.address);
    await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: s.issueCount + 100 });
    const { licence } = await issueLicence(t, businessLicenceBody());
    const run = (part: Part) => s.parts.includes(part);
    if (run('verification')) {
      await benchVerification(t, licence.identifier as string, {
        seconds: s.verifySeconds,
        concurrency: s.verifyConcurrency,
      });
      await section('verification cluster', () =>
        benchVerificationCluster(t!, licence.identifier as string, {
          seconds: s.verifySeconds,
          concurrency: s.verifyConcurrency,
        }),
      );
    }
    let issuancePerSecond = Number.NaN;
    if (run('issuance')) {
      await section('issuance', async () => {
        ({ perSecond: issuancePerSecond } = await benchIssuance(t!, baseline!, {
          count: s.issueCount,
          concurrency: s.issueConcurrency,
          temporalPid: temporal.pid,
        }));
      });
    }
    if (run('issuance-deployed')) {
      await section('issuance as deployed', () =>
        benchIssuanceDeployed(temporal, { count: s.issueCount, concurrency: s.issueConcurrency }),
      );
    }
    if (run('approval')) {
      await section('approval', async () =>
        benchApproval(t!, baseline!, s.approvals, await inProcessApprovalRun(t!, temporal.pid)),
      );
    }
    if (run('approval-deployed'))
      await section('approval as deployed', () => benchApprovalDeployed(temporal, s.approvals));
    if (run('conversion'))
      await section('conversion', () => benchConversion(t!, s.conversionRows, temporal.pid));
    if (run('conversion-deployed'))
      await section('conversion as deployed', () => benchConversionDeployed(temporal, s.conversionRows));
    if (run('log')) {
      await section('transparency log', () =>
        benchTransparencyLog(t!, ownerUrl(t!), { entries: s.logEntries, issuancePerSecond }),
      );
    }
    if (run('signatures')) await section('signature algorithms', async () => benchSignatureAlgorithms());
  } finally {
    await baseline?.stop();
    await t?.stop();
  }
}

async function main(): Promise<void> {
  const s = settings();
  log('晋城市电子证照与电子印章平台 — benchmark');
  log(machineDescription());
  log(`size: ${s.name} ${JSON.stringify(s)}`);
  log('\nstarting PostgreSQL, Temporal (SQLite file in WAL mode, as npm start runs it) and the platform …');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elicense-bench-'));
  const temporal = await startTemporalDevServer({
    port: await freePort(),
    headless: true,
    dbFile: path.join(dir, 'temporal.db'),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.env.TEMPORAL_ADDRESS = temporal.address;
  const began = Date.now();
  try {
    await globalSetup();
    await runAll(s, temporal);
  } finally {
    await globalTeardown();
    await temporal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  log(`\n— Summary (${((Date.now() - began) / 1000).toFixed(0)} s) —`);
  for (const r of ratios) {
    log(
      `${r.name.padEnd(56)} ${r.ratio.toFixed(3).padStart(7)}  platform ${r.platform}; baseline ${r.baseline}; target ${r.target}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
