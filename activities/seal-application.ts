/**
 * Side effects of the seal application process (SM-5 … SM-8): the review-task projection, making the seal, the
 * outcome on the application record, and the e-mail to the applicant. Every activity is idempotent: a retry after
 * a crash finds its own earlier work and stops there.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { AppUser, Organisation, Seal, SealApplication } from '../db/entities';
import type { Orm } from '../db/orm';
import { shanghaiDate } from '../domain/format';
import { checkCertificateValidity, checkSealName, SEAL_KIND_LABELS, sealCode } from '../domain/seal';
import { APPLICATION_STATUS_LABELS, SEAL_ISSUANCE_REFUSED } from '../domain/seal-application';
import type { Mailer } from '../mail/mailer';
import { certificateOrganisationName, isIssuedBy } from '../pki/certificates';
import { buildSealInfo, signSealInfo } from '../pki/seal-maker';
import { currentCertificate, loadCertificateAuthority } from '../usecases/certificate-store';
import { sendMailOnce } from './mail';

export interface SealApplicationActivities {
  makeSeal(req: { applicationId: string }): Promise<{ sealId: string }>;
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
  pkiMasterKey: string;
  publicUrl: string;
}

export function createSealApplicationActivities(deps: SealApplicationDeps): SealApplicationActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;

  return {
    async makeSeal({ applicationId }) {
      const em = fork();
      const existing = await em.findOne(Seal, { applicationId });
      if (existing) return { sealId: existing.id };

      const application = await em.findOneOrFail(SealApplication, { id: applicationId });
      const organisation = await em.findOneOrFail(Organisation, { id: application.organisationId });
      const certificate = await currentCertificate(em, organisation.id);
      const refuse = (reason: string): never => {
        throw ApplicationFailure.nonRetryable(reason, SEAL_ISSUANCE_REFUSED);
      };
      if (!certificate) return refuse('申请单位尚无机构数字证书，请先申领（SM-5(1)）');

      // SM-7: the bound certificate is valid now and comes from the CA; the seal name matches its subject.
      const now = new Date();
      const validity = checkCertificateValidity(
        certificate.notBefore,
        certificate.notAfter,
        !!certificate.revokedAt,
        now,
      );
      if (!validity.ok) return refuse(validity.reason);
      const ca = await loadCertificateAuthority(em, deps.pkiMasterKey);
      if (!isIssuedBy(certificate.certificatePem, ca.certificatePem)) {
        return refuse('机构数字证书不是由省级电子政务 CA 签发的（SM-6）');
      }
      const nameCheck = checkSealName(
        application.kind,
        application.sealName,
        certificateOrganisationName(certificate.certificatePem),
        application.custodianName,
      );
      if (!nameCheck.ok) return refuse(nameCheck.reason);

      const serial = Number(
        (await em.getConnection().execute("select nextval('seal_serial_seq') as n"))[0].n,
      );
      const sealInfo = buildSealInfo({
        esId: sealCode(organisation.jurisdictionId, Number(shanghaiDate(now).slice(0, 4)), serial),
        kind: application.kind,
        name: application.sealName,
        certificatePem: certificate.certificatePem,
        notBefore: certificate.notBefore,
        notAfter: certificate.notAfter,
        imprintMediaType: application.imprintMediaType,
        imprint: application.imprint,
        widthMm: application.widthMm,
        heightMm: application.heightMm,
        now,
      });
      const makerSignature = signSealInfo(sealInfo, ca.certificatePem, ca.privateKeyPem);
      const sealId = randomUUID();

      await em.transactional(async (tx) => {
        const inserted = await tx
          .createQueryBuilder(Seal)
          .insert({
            id: sealId,
            esId: sealInfo.esId,
            applicationId,
            organisationId: organisation.id,
            certificateId: certificate.id,
            kind: application.kind,
            name: application.sealName,
            validFrom: certificate.notBefore,
            validTo: certificate.notAfter,
            status: 'active',
            imprintMediaType: application.imprintMediaType,
            imprint: application.imprint,
            widthMm: application.widthMm,
            heightMm: application.heightMm,
            custodianName: application.custodianName,
            sealInfo,
            makerSignature,
            createdAt: now,
          })
          .onConflict('applicationId')
          .ignore()
          .execute('run');
        if (inserted.affectedRows === 0) return; // a concurrent attempt made it first
        await tx.nativeUpdate(
          SealApplication,
          { id: applicationId },
          { status: 'approved', sealId, decidedAt: now, outcomeReason: null },
        );
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: 'seal.create',
          targetType: 'seal',
          targetId: sealId,
          outcome: 'success',
          eventKey: `seal.create:${applicationId}`,
          details: { applicationId, esId: sealInfo.esId, certificateSerial: certificate.serialNumber },
        });
      });
      const seal = await em.findOneOrFail(Seal, { applicationId }, { disableIdentityMap: true });
      return { sealId: seal.id };
    },

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
      const result = await sendMailOnce(em, deps.mailer, {
        idempotencyKey: `seal-application-${applicationId}:outcome`,
        to: applicant.email,
        template: 'seal-application-outcome',
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
      if (result === 'sent') {
        await recordAudit(em, {
          actor: SYSTEM_ACTOR,
          action: 'email.send',
          targetType: 'seal_application',
          targetId: applicationId,
          outcome: 'success',
          eventKey: `email.send:seal-application-${applicationId}:outcome`,
          details: { to: applicant.email, template: 'seal-application-outcome' },
        });
      }
    },
  };
}
