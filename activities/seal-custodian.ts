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
import { custodianCandidateProblem } from '../domain/seal-custodian';

export interface SealCustodianActivities {
  recordSealCustodianDecision(req: {
    requestId: string;
    status: 'approved' | 'rejected' | 'withdrawn';
    reason: string | null;
  }): Promise<void>;
}

async function leftTheUnit(tx: EntityManager, r: SealCustodianChange): Promise<string | null> {
  for (const id of [r.custodianId, r.deputyId]) {
    if (!id) continue;
    const person = await tx.findOne(AppUser, { id });
    if (custodianCandidateProblem(person, r.organisationId)) {
      return `批准时${person?.displayName ?? '所选人员'}已不是本单位在职人员，变更未生效`;
    }
  }
  return null;
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
        // Someone named may have left the unit while the request waited: then the change does not take effect.
        const left = status === 'approved' ? await leftTheUnit(tx, request) : null;
        request.status = left ? 'rejected' : status;
        request.outcomeReason = left ?? reason;
        request.decidedAt = now;
        if (request.status === 'approved') {
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
          action: `seal_custodian_change.${request.status}`,
          targetType: 'seal',
          targetId: request.sealId,
          outcome: 'success',
          eventKey: `seal_custodian_change.${request.status}:${requestId}`,
          details: {
            requestId,
            reason: request.outcomeReason,
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
