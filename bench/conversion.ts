/**
 * Bulk conversion (LM-10): a ledger of `rows` 营业执照 uploaded as CSV, mapped, started and waited for through the
 * API (upload to report: staging, checking, batches on the signing queue, one transaction each), against the raw
 * rate of signing each row's canonical licence with RSA and writing it to a bare table with PostgreSQL `COPY`.
 * Peak memory of every process is sampled throughout the platform's run.
 */
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { canonicalLicence } from '../domain/licence';
import type { RunningTemporal } from '../infra/temporal';
import { OrganisationCertificate } from '../db/entities';
import { decryptPrivateKey } from '../pki/key-encryption';
import { copyField } from '../db/copy';
import {
  grantConversionSealUse,
  LEDGER_MAPPING,
  ledgerCsvChunks,
  ledgerRows,
  uploadLedgerStream,
  waitForConversion,
} from '../test/support/conversions';
import { TEST_PKI_MASTER_KEY } from '../test/support/env';
import { apiCaller, TestPlatform } from '../test/support/platform';
import { ownerUrl } from './owner';
import { startApiCluster, stopCluster } from './child-process';
import { cpuDuring, logCpu, Watched } from './cpu';
import { withDeployedPlatform } from './deployed-platform';
import { mib, MemoryWatched, postmasterPid, sampleMemory } from './memory';
import { logPostgresIo, postgresIoDuring } from './postgres-io';
import { elapsedMs, fmt, log, reportRatio } from './stats';

async function rawSignAndCopy(t: TestPlatform, rows: Iterable<Record<string, string>>): Promise<number> {
  const certificate = await t.em().findOneOrFail(OrganisationCertificate, { organisationId: 'zz-amr' });
  // Parsed once, as the platform's signing keeps it (pki/signature-keys.ts): the baseline is raw signing at its best.
  const key = createPrivateKey(decryptPrivateKey(certificate.privateKeyEncrypted, TEST_PKI_MASTER_KEY));
  const client = new Client({ connectionString: ownerUrl(t) });
  client.on('error', () => undefined); // a connection lost at shutdown; the queries report their own errors
  await client.connect();
  await client.query('create table if not exists bench_raw_conversion (data jsonb, signature text)');
  const started = process.hrtime.bigint();
  let count = 0;
  function* lines() {
    for (const row of rows) {
      count++;
      const content = canonicalLicence({
        metadata: { licenceNumber: row['原证照编号'] } as never,
        data: row as never,
      });
      const hash = createHash('sha256').update(content).digest('hex');
      const signature = sign('sha256', Buffer.from(hash + content), key).toString('base64');
      yield `${copyField(content)}\t${signature}\n`;
    }
  }
  await pipeline(
    Readable.from(lines()),
    client.query(copyFrom('copy bench_raw_conversion (data, signature) from stdin')),
  );
  const seconds = elapsedMs(started) / 1000;
  await client.end();
  return count / seconds;
}

/** The processes a conversion runs in: their CPU time and peak memory are measured throughout. */
interface ConversionProcesses {
  cpu: Watched[];
  memory: MemoryWatched[];
}

async function serverProcesses(t: TestPlatform, temporalPid: number | undefined) {
  const postmaster = await postmasterPid(t.workerEnv.DATABASE_URL!);
  return {
    cpu: [
      { name: 'PostgreSQL', pid: postmaster, withChildren: true },
      ...(temporalPid ? [{ name: 'Temporal server', pid: temporalPid }] : []),
    ],
    memory: [
      ...(temporalPid ? [{ name: 'Temporal server', pid: temporalPid }] : []),
      { name: 'largest PostgreSQL process', pid: postmaster, group: true },
    ],
  };
}

/** The API a conversion goes through: the in-process one, or an API process apart. */
export type ConversionApi = Pick<TestPlatform, 'url' | 'token' | 'call'>;

/**
 * The raw baseline, then the platform's conversion (upload to report) with each process's CPU and peak memory. The
 * ledger is made as it is read, for the baseline and again for the upload: the bench holds none of it.
 */
