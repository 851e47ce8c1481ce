/**
 * The Temporal runtime would shut workers down on SIGINT/SIGTERM by itself and then end the process; the platform
 * stops its parts in order (API, workers, database) instead, so it takes the signals away from the runtime. Every
 * composition in a process (platform/compose.ts, platform/signing-worker.ts) calls this; the first call installs it.
 */
import { Runtime } from '@temporalio/worker';

let runtimeInstalled = false;

export function installRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ shutdownSignals: [] });
  runtimeInstalled = true;
}
