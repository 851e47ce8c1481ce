/**
 * A CPU profile of `POST /api/verify` alone (issue 19 Build 4): the bench's setup (real services, the in-process
 * platform, one issued licence), then closed-loop load for BENCH_VERIFY_SECONDS with the V8 profiler on for that
 * window only. Writes `verification.cpuprofile` to PROFILE_DIR (default: a temporary directory) and prints the top
 * frames by self and total time (bench/profile-summary.ts).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../test/support/licences';
import { startTestPlatform, TestPlatform } from '../test/support/platform';
import { cpuDuring, logCpu } from './cpu';
import { runLoad } from './load';
import { postmasterPid } from './memory';
import { ownerUrl } from './owner';
import { runProfile } from './profile-services';
import { summariseProfile } from './profile-summary';

/** The statements one verification sends to PostgreSQL (PROFILE_SQL=1), by patching the driver's query. */
async function printQueries(url: string, identifier: string): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  const original = Client.prototype.query;
  const seen: string[] = [];
  Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0] as string | { text: string };
    const values = (typeof q === 'string' ? args[1] : (q as { values?: unknown[] }).values) as
      unknown[] | undefined;
    // The values inlined (for EXPLAIN below): every parameter of these statements is a string or a string array.
    const literal = (v: unknown) => `'${String(v).replace(/'/g, "''")}'`;
    const text = (typeof q === 'string' ? q : q.text).replace(/\$(\d+)/g, (_m, i: string) => {
      const value = values?.[Number(i) - 1];
      return Array.isArray(value) ? `array[${value.map(literal).join(',')}]` : literal(value);
    });
    seen.push(text.replace(/\s+/g, ' '));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  await runLoad({ url, method: 'POST', body: () => ({ identifier }), concurrency: 1, durationMs: 1 });
  Client.prototype.query = original;
  console.log(
    `${seen.length} statements for one verification:\n${seen.map((q) => q.slice(0, 160)).join('\n')}`,
  );
  return seen;
}

/** Counts the statements every pg client sends from now until `stop()`. */
function countStatements(): { stop(): number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  const original = Client.prototype.query;
  let count = 0;
  Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    count++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  return {
    stop: () => {
      Client.prototype.query = original;
      return count;
    },
  };
}

/** Planning and execution times (ms) of EXPLAIN ANALYZE's summary lines. */
function times(plan: Array<{ 'QUERY PLAN': string }>): number[] {
  return ['Planning Time', 'Execution Time'].map((label) => {
    const line = plan.map((r) => r['QUERY PLAN']).find((l) => l.includes(label));
    return line ? Number(/([\d.]+) ms/.exec(line)![1]) : 0;
  });
}

/**
 * PostgreSQL's own time for each statement, planning and execution (the least of 7 runs, EXPLAIN ANALYZE), sent as
 * text and as a prepared statement (on one connection: PREPARE, then EXPLAIN ANALYZE EXECUTE).
 */
async function explain(t: TestPlatform, statements: string[]): Promise<void> {
  const min = (runs: number[][]) => [0, 1].map((i) => Math.min(...runs.map((r) => r[i]!)).toFixed(3));
  const { Client } = await import('pg');
  const client = new Client({ connectionString: t.workerEnv.DATABASE_URL });
  await client.connect();
  try {
    for (const [n, text] of statements.entries()) {
      const asText: number[][] = [];
      const prepared: number[][] = [];
      await client.query(`prepare explained_${n} as ${text}`);
      for (let i = 0; i < 7; i++) {
        asText.push(times((await client.query(`explain (analyze, summary) ${text}`)).rows));
        prepared.push(times((await client.query(`explain (analyze, summary) execute explained_${n}`)).rows));
      }
      console.log(
        `plan/run ms as text ${min(asText).join('/')}, prepared ${min(prepared).join('/')}  ← ${text.slice(0, 60)}`,
      );
    }
  } finally {
    await client.end();
  }
}

async function profiled(t: TestPlatform, identifier: string, seconds: number, dir: string) {
  const url = `${t.url.replace('localhost', '127.0.0.1')}/api/verify`;
  const load = () =>
    runLoad({
      url,
      method: 'POST',
      body: () => ({ identifier }),
      concurrency: 16,
      durationMs: seconds * 1000,
      ok: (status, body) => status === 200 && body.includes('"PASSED"'),
    });
  await load(); // warm-up
  if (process.env.PROFILE_SQL) await explain(t, await printQueries(url, identifier));
  // CPU per verification without the profiler: this process (generator and platform) and PostgreSQL (bench/cpu.ts).
  const watched = [
    { name: 'this process', pid: process.pid },
    { name: 'PostgreSQL', pid: await postmasterPid(ownerUrl(t)), withChildren: true },
  ];
  const { result: plain, usage } = await cpuDuring(watched, load);
  console.log(`unprofiled: ${plain.perSecond.toFixed(1)} req/s, load average ${os.loadavg().join(' ')}`);
  logCpu(usage, { count: plain.requests + plain.failures, unit: 'verification' });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const counted = countStatements();
  const result = await load();
  const statements = counted.stop();
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  const file = path.join(dir, 'verification.cpuprofile');
  writeFileSync(file, JSON.stringify(profile));
  console.log(`${result.perSecond.toFixed(1)} req/s (${result.requests} PASSED, ${result.failures} other)`);
  console.log(
    `${statements} statements for ${result.requests + result.failures} verifications (coalesced, issue 19)`,
  );
  console.log(`profile: ${file}`);
  console.log(summariseProfile(profile as never));
}

runProfile(async (dir) => {
  let t: TestPlatform | undefined;
  try {
    t = await startTestPlatform({ env: { RATE_LIMIT_VERIFY_PER_MINUTE: '100000000' } });
    await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: 10 });
    const { licence } = await issueLicence(t, businessLicenceBody());
    await profiled(t, licence.identifier as string, Number(process.env.BENCH_VERIFY_SECONDS ?? 8), dir);
  } finally {
    await t?.stop();
  }
});