async function measureConversion(
  t: TestPlatform,
  api: ConversionApi,
  rows: number,
  ratioName: string,
  processes: ConversionProcesses,
): Promise<void> {
  if (process.env.BENCH_CONVERSION_UNTIL === 'checked') return uploadAndCheckOnly(api, rows, processes);
  // BENCH_CONVERSION_RAW_ROWS: a baseline of fewer rows for a long run (its rate does not grow with the rows).
  const raw = await rawSignAndCopy(
    t,
    ledgerRows(Math.min(rows, Number(process.env.BENCH_CONVERSION_RAW_ROWS ?? rows))),
  );
  await grantConversionSealUse(t, rows); // the one authorisation (SM-12), before the clock starts
  const memory = sampleMemory(processes.memory);
  const {
    result: { result: run, io },
    usage,
  } = await cpuDuring(processes.cpu, () => postgresIoDuring(ownerUrl(t), () => convertThroughApi(api, rows)));
  const peaks = memory.stop();
  const { converted, seconds, uploadMs, checkedMs, convertedMs, logRequests } = run;
  const rate = converted / seconds;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  log(`raw sign + COPY             ${fmt(raw)} rows/s  (one process, one core)`);
  log(
    `platform conversion         ${fmt(rate)} rows/s  (${converted} converted in ${seconds.toFixed(1)} s: ` +
      `upload ${s(uploadMs)}, mapping and check ${s(checkedMs - uploadMs)}, batches ${s(convertedMs - checkedMs)}, ` +
      `transparency log append and tree head ${s(seconds * 1000 - convertedMs)}` +
      `${logRequests > 1 ? ` in ${logRequests} requests` : ''})`,
  );
  log(`1,000,000 rows at this rate: ${(1_000_000 / rate / 60).toFixed(1)} min (target < 10 min)`);
  await logBatchHalves(t, run.jobId);
  logCpu(usage, { count: converted, unit: 'row' });
  logPostgresIo(io, { count: converted, unit: 'row' });
  logPeaks(peaks);
  reportRatio({
    name: ratioName,
    platform: `${rate.toFixed(0)} rows/s`,
    baseline: `${raw.toFixed(0)} rows/s`,
    ratio: rate / raw,
    target: '≥ 0.3; 1 M rows < 10 min',
  });
}

/**
 * The batches' rate over the first and the second half of the job, from the time of each batch's audit row: a cost
 * that grows with the licences already converted (a lookup reading them all, as the legacy-number check once did)
 * shows as a fall from one half to the other, which the linear 1 M estimate above would hide.
 */
async function logBatchHalves(t: TestPlatform, jobId: string): Promise<void> {
  const batches: Array<{ at: string | Date; converted: string }> = await t.em().execute(
    `select at, details->>'converted' as converted from audit_event
        where target_type = 'conversion_job' and target_id = ? and action = 'licence.convert' order by at`,
    [jobId],
  );
  if (batches.length < 5) return;
  const rateBetween = (from: number, to: number) => {
    const rows = batches.slice(from + 1, to + 1).reduce((n, b) => n + Number(b.converted), 0);
    return rows / ((new Date(batches[to]!.at).getTime() - new Date(batches[from]!.at).getTime()) / 1000);
  };
  const middle = Math.floor((batches.length - 1) / 2);
  const [first, second] = [rateBetween(0, middle), rateBetween(middle, batches.length - 1)];
  log(
    `batches' rate, first half → second half of ${batches.length}: ${fmt(first)} → ${fmt(second)} rows/s ` +
      `(1 M rows at the second half's rate: ${(1_000_000 / second / 60).toFixed(1)} min of batches)`,
  );
}

const logPeaks = (peaks: Array<{ name: string; peak: number }>) =>
  log(`peak memory: ${peaks.map((p) => `${p.name} ${mib(p.peak)}`).join(', ')} (target < 1 GiB each)`);

/**
 * BENCH_CONVERSION_UNTIL=checked: the API's part alone — upload and mapping with its check of every row, nothing
 * converted — for the API process's memory at sizes whose batches would take an hour here.
 */
async function uploadAndCheckOnly(api: ConversionApi, rows: number, processes: ConversionProcesses) {
  const memory = sampleMemory(processes.memory);
  const started = process.hrtime.bigint();
  const { uploadMs } = await uploadAndCheck(api, rows, started);
  const checkedMs = elapsedMs(started);
  logPeaks(memory.stop());
  log(
    `upload ${(uploadMs / 1000).toFixed(1)} s, mapping and check ${((checkedMs - uploadMs) / 1000).toFixed(1)} s ` +
      '(BENCH_CONVERSION_UNTIL=checked: not converted)',
  );
}

/** In this process: the API and both workers (with the signing threads), as in the other in-process parts. */
export async function benchConversion(
  t: TestPlatform,
  rows: number,
  temporalPid: number | undefined,
): Promise<void> {
  log(`\n— Bulk conversion: ${rows} rows, upload to report —`);
  const servers = await serverProcesses(t, temporalPid);
  const here = { name: 'this process (API, workers, signing threads, bench)', pid: process.pid };
  await measureConversion(t, t, rows, 'conversion / raw sign + COPY', {
    cpu: [here, ...servers.cpu],
    memory: [here, ...servers.memory],
  });
}

