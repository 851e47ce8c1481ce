/**
 * Issuance as deployed: the same measurement as bench/issuance.ts, but with an API-only platform in this process
 * (`runWorker: false`, as `npm run api` runs it) and the platform worker (`npm run worker` with
 * RUN_SIGNING_WORKER=false) and the signing worker (`npm run worker:signing`) each in a process of its own; the
 * no-op baseline's worker runs in a process of its own too (bench/noop-worker.ts), so both sides are off the load
 * generator's process. In bench/issuance.ts the API, both workers and the load generator share one main thread,
 * which a CPU profile shows about 90 % busy; this part shows what the platform costs when they do not, and the CPU
 * time each process used per licence.
 */
import type { RunningTemporal } from '../infra/temporal';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../test/support/licences';
import { DeployedPlatform, withDeployedPlatform } from './deployed-platform';
import {
  logNoop,
  logRate,
  measureIssuance,
  printIssuanceBreakdown,
  reportIssuanceRatio,
  serverProcesses,
} from './issuance';
import { log } from './stats';
import { startTemporalBaseline, TemporalBaseline } from './temporal-baseline';

/** The measurement proper, on the platform and workers already running, with each process's CPU time. */
async function measure(
  { t, platformWorker, signingWorker }: DeployedPlatform,
  baseline: TemporalBaseline,
  temporal: RunningTemporal,
  options: { count: number; concurrency: number },
): Promise<void> {
  const servers = await serverProcesses(t, temporal.pid);
  const run = await measureIssuance(t, baseline, options, {
    noop: [
      { name: 'load generator', pid: process.pid },
      { name: 'no-op worker', pid: baseline.workerPid },
      ...servers,
    ],
    platform: [
      { name: 'API + load generator', pid: process.pid },
      { name: 'platform worker', pid: platformWorker.pid! },
      { name: 'signing worker', pid: signingWorker.pid! },
      ...servers,
    ],
  });
  logNoop('no-op, worker apart', run);
  logRate('issuance, workers apart', run.platform, 'licences');
  reportIssuanceRatio('issuance / no-op, workers in their own processes', run);
  await printIssuanceBreakdown(t, run);
}

export async function benchIssuanceDeployed(
  temporal: RunningTemporal,
  options: { count: number; concurrency: number },
): Promise<void> {
  const { count, concurrency } = options;
  log(`\n— Issuance as deployed: ${count} licences, ${concurrency} in flight —`);
  log(
    '(API in this process; platform worker, signing worker and the no-op worker each in a process of its own)',
  );
  await withDeployedPlatform(async (deployed) => {
    const baseline = await startTemporalBaseline(temporal.address, { workerProcess: true });
    try {
      await grantLicenceSealUse(deployed.t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: count + 100 });
      await issueLicence(deployed.t, businessLicenceBody()); // warm-up, as the in-process part has one
      await measure(deployed, baseline, temporal, options);
    } finally {
      await baseline.stop();
    }
  });
}
