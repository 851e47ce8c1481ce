/**
 * The periodic purge of unattached uploads (issue 11), started by a Temporal schedule
 * (usecases/attachment-purge-schedule.ts): deletes them in batches until a batch is not full.
 */
import type { AttachmentPurgeActivities } from '../activities/attachment-purge';
import { PURGE_BATCH } from '../domain/attachment-retention';
import { activityProxies } from './activity-proxies';

const { purgeUnattachedUploads } = activityProxies<AttachmentPurgeActivities>();

export async function attachmentPurgeWorkflow(input: { retentionHours: number }): Promise<number> {
  let total = 0;
  for (;;) {
    const purged = await purgeUnattachedUploads(input);
    total += purged;
    if (purged < PURGE_BATCH) return total;
  }
}
