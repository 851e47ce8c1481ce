/**
 * Finds Temporal's Java time-skipping test server, fetching its jars from Maven Central when absent (used by .ci/run
 * for visible progress; the time-skipping tests fetch it themselves otherwise), and makes its class-data archive.
 */
import { ensureTemporalTestServer, ensureTemporalTestServerArchive } from '../infra/temporal-test-server';

ensureTemporalTestServerArchive()
  .then(() => console.log(`Temporal test server: ${ensureTemporalTestServer()}`))
  .catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
