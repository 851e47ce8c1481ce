/**
 * CPU profiles of issuance as deployed (issue 19 Build 3): the bench's setup, the API in this process and the
 * platform worker and the signing worker each in a process of its own (bench/deployed-platform.ts), a warm-up, then
 * PROFILE_COUNT licences (default 200) issued 16 at a time with V8's profiler on in every thread of the three
 * processes for that window only (bench/cpu-profile-preload.cjs in the workers). Writes one `.cpuprofile` per
 * thread to PROFILE_DIR (default: a temporary directory) and prints each one's summary (bench/profile-summary.ts)
 * with its CPU ms per licence.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../test/support/licences';
import { withDeployedPlatform } from './deployed-platform';
import { runPool } from './load';
import { profileWhile, runProfile } from './profile-services';

const CONCURRENCY = 16;

async function issueMany(t: Parameters<typeof issueLicence>[0], count: number): Promise<void> {
  await runPool(
    Array.from({ length: count }, (_, i) => i),
    CONCURRENCY,
    async () => void (await issueLicence(t, businessLicenceBody())),
  );
}

runProfile(async (dir) => {
  const count = Number(process.env.PROFILE_COUNT ?? 200);
  // Only the worker processes started from here on load the preload.
  process.env.PROFILE_DIR = dir;
  const preload = path.join(__dirname, 'cpu-profile-preload.cjs');
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require=${preload}`;
  // This process (the API and the load generator) profiles itself the same way.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(preload);
  await withDeployedPlatform(async ({ t, platformWorker, signingWorker }) => {
    await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: 2 * count + 100 });
    await issueMany(t, Math.min(50, count)); // warm-up
    const names = new Map([
      [process.pid, 'API + load generator'],
      [platformWorker.pid!, 'platform worker'],
      [signingWorker.pid!, 'signing worker'],
    ]);
    await profileWhile(dir, names, async () => (await issueMany(t, count), count), {
      name: 'licence',
      digits: 1,
    });
    for (const [pid, name] of names) {
      const counted = JSON.parse(readFileSync(path.join(dir, `${pid}.statements.json`), 'utf8'));
      console.log(`\n=== statements per licence, ${name}`);
      for (const [text, n] of Object.entries(counted as Record<string, number>)) {
        console.log(`${(n / count).toFixed(2).padStart(6)}  ${text}`);
      }
    }
  });
});
