/**
 * Side effects of seal-use requests (SM-12): granting the authorisation once the approval engine approved,
 * recording a rejection or withdrawal, and e-mailing the requester. Every activity is idempotent: the authorisation
 * is unique per request, status changes only leave `pending` once, and the e-mail is keyed by the request.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { AppUser, Organisation, Seal } from '../db/entities';
import type { Orm } from '../db/orm';
import { SealUseAuthorisation, SealUseRequest } from '../db/seal-use-entities';
import type { ActorRef } from '../domain/approval';
import { shanghaiDateTime } from '../domain/format';
import { SEAL_KIND_LABELS } from '../domain/seal';
import { SEAL_USE_REQUEST_STATUS_LABELS } from '../domain/seal-use';
import type { Mailer } from '../mail/mailer';
import { sendMailOnce } from './mail';

export interface SealUseActivities {
  grantSealUseAuthorisation(req: {
    requestId: string;
    approvedBy: ActorRef[];
  }): Promise<{ authorisationId: string }>;
  recordSealUseOutcome(req: {
    requestId: string;
    status: 'rejected' | 'withdrawn';
    reason: string | null;
  }): Promise<void>;
  notifyRequesterOfSealUseOutcome(req: { requestId: string }): Promise<void>;
}

export interface SealUseDeps {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}

export function createSealUseActivities(deps: SealUseDeps): SealUseActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;

  return {
    async grantSealUseAuthorisation({ requestId, approvedBy }) {
      const em = fork();
      const request = await em.findOneOrFail(SealUseRequest, { id: requestId });
      const now = new Date();
      await em.transactional(async (tx) => {
        // The grantee is the requester; the authorisation states exactly what was approved (SM-12).
        const inserted = await tx
          .createQueryBuilder(SealUseAuthorisation)
          .insert({
            id: randomUUID(),
            requestId,
            sealId: request.sealId,
            granteeId: request.applicantId,
            documents: request.documents,
            maxUses: request.maxUses,
            usedCount: 0,
            validFrom: request.validFrom,
            validTo: request.validTo,
            approvedBy,
            createdAt: now,
            status: 'active',
          })
          .onConflict('requestId')
          .ignore()
          .execute('run');
        if (inserted.affectedRows === 0) return; // granted by an earlier attempt
        await tx.nativeUpdate(
          SealUseRequest,
          { id: requestId, status: 'pending' },
          { status: 'approved', decidedAt: now, outcomeReason: null },
        );
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: 'seal_use.authorise',
          targetType: 'seal_use_request',
          targetId: requestId,
          outcome: 'success',
          eventKey: `seal_use.authorise:${requestId}`,
          details: {
            sealId: request.sealId,
            granteeId: request.applicantId,
            maxUses: request.maxUses,
            validFrom: request.validFrom.toISOString(),
            validTo: request.validTo.toISOString(),
            approvedBy: approvedBy.map((a) => a.userId),
          },
        });
      });
      const authorisation = await em.findOneOrFail(
        SealUseAuthorisation,
        { requestId },
        { disableIdentityMap: true },
      );
      return { authorisationId: authorisation.id };
    },

    async recordSealUseOutcome({ requestId, status, reason }) {
      await fork().transactional(async (tx) => {
        const changed = await tx.nativeUpdate(
          SealUseRequest,
          { id: requestId, status: 'pending' },
          { status, outcomeReason: reason, decidedAt: new Date() },
        );
        if (changed === 0) return;
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: `seal_use.${status}`,
          targetType: 'seal_use_request',
          targetId: requestId,
          outcome: 'success',
          eventKey: `seal_use.${status}:${requestId}`,
          details: { reason },
        });
      });
    },

    async notifyRequesterOfSealUseOutcome({ requestId }) {
      const em = fork();
      const request = await em.findOneOrFail(SealUseRequest, { id: requestId });
      const requester = await em.findOneOrFail(AppUser, { id: request.applicantId });
      if (!requester.email) return;
      const seal = await em.findOneOrFail(Seal, { id: request.sealId }, { exclude: ['imprint'] });
      const organisation = await em.findOneOrFail(Organisation, { id: request.organisationId });
      const authorisation = await em.findOne(SealUseAuthorisation, { requestId });
      const key = `seal-use-${requestId}:outcome`;
      await sendMailOnce(em, deps.mailer, {
        idempotencyKey: key,
        to: requester.email,
        template: 'seal-use-outcome',
        about: { type: 'seal_use_request', id: requestId },
        context: {
          requesterName: requester.displayName,
          organisationName: organisation.name,
          sealName: seal.name,
          kindLabel: SEAL_KIND_LABELS[seal.kind],
          approved: request.status === 'approved' && !!authorisation,
          statusLabel: SEAL_USE_REQUEST_STATUS_LABELS[request.status],
          reason: request.outcomeReason ?? '',
          documents: request.documents.map((d) => d.title).join('、'),
          maxUses: request.maxUses,
          validFrom: shanghaiDateTime(request.validFrom),
          validTo: shanghaiDateTime(request.validTo),
          approvers: (authorisation?.approvedBy ?? []).map((a) => a.displayName).join('、'),
          authorisationId: authorisation?.id ?? '',
          detailUrl: `${deps.publicUrl}/seal-use-requests/${requestId}`,
        },
      });
    },
  };
}
