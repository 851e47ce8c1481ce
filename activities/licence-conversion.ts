/**
 * Issue 19 (LM-10): the platform worker's side of a legacy conversion: ending the job (completed, or failed with
 * the reason a batch was refused). The batches themselves sign, so they run on the signing queue
 * (activities/signing.ts convertLicenceBatch).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ActivityDeps } from './index';

export interface LicenceConversionActivities {
  finishConversion(req: { jobId: string; failureReason: string | null }): Promise<{ finishedAtMs: number }>;
}

export function createLicenceConversionActivities(
  deps: Pick<ActivityDeps, 'orm'>,
): LicenceConversionActivities {
  return {
    async finishConversion({ jobId, failureReason }) {
      const em = deps.orm.em.fork() as EntityManager;
      // Idempotent: a retry keeps the first finishing time.
      const rows: Array<{ finished_at: Date }> = await em.execute(
        `update conversion_job set status = ?, failure_reason = ?, finished_at = coalesce(finished_at, now())
          where id = ? returning finished_at`,
        [failureReason ? 'failed' : 'completed', failureReason, jobId],
      );
      return { finishedAtMs: new Date(rows[0]!.finished_at).getTime() };
    },
  };
}
