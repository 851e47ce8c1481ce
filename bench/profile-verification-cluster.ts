/**
 * CPU profiles of `POST /api/verify` on the API processes of `npm run api` (issue 19: why two processes gain little
 * over one): the bench's setup and one issued licence, the cluster with API_PROCESSES processes (default 2) started
 * with bench/cpu-profile-preload.cjs, then closed-loop load (16 clients) for BENCH_VERIFY_SECONDS (default 8) from
 * this process: a first window from cold and a second one warm, each with the CPU ms per verification (from /proc)
 * of this process (the load generator), the API processes and PostgreSQL, then a third with V8's profiler on in each
 * API process for that window only. Prints each API process's profile summary (bench/profile-summary.ts); the
 * profiles are kept in PROFILE_DIR.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../test/support/licences';
import { startTestPlatform, TestPlatform } from '../test/support/platform';
import { startApiCluster, stopCluster } from './child-process';
import { cpuDuring, logCpu } from './cpu';
import { runLoad } from './load';
import { childrenOf, postmasterPid } from './memory';
import { ownerUrl } from './owner';
import { runProfile } from './profile-services';
import { CpuProfile, summariseProfile } from './profile-summary';

/** The main threads' profiles (`<pid>-0.cpuprofile`), once `count` of them are written. */
async function profilesIn(dir: string, count: number): Promise<string[]> {
  for (let i = 0; i < 300; i++) {
    const files = readdirSync(dir).filter((f) => f.endsWith('-0.cpuprofile'));
    if (files.length >= count) return files.map((f) => path.join(dir, f));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`fewer than ${count} profiles were written to ${dir}`);
}

async function profiled(t: TestPlatform, identifier: string, dir: string): Promise<void> {
  const processes = Number(process.env.API_PROCESSES ?? 2);
  process.env.PROFILE_DIR = dir;
  const preload = path.join(__dirname, 'cpu-profile-preload.cjs');
  const cluster = await startApiCluster(t, processes, {
    RATE_LIMIT_VERIFY_PER_MINUTE: '100000000',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require=${preload}`,
  });
  try {
    const load = () =>
      runLoad({
        url: `${cluster.url}/api/verify`,
        method: 'POST',
        body: () => ({ identifier }),
        concurrency: 16,
        durationMs: Number(process.env.BENCH_VERIFY_SECONDS ?? 8) * 1000,
        ok: (status, body) => status === 200 && body.includes('"PASSED"'),
      });
    const api = childrenOf(cluster.child.pid!);
    const watched = [
      { name: 'load generator (this process)', pid: process.pid },
      { name: 'API processes', pid: cluster.child.pid!, withChildren: true },
      { name: 'PostgreSQL', pid: await postmasterPid(ownerUrl(t)), withChildren: true },
    ];
    // The first window from cold (as the bench's, after a short warm-up), then the same again warm, unprofiled.
    for (const window of ['cold', 'warm']) {
      const { result: plain, usage } = await cpuDuring(watched, load);
      console.log(`${window}: ${plain.perSecond.toFixed(1)} req/s, load average ${os.loadavg().join(' ')}`);
      logCpu(usage, { count: plain.requests + plain.failures, unit: 'verification' });
    }
    api.forEach((pid) => process.kill(pid, 'SIGUSR2'));
    const result = await load();
    api.forEach((pid) => process.kill(pid, 'SIGUSR2'));
    console.log(
      `profiled: ${result.perSecond.toFixed(1)} req/s (${result.requests} PASSED, ${result.failures} other)`,
    );
    for (const file of await profilesIn(dir, api.length)) {
      console.log(`\n=== ${path.basename(file)}`);
      console.log(summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile));
    }
  } finally {
    await stopCluster(cluster.child);
  }
}

runProfile(async (dir) => {
  let t: TestPlatform | undefined;
  try {
    t = await startTestPlatform();
    await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: 10 });
    const { licence } = await issueLicence(t, businessLicenceBody());
    await profiled(t, licence.identifier as string, dir);
  } finally {
    await t?.stop();
  }
});
