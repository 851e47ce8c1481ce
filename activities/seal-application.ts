/**
 * Side effects of the seal application process (SM-5 … SM-8): the review-task projection, the outcome on the
 * application record, and the e-mail to the applicant. Making the seal signs with the CA's key, so it runs on the
 * signing task queue (activities/signing-seal-maker.ts, issue 11 Build 5). Every activity is idempotent: a retry
 * after a crash finds its own earlier work and stops there.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { AppUser, Organisation, Seal, SealApplication } from '../db/entities';
import type { Orm } from '../db/orm';
import { shanghaiDate } from '../domain/format';
import { SEAL_KIND_LABELS } from '../domain/seal';
import { APPLICATION_STATUS_LABELS } from '../domain/seal-application';
import type { Mailer } from '../mail/mailer';
import { sendMailOnce } from './mail';

export interface SealApplicationActivities {
  recordApplicationOutcome(req: {
    applicationId: string;
    status: 'rejected' | 'failed' | 'withdrawn';
    reason: string;
  }): Promise<void>;
  notifyApplicantOfOutcome(req: { applicationId: string }): Promise<void>;
}

export interface SealApplicationDeps {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}

export function createSealApplicationActivities(deps: SealApplicationDeps): SealApplicationActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;

  return {
    async recordApplicationOutcome({ applicationId, status, reason }) {
      const em = fork();
      await em.transactional(async (tx) => {
        const changed = await tx.nativeUpdate(
          SealApplication,
          { id: applicationId, status: 'pending' },
          { status, outcomeReason: reason, decidedAt: new Date() },
        );
        if (changed === 0) return;
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: `seal_application.${status}`,
          targetType: 'seal_application',
          targetId: applicationId,
          outcome: 'success',
          eventKey: `seal_application.${status}:${applicationId}`,
          details: { reason },
        });
      });
    },

    async notifyApplicantOfOutcome({ applicationId }) {
      const em = fork();
      const application = await em.findOneOrFail(SealApplication, { id: applicationId });
      const applicant = await em.findOneOrFail(AppUser, { id: application.applicantId });
      if (!applicant.email) return;
      const organisation = await em.findOneOrFail(Organisation, { id: application.organisationId });
      const seal = application.sealId ? await em.findOne(Seal, { id: application.sealId }) : null;
      await sendMailOnce(em, deps.mailer, {
        idempotencyKey: `seal-application-${applicationId}:outcome`,
        to: applicant.email,
        template: 'seal-application-outcome',
        about: { type: 'seal_application', id: applicationId },
        context: {
          applicantName: applicant.displayName,
          organisationName: organisation.name,
          sealName: application.sealName,
          kindLabel: SEAL_KIND_LABELS[application.kind],
          approved: application.status === 'approved',
          statusLabel: APPLICATION_STATUS_LABELS[application.status],
          reason: application.outcomeReason ?? '',
          sealCode: seal?.esId ?? '',
          validFrom: seal ? shanghaiDate(seal.validFrom) : '',
          validTo: seal ? shanghaiDate(seal.validTo) : '',
          detailUrl: `${deps.publicUrl}/seal-applications/${applicationId}`,
        },
      });
    },
  };
}
