/**
 * CPU profiles of a bulk conversion as deployed (issue 19, LM-10): the API in this process, the platform worker and
 * the signing worker (with its signing threads) each in a process of its own (bench/deployed-platform.ts). A small
 * conversion first (it starts the signing threads), then PROFILE_ROWS rows (default 4,000) converted upload to
 * report with V8's profiler on in every thread of the three processes for that window only
 * (bench/cpu-profile-preload.cjs). Writes one `.cpuprofile` per thread to PROFILE_DIR and prints each one's summary
 * (bench/profile-summary.ts) with its busy ms per row.
 */
import path from 'node:path';
import { grantConversionSealUse } from '../test/support/conversions';
import { convertThroughApi } from './conversion';
import { withDeployedPlatform } from './deployed-platform';
import { profileWhile, runProfile } from './profile-services';

const WARM_UP_ROWS = 500;

runProfile(async (dir) => {
  const rows = Number(process.env.PROFILE_ROWS ?? 4000);
  process.env.PROFILE_DIR = dir; // only the worker processes started from here on load the preload
  const preload = path.join(__dirname, 'cpu-profile-preload.cjs');
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require=${preload}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(preload); // this process (the API and the ledger's upload) profiles itself the same way
  await withDeployedPlatform(async ({ t, platformWorker, signingWorker }) => {
    await grantConversionSealUse(t, WARM_UP_ROWS + rows);
    await convertThroughApi(t, WARM_UP_ROWS);
    const names = new Map([
      [process.pid, 'API + upload'],
      [platformWorker.pid!, 'platform worker'],
      [signingWorker.pid!, 'signing worker'],
    ]);
    const convert = async () => (await convertThroughApi(t, rows)).converted;
    await profileWhile(dir, names, convert, { name: 'row', digits: 3 });
  });
});