/**
 * As deployed: the API in a process of its own (`npm run api` with one API process), the platform worker (the
 * conversion workflow) and the signing worker (the batches and their signing threads) each in a process of its
 * own, so that each process's peak memory is its own and not the sum of the API's, both workers' and the bench's.
 * This process (the bench, and an idle API that only hands out tokens) makes the ledger as it uploads it.
 */
export async function benchConversionDeployed(temporal: RunningTemporal, rows: number): Promise<void> {
  log(`\n— Bulk conversion as deployed: ${rows} rows, upload to report —`);
  log('(API, platform worker and signing worker each in a process of its own)');
  await withDeployedPlatform(async ({ t, platformWorker, signingWorker }) => {
    const cluster = await startApiCluster(t, 1, { DEV_LOGIN: 'enabled' }); // the bench's tokens are dev-login ones
    try {
      const api: ConversionApi = { url: cluster.url, token: t.token, call: apiCaller(cluster.url, t.token) };
      const servers = await serverProcesses(t, temporal.pid);
      const named = [
        { name: 'bench', pid: process.pid },
        // The cluster's primary and its one API process: the larger is the API process.
        { name: 'API process', pid: cluster.child.pid!, group: true, withChildren: true },
        { name: 'platform worker', pid: platformWorker.pid! },
        { name: 'signing worker (with its threads)', pid: signingWorker.pid! },
      ];
      await measureConversion(t, api, rows, 'conversion as deployed / raw sign + COPY', {
        cpu: [...named, ...servers.cpu],
        memory: [...named, ...servers.memory],
      });
    } finally {
      await stopCluster(cluster.child);
    }
  });
}

/** Upload (streamed as the ledger is made) and mapping with its check, as a unit's issuer does it. */
async function uploadAndCheck(t: ConversionApi, rows: number, started: bigint) {
  const uploaded = await uploadLedgerStream(t, 'bench.csv', ledgerCsvChunks(ledgerRows(rows)));
  if (uploaded.status !== 201) throw new Error(`upload: ${uploaded.status} ${JSON.stringify(uploaded.body)}`);
  const uploadMs = elapsedMs(started);
  const jobId = uploaded.body.id as string;
  const mapped = await t.call('PUT', `/api/conversions/${jobId}/mapping`, {
    as: 'zz-amr-issuer',
    body: { mapping: LEDGER_MAPPING },
  });
  if (mapped.status !== 200) throw new Error(`mapping: ${mapped.status} ${JSON.stringify(mapped.body)}`);
  return { jobId, uploadMs };
}

/**
 * Upload, mapping, start and wait, through the API as a unit's issuer does it (upload to report), then the
 * converted licences appended to the transparency log (issue 20) and a tree head signed, as an administrator's
 * `POST /api/transparency-log/tree-heads` does it: the log's schedule would otherwise do it later, outside the
 * measured time, at a cost per row of its own (issue 19: end to end).
 */
export async function convertThroughApi(t: ConversionApi, rows: number) {
  const started = process.hrtime.bigint();
  const { jobId, uploadMs } = await uploadAndCheck(t, rows, started);
  const checkedMs = elapsedMs(started);
  const start = await t.call('POST', `/api/conversions/${jobId}/start`, { as: 'zz-amr-issuer', body: {} });
  if (start.status >= 300) throw new Error(`start: ${start.status} ${JSON.stringify(start.body)}`);
  const done = await waitForConversion(t, jobId, 3_600_000);
  if (done.status !== 'completed') throw new Error(`conversion ended ${done.status}`);
  const convertedMs = elapsedMs(started);
  const logRequests = await appendLogAndSignHead(t);
  const seconds = elapsedMs(started) / 1000;
  const converted = done.progress.converted as number;
  return { jobId, converted, seconds, uploadMs, checkedMs, convertedMs, logRequests };
}

/**
 * `POST /api/transparency-log/tree-heads` until it signs a head. One request waits up to 20 s for the round and
 * answers 202 while it still appends (after a million rows the append takes longer); asking again joins the same
 * round, as an administrator would. Answers how many requests it took.
 */
async function appendLogAndSignHead(t: ConversionApi): Promise<number> {
  for (let requests = 1; ; requests++) {
    const head = await t.call('POST', '/api/transparency-log/tree-heads', { as: 'jc-admin' });
    if (head.status === 201) return requests;
    if (head.status !== 202 || requests === 100)
      throw new Error(`log append: ${head.status} ${JSON.stringify(head.body)}`);
  }
}
