/**
 * Making a seal after its application was approved (SM-7, SM-8): the checks, the seal information and the CA's
 * (seal maker's) signature over it, stored once. Runs on the signing task queue only (issue 11 Build 5): the CA's
 * key is decrypted here. Idempotent: a retry finds the seal its earlier attempt made.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { Organisation, OrganisationCertificate, Seal, SealApplication } from '../db/entities';
import { shanghaiDate } from '../domain/format';
import { checkCertificateValidity, checkSealName, sealCode } from '../domain/seal';
import { SEAL_ISSUANCE_REFUSED } from '../domain/seal-application';
import { CaMaterial, certificateOrganisationName, isIssuedBy } from '../pki/certificates';
import { buildSealInfo, signSealInfo } from '../pki/seal-maker';
import { currentCertificate, loadCertificateAuthority } from '../usecases/certificate-store';
import { recordSealMade } from '../usecases/seal-status';
import { initialCustodianId } from '../db/seal-custodians';

const refuse = (reason: string): never => {
  throw ApplicationFailure.nonRetryable(reason, SEAL_ISSUANCE_REFUSED);
};

export async function makeSealForApplication(
  em: EntityManager,
  applicationId: string,
  pkiMasterKey: string,
): Promise<{ sealId: string }> {
  const existing = await em.findOne(Seal, { applicationId });
  if (existing) return { sealId: existing.id };

  const application = await em.findOneOrFail(SealApplication, { id: applicationId });
  const organisation = await em.findOneOrFail(Organisation, { id: application.organisationId });
  const certificate = await currentCertificate(em, organisation.id);
  // SM-5(1)
  if (!certificate) return refuse('申请单位尚无机构数字证书，请先申领');
  const now = new Date();
  const ca = await loadCertificateAuthority(em, pkiMasterKey);
  checkBeforeMaking(application, certificate, ca, now);

  const serial = Number((await em.getConnection().execute("select nextval('seal_serial_seq') as n"))[0].n);
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
  await storeSeal(em, { application, certificate, sealInfo, makerSignature, now });
  const seal = await em.findOneOrFail(Seal, { applicationId }, { disableIdentityMap: true });
  return { sealId: seal.id };
}

/** SM-7: the bound certificate is valid now and comes from the CA; the seal name matches its subject. */
function checkBeforeMaking(
  application: SealApplication,
  certificate: OrganisationCertificate,
  ca: CaMaterial,
  now: Date,
): void {
  const validity = checkCertificateValidity(
    certificate.notBefore,
    certificate.notAfter,
    !!certificate.revokedAt,
    now,
  );
  if (!validity.ok) refuse(validity.reason);
  if (!isIssuedBy(certificate.certificatePem, ca.certificatePem)) {
    // SM-6
    refuse('机构数字证书不是由省级电子政务 CA 签发的');
  }
  const nameCheck = checkSealName(
    application.kind,
    application.sealName,
    certificateOrganisationName(certificate.certificatePem),
    application.custodianName,
  );
  if (!nameCheck.ok) refuse(nameCheck.reason);
}

/** Stores the seal, approves the application and audits it, once: a concurrent attempt that made it first wins. */
async function storeSeal(
  em: EntityManager,
  made: {
    application: SealApplication;
    certificate: OrganisationCertificate;
    sealInfo: Seal['sealInfo'];
    makerSignature: Seal['makerSignature'];
    now: Date;
  },
): Promise<void> {
  const { application, certificate, sealInfo, makerSignature, now } = made;
  const sealId = randomUUID();
  await em.transactional(async (tx) => {
    const custodianId = await initialCustodianId(tx, application);
    const inserted = await tx
      .createQueryBuilder(Seal)
      .insert({
        id: sealId,
        esId: sealInfo.esId,
        applicationId: application.id,
        organisationId: application.organisationId,
        certificateId: certificate.id,
        kind: application.kind,
        name: application.sealName,
        validFrom: certificate.notBefore,
        validTo: certificate.notAfter,
        status: 'active',
        statusSince: now,
        imprintMediaType: application.imprintMediaType,
        imprint: application.imprint,
        widthMm: application.widthMm,
        heightMm: application.heightMm,
        custodianName: application.custodianName,
        custodianId,
        sealInfo,
        makerSignature,
        createdAt: now,
      })
      .onConflict('applicationId')
      .ignore()
      .execute('run');
    if (inserted.affectedRows === 0) return; // a concurrent attempt made it first
    await recordSealMade(tx, sealId, now);
    await tx.nativeUpdate(
      SealApplication,
      { id: application.id },
      { status: 'approved', sealId, decidedAt: now, outcomeReason: null },
    );
    await recordAudit(tx, {
      actor: SYSTEM_ACTOR,
      action: 'seal.create',
      targetType: 'seal',
      targetId: sealId,
      outcome: 'success',
      eventKey: `seal.create:${application.id}`,
      details: {
        applicationId: application.id,
        esId: sealInfo.esId,
        certificateSerial: certificate.serialNumber,
      },
    });
  });
}
