/**
 * Approval step latency as deployed: the same measurement as bench/approval.ts, but with an API-only platform in
 * this process (`runWorker: false`, as `npm run api` runs it) and the platform worker and the signing worker each in
 * a process of its own, against a bare update whose worker is in a process of its own too. In bench/approval.ts the
 * API, the workers and the load generator share one main thread; this part shows the step when they do not.
 */
import type { RunningTemporal } from '../infra/temporal';
import { benchApproval } from './approval';
import { withDeployedPlatform } from './deployed-platform';
import { serverProcesses } from './issuance';
import { startTemporalBaseline } from './temporal-baseline';

export async function benchApprovalDeployed(temporal: RunningTemporal, applications: number): Promise<void> {
  await withDeployedPlatform(async ({ t, platformWorker, signingWorker }) => {
    const baseline = await startTemporalBaseline(temporal.address, { workerProcess: true });
    try {
      const servers = await serverProcesses(t, temporal.pid);
      await benchApproval(t, baseline, applications, {
        title: 'Approval step latency as deployed (API in this process, each worker in its own)',
        ratio: 'approval step p50 / bare update p50, workers apart',
        steps: [
          { name: 'API + load generator', pid: process.pid },
          { name: 'platform worker', pid: platformWorker.pid! },
          { name: 'signing worker', pid: signingWorker.pid! },
          ...servers,
        ],
        updates: [
          { name: 'load generator', pid: process.pid },
          { name: 'no-op worker', pid: baseline.workerPid },
          ...servers,
        ],
      });
    } finally {
      await baseline.stop();
    }
  });
}
