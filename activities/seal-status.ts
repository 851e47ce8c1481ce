/**
 * Side effects of a seal status request (issue 12 Build 5, SM-15, SM-16) once the approval engine decided it:
 * the decision on the request, and the change of the seal's status from its effective time. Idempotent: the
 * request leaves `pending` once, and the change is keyed by the request (usecases/seal-status.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { AppUser } from '../db/entities';
import type { Orm } from '../db/orm';
import { SealStatusRequest } from '../db/seal-status-entities';
import type { ActorRef } from '../domain/approval';
import { REQUEST_ACTION_EVENT, SealStatusConflict } from '../domain/seal-status';
import { changeSealStatus } from '../usecases/seal-status';

export interface SealStatusActivities {
  recordSealStatusDecision(req: {
    requestId: string;
    status: 'approved' | 'rejected' | 'withdrawn';
    reason: string | null;
  }): Promise<void>;
  /** Changes the seal's status as the approved request says; the rule's message when the change is not allowed. */
  applySealStatusRequest(req: {
    requestId: string;
    approvedBy: ActorRef[];
  }): Promise<{ refused: string | null }>;
}

export function createSealStatusActivities(deps: { orm: Orm }): SealStatusActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;

  return {
    async recordSealStatusDecision({ requestId, status, reason }) {
      await fork().transactional(async (tx) => {
        const changed = await tx.nativeUpdate(
          SealStatusRequest,
          { id: requestId, status: 'pending' },
          { status, outcomeReason: reason, decidedAt: new Date() },
        );
        if (changed === 0) return;
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: `seal_status_request.${status}`,
          targetType: 'seal_status_request',
          targetId: requestId,
          outcome: 'success',
          eventKey: `seal_status_request.${status}:${requestId}`,
          details: { reason },
        });
      });
    },

    async applySealStatusRequest({ requestId, approvedBy }) {
      const em = fork();
      const request = await em.findOneOrFail(SealStatusRequest, { id: requestId });
      const approver = approvedBy[0] ? await em.findOne(AppUser, { id: approvedBy[0].userId }) : null;
      try {
        await em.transactional((tx) =>
          changeSealStatus(tx, {
            sealId: request.sealId,
            event: REQUEST_ACTION_EVENT[request.action],
            reason: request.reason,
            effectiveAt: request.effectiveFrom ?? request.decidedAt ?? new Date(),
            // The approver decided it: the change is theirs in the history and the audit log.
            actor: approver
              ? {
                  userId: approver.id,
                  username: approver.username,
                  roles: approver.roles,
                  organisationId: approver.organisationId,
                }
              : SYSTEM_ACTOR,
            eventKey: `seal.${REQUEST_ACTION_EVENT[request.action]}:${requestId}`,
            requestId,
          }),
        );
        return { refused: null };
      } catch (err) {
        if (!(err instanceof SealStatusConflict)) throw err;
        await em.nativeUpdate(SealStatusRequest, { id: requestId }, { outcomeReason: err.message });
        return { refused: err.message };
      }
    },
  };
}
