/**
 * The decision on a using unit's usage-list request (issue 16 Build 5, LM-14) once the approval engine made it.
 * Approved, the list entry for the unit and type is written (or changed to the request's purpose and scope) in the
 * same transaction as the decision and its audit entry. Idempotent: the request leaves `pending` once.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { LicenceUsageGrant, LicenceUsageRequest } from '../db/licence-entities';
import type { Orm } from '../db/orm';

export interface LicenceUsageActivities {
  recordLicenceUsageDecision(req: {
    requestId: string;
    status: 'approved' | 'rejected' | 'withdrawn';
    reason: string | null;
  }): Promise<void>;
}

export function createLicenceUsageActivities(deps: { orm: Orm }): LicenceUsageActivities {
  return {
    async recordLicenceUsageDecision({ requestId, status, reason }) {
      await (deps.orm.em.fork() as EntityManager).transactional(async (tx) => {
        const now = new Date();
        const changed = await tx.nativeUpdate(
          LicenceUsageRequest,
          { id: requestId, status: 'pending' },
          { status, outcomeReason: reason, decidedAt: now },
        );
        if (changed === 0) return;
        const request = await tx.findOneOrFail(LicenceUsageRequest, { id: requestId });
        if (status === 'approved') {
          await tx.upsert(LicenceUsageGrant, {
            organisationId: request.organisationId,
            typeCode: request.typeCode,
            purpose: request.purpose,
            fullData: request.fullData,
            requestId,
            grantedAt: now,
          });
        }
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: `licence_usage_request.${status}`,
          targetType: 'licence_usage_request',
          targetId: requestId,
          outcome: 'success',
          eventKey: `licence_usage_request.${status}:${requestId}`,
          details: {
            reason,
            organisationId: request.organisationId,
            typeCode: request.typeCode,
            fullData: request.fullData,
          },
        });
      });
    },
  };
}
