/**
 * Verification on every core (issue 19 Build 4): `npm run api` (platform/api-cluster.ts, one API process per core
 * on one port, no worker inside) against the bare Express endpoint on the same number of processes
 * (bench/bare-express-cluster.ts), driven by the same load generator from this process.
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { TestPlatform } from '../test/support/platform';
import { freePort } from '../test/support/ports';
import { ownerUrl } from './owner';
import { postmasterPid } from './memory';
import { startApiCluster, startProcess, stopCluster } from './child-process';
import { log } from './stats';
import { compareVerification } from './verification-compare';

export async function benchVerificationCluster(
  t: TestPlatform,
  identifier: string,
  options: { seconds: number; concurrency: number },
): Promise<void> {
  const processes = os.availableParallelism();
  log(
    `\n— Verification on every core: ${processes} API processes (npm run api) vs bare Express on ${processes} —`,
  );
  const barePort = await freePort();
  const bare = await startProcess(
    'bench/bare-express-cluster.ts',
    { PORT: String(barePort), BARE_PROCESSES: String(processes) },
    'bare cluster ready',
    1,
  );
  const generator = { name: 'load generator (this process)', pid: process.pid };
  let api: ChildProcess | undefined;
  try {
    const cluster = await startApiCluster(t, processes, { RATE_LIMIT_VERIFY_PER_MINUTE: '100000000' });
    api = cluster.child;
    await compareVerification({
      name: `verification / bare Express, ${processes} processes each`,
      baselineLabel: `bare Express, ${processes} processes`,
      platformLabel: `platform, ${processes} API processes`,
      bareUrl: `http://127.0.0.1:${barePort}/verify`,
      platformUrl: `${cluster.url}/api/verify`,
      identifier,
      ...options,
      cpu: {
        baseline: [generator, { name: 'bare Express processes', pid: bare.pid!, withChildren: true }],
        platform: [
          generator,
          { name: 'API processes', pid: api.pid!, withChildren: true },
          { name: 'PostgreSQL', pid: await postmasterPid(ownerUrl(t)), withChildren: true },
        ],
      },
    });
  } finally {
    if (api) await stopCluster(api);
    await stopCluster(bare);
  }
}
