/**
 * Issue 19 (LM-10): a legacy conversion. One workflow per conversion job (`conversion-<jobId>`), not one per row:
 * each batch is one activity on the signing queue that checks, signs and writes a few hundred licences in one
 * transaction and moves the job's committed cursor (usecases/licence-conversion-batch.ts); the workflow only
 * loops, keeps the counts it answers with, and ends the job. A killed worker's batch is retried from the
 * committed cursor. At the end the data-exchange backlog is delivered (the outbox rows were written per batch).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  ParentClosePolicy,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { LicenceConversionActivities } from '../activities/licence-conversion';
import { activityProxies } from './activity-proxies';
import { exchangeBacklogWorkflow } from './exchange-backlog';
import { CONVERSION_REFUSED } from '../domain/licence-conversion';
import { LicenceConversionInput, LicenceConversionState } from './licence-conversion-messages';
import { signingActivities } from './signing';

const activities = activityProxies<LicenceConversionActivities>();
/** Keeps the history small for a million rows: a fresh run after this many batches. */
const BATCHES_PER_RUN = 500;

export async function licenceConversionWorkflow(
  input: LicenceConversionInput,
): Promise<LicenceConversionState> {
  const state: LicenceConversionState = {
    status: 'running',
    totalRows: 0,
    doneRows: 0,
    converted: 0,
    alreadyConverted: 0,
    rejected: 0,
    startedAtMs: input.startedAtMs,
    finishedAtMs: null,
    failureReason: null,
  };
  const signing = signingActivities();

  try {
    for (let batches = 0; ; batches++) {
      if (batches === BATCHES_PER_RUN) return continueAsNew<typeof licenceConversionWorkflow>(input);
      const result = await signing.convertLicenceBatch({ jobId: input.jobId });
      Object.assign(state, {
        totalRows: result.totalRows,
        doneRows: result.doneRows,
        converted: result.converted,
        alreadyConverted: result.alreadyConverted,
        rejected: result.rejected,
      });
      if (result.finished) break;
    }
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure) || cause.type !== CONVERSION_REFUSED) throw err;
    state.failureReason = cause.message;
  }
  const finished = await activities.finishConversion({
    jobId: input.jobId,
    failureReason: state.failureReason,
  });
  state.status = state.failureReason ? 'failed' : 'completed';
  state.finishedAtMs = finished.finishedAtMs;
  if (state.converted > 0) {
    await startChild(exchangeBacklogWorkflow, {
      workflowId: `exchange-backlog-${workflowInfo().workflowId}`,
      args: [{}],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  }
  return state;
}
