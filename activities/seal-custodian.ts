/**
 * The decision on a seal custodian change (issue 15 Build 5, SM-14) once the approval engine made it. Approved,
 * the seal names the new custodian and deputy, and the request records who held the posts before, in the same
 * transaction as the decision and its audit entry. Idempotent: the request leaves `pending` once.
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { AppUser, Seal } from '../db/entities';
import type { Orm } from '../db/orm';
import { SealCustodianChange } from '../db/seal-status-entities';

export interface SealCustodianActivities {
  recordSealCustodianDecision(req: {
    requestId: string;
    status: 'approved' | 'rejected' | 'withdrawn';
    reason: string | null;
  }): Promise<void>;
}

export function createSealCustodianActivities(deps: { orm: Orm }): SealCustodianActivities {
  return {
    async recordSealCustodianDecision({ requestId, status, reason }) {
      await (deps.orm.em.fork() as EntityManager).transactional(async (tx) => {
        const now = new Date();
        const request = await tx.findOne(
          SealCustodianChange,
          { id: requestId, status: 'pending' },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (!request) return;
        const seal = await tx.findOneOrFail(
          Seal,
          { id: request.sealId },
          { fields: ['id', 'custodianId', 'deputyCustodianId'], lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        request.status = status;
        request.outcomeReason = reason;
        request.decidedAt = now;
        if (status === 'approved') {
          request.previousCustodianId = seal.custodianId;
          request.previousDeputyId = seal.deputyCustodianId;
          const custodian = await tx.findOneOrFail(AppUser, { id: request.custodianId });
          await tx.nativeUpdate(
            Seal,
            { id: seal.id },
            {
              custodianId: request.custodianId,
              deputyCustodianId: request.deputyId,
              custodianName: custodian.displayName,
            },
          );
        }
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: `seal_custodian_change.${status}`,
          targetType: 'seal',
          targetId: request.sealId,
          outcome: 'success',
          eventKey: `seal_custodian_change.${status}:${requestId}`,
          details: {
            requestId,
            reason,
            custodianId: request.custodianId,
            deputyId: request.deputyId,
            previousCustodianId: request.previousCustodianId,
            previousDeputyId: request.previousDeputyId,
          },
        });
      });
    },
  };
}
