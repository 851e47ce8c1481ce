/**
 * Issue 11 (Build 1, "unattached uploads are never purged"): attachments uploaded but never attached to an
 * approval action are deleted once they are older than the retention period. Attached means named by an approval
 * event, among its attachments or as its handwritten signature (approval_event.attachments, signature_id, as
 * api/services/attachments.ts reads them); those are never purged. Each purged
 * attachment is audited in the transaction that deletes it, so a retried attempt finds nothing left to do.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import type { Orm } from '../db/orm';
import { PURGE_BATCH } from '../domain/attachment-retention';

export interface AttachmentPurgeActivities {
  /** Deletes up to PURGE_BATCH unattached attachments uploaded before now − retention; answers how many. */
  purgeUnattachedUploads(req: { retentionHours: number }): Promise<number>;
}

export function createAttachmentPurgeActivities(deps: { orm: Orm }): AttachmentPurgeActivities {
  return {
    async purgeUnattachedUploads({ retentionHours }) {
      const uploadedBefore = new Date(Date.now() - retentionHours * 3600_000);
      return (deps.orm.em.fork() as EntityManager).transactional(async (tx) => {
        const purged: Array<{
          id: string;
          file_name: string;
          size: number;
          sha256: string;
          uploaded_by: string;
        }> = await tx.execute(
          `delete from attachment where id in (
               select a.id from attachment a
                where a.uploaded_at < ?
                  and not exists (select 1 from approval_event e
                                   where e.attachments @> jsonb_build_array(jsonb_build_object('id', a.id))
                                      or e.signature_id = a.id)
                order by a.uploaded_at
                limit ? for update skip locked)
             returning id, file_name, size, sha256, uploaded_by`,
          [uploadedBefore, PURGE_BATCH],
        );
        for (const a of purged) {
          await recordAudit(tx, {
            actor: SYSTEM_ACTOR,
            action: 'attachment.purge',
            targetType: 'attachment',
            targetId: a.id,
            outcome: 'success',
            details: {
              reason: 'unattached',
              retentionHours,
              fileName: a.file_name,
              size: a.size,
              sha256: a.sha256,
              uploadedBy: a.uploaded_by,
            },
          });
        }
        return purged.length;
      });
    },
  };
}
