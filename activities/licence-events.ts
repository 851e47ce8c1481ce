/**
 * Issue 12 Build 1: the platform worker's side of a licence lifecycle event (the signing runs on the signing task
 * queue, activities/signing.ts): recording that an event waits for its approval or for a seal-use authorisation,
 * and that its approval was rejected (the licence stays as it is). Each moves the status forward only, so a retry
 * changes nothing.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { LicenceEvent, LicenceEventStatus } from '../db/licence-entities';
import type { Orm } from '../db/orm';

export interface LicenceEventActivities {
  markEventWaiting(req: {
    eventId: string;
    status: 'awaiting_approval' | 'awaiting_seal';
    reason: string | null;
  }): Promise<void>;
  markEventRejected(req: { eventId: string; status: 'rejected' | 'failed'; reason: string }): Promise<void>;
}

const OPEN: LicenceEventStatus[] = ['pending', 'awaiting_approval', 'awaiting_seal'];

export function createLicenceEventActivities(deps: { orm: Orm }): LicenceEventActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async markEventWaiting({ eventId, status, reason }) {
      await fork().nativeUpdate(
        LicenceEvent,
        { id: eventId, status: { $in: OPEN } },
        { status, statusReason: reason },
      );
    },

    async markEventRejected({ eventId, status, reason }) {
      await fork().transactional(async (tx) => {
        const changed = await tx.nativeUpdate(
          LicenceEvent,
          { id: eventId, status: { $in: OPEN } },
          { status, statusReason: reason },
        );
        if (changed === 0) return;
        const event = await tx.findOneOrFail(LicenceEvent, { id: eventId }, { disableIdentityMap: true });
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: `licence.event.${event.kind}`,
          targetType: 'licence_event',
          targetId: eventId,
          outcome: status === 'rejected' ? 'rejected' : 'failed',
          eventKey: `licence.event.${status}:${eventId}`,
          details: { caseId: event.caseId, reason },
        });
      });
    },
  };
}
