/**
 * An approved organisation certificate request carried out by the CA (issue 12 Build 5, SM-5(1), SM-6): an
 * application or a renewal gets a new certificate with a fresh key (a renewal as long as the one it replaces); a
 * revocation marks the certificate revoked with its time and reason, so that the CRL lists it, OCSP answers
 * revoked and the seals bound to it sign nothing more. Runs on the signing task queue only (issue 11 Build 5): the
 * CA's key is decrypted here. Idempotent: one transaction, keyed by the request (a retry finds it carried out).
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { OrganisationCertificateRequest } from '../db/certificate-entities';
import { Organisation, OrganisationCertificate } from '../db/entities';
import {
  newCertificateValidity,
  renewalProblem,
  renewedCertificateValidity,
  revocationProblem,
} from '../domain/organisation-certificate';
import {
  issueCertificateFor,
  keyAlgorithmOf,
  loadCertificateAuthority,
  placeOf,
} from '../usecases/certificate-store';

/** Where a first certificate's subject places the organisation: the province, and the city of its jurisdiction. */
const defaultPlace = (organisation: Organisation) => ({
  province: '山西省',
  locality: organisation.jurisdictionId === '140000' ? '太原市' : '晋城市',
});

export async function carryOutCertificateRequest(
  em: EntityManager,
  requestId: string,
  pkiMasterKey: string,
  publicUrl: string,
): Promise<{ refused: string | null; certificateId: string | null }> {
  return em.transactional(async (tx) => {
    const request = await tx.findOneOrFail(
      OrganisationCertificateRequest,
      { id: requestId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true },
    );
    if (request.outcomeCertificateId) return { refused: null, certificateId: request.outcomeCertificateId };
    const now = new Date();
    const old = request.certificateId
      ? await tx.findOneOrFail(
          OrganisationCertificate,
          { id: request.certificateId },
          { disableIdentityMap: true },
        )
      : null;
    if (request.action === 'revoke') return revoke(tx, request, old!, now);
    const problem = old ? renewalProblem(old, now) : undefined;
    if (problem) {
      await tx.nativeUpdate(
        OrganisationCertificateRequest,
        { id: requestId },
        { outcomeReason: problem.message },
      );
      return { refused: problem.message, certificateId: null };
    }
    const organisation = await tx.findOneOrFail(Organisation, { id: request.organisationId });
    const ca = await loadCertificateAuthority(tx, pkiMasterKey);
    const certificate = issueCertificateFor(
      tx,
      ca,
      organisation,
      old ? placeOf(old.subject) : defaultPlace(organisation),
      old ? renewedCertificateValidity(old, now) : newCertificateValidity(now),
      pkiMasterKey,
      publicUrl,
      // Issue 20 Build 2: as asked; else a renewal keeps the renewed certificate's algorithm.
      request.keyAlgorithm ?? (old ? keyAlgorithmOf(old.certificatePem) : 'rsa'),
    );
    await tx.flush();
    await tx.nativeUpdate(
      OrganisationCertificateRequest,
      { id: requestId },
      { outcomeCertificateId: certificate.id },
    );
    await recordAudit(tx, {
      actor: SYSTEM_ACTOR,
      action: `organisation_certificate.${request.action === 'apply' ? 'issued' : 'renewed'}`,
      targetType: 'organisation_certificate',
      targetId: certificate.id,
      outcome: 'success',
      eventKey: `organisation_certificate.issued:${requestId}`,
      details: {
        requestId,
        organisationId: organisation.id,
        serialNumber: certificate.serialNumber,
        replaces: old?.serialNumber ?? null,
        notAfter: certificate.notAfter.toISOString(),
      },
    });
    return { refused: null, certificateId: certificate.id };
  });
}

async function revoke(
  tx: EntityManager,
  request: OrganisationCertificateRequest,
  certificate: OrganisationCertificate,
  now: Date,
): Promise<{ refused: string | null; certificateId: string | null }> {
  const problem = revocationProblem(certificate);
  if (problem) {
    await tx.nativeUpdate(
      OrganisationCertificateRequest,
      { id: request.id },
      { outcomeReason: problem.message },
    );
    return { refused: problem.message, certificateId: null };
  }
  await tx.nativeUpdate(
    OrganisationCertificate,
    { id: certificate.id, revokedAt: null },
    { revokedAt: now, revocationReason: request.reason },
  );
  await tx.nativeUpdate(
    OrganisationCertificateRequest,
    { id: request.id },
    { outcomeCertificateId: certificate.id },
  );
  await recordAudit(tx, {
    actor: SYSTEM_ACTOR,
    action: 'organisation_certificate.revoked',
    targetType: 'organisation_certificate',
    targetId: certificate.id,
    outcome: 'success',
    eventKey: `organisation_certificate.revoked:${request.id}`,
    details: { requestId: request.id, serialNumber: certificate.serialNumber, reason: request.reason },
  });
  return { refused: null, certificateId: certificate.id };
}
