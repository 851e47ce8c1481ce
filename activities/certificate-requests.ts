/**
 * The decision on an organisation certificate request (issue 12 Build 5, SM-5(1), SM-6) once the approval engine
 * made it. Idempotent: the request leaves `pending` once. The CA's part runs on the signing task queue
 * (activities/signing-certificates.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { OrganisationCertificateRequest } from '../db/certificate-entities';
import type { Orm } from '../db/orm';

export interface CertificateRequestActivities {
  recordCertificateRequestDecision(req: {
    requestId: string;
    status: 'approved' | 'rejected' | 'withdrawn';
    reason: string | null;
  }): Promise<void>;
}

export function createCertificateRequestActivities(deps: { orm: Orm }): CertificateRequestActivities {
  return {
    async recordCertificateRequestDecision({ requestId, status, reason }) {
      await (deps.orm.em.fork() as EntityManager).transactional(async (tx) => {
        const changed = await tx.nativeUpdate(
          OrganisationCertificateRequest,
          { id: requestId, status: 'pending' },
          { status, outcomeReason: reason, decidedAt: new Date() },
        );
        if (changed === 0) return;
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: `organisation_certificate_request.${status}`,
          targetType: 'organisation_certificate_request',
          targetId: requestId,
          outcome: 'success',
          eventKey: `organisation_certificate_request.${status}:${requestId}`,
          details: { reason },
        });
      });
    },
  };
}
