/** Finds the Temporal CLI, building it from the Go module proxy when absent (used by .ci/run for visible progress). */
import { ensureTemporalCli } from '../infra/temporal';

console.log(`Temporal CLI: ${ensureTemporalCli()}`);
