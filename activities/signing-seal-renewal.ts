/**
 * Renewing a seal after its renewal was approved (issue 12 Build 5, SM-8): the CA issues the organisation a new
 * certificate as long as the one it replaces, and a new seal version with the same seal code binds it, signed by
 * the CA as seal maker. The version it replaces is kept (seal_version) and signatures made with it still verify:
 * they carry its seal info and certificate. Runs on the signing task queue only (issue 11 Build 5): the CA's key is
 * decrypted here. Idempotent: everything happens in one transaction, keyed by the request.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { SYSTEM_ACTOR } from '../db/audit';
import { Organisation, OrganisationCertificate, Seal } from '../db/entities';
import { SealStatusChange, SealStatusRequest, SealVersion } from '../db/seal-status-entities';
import { renewedValidity, SealStatusConflict } from '../domain/seal-status';
import { buildSealInfo, signSealInfo } from '../pki/seal-maker';
import {
  issueCertificateFor,
  keyAlgorithmOf,
  loadCertificateAuthority,
  placeOf,
} from '../usecases/certificate-store';
import { changeSealStatus } from '../usecases/seal-status';

export async function renewSealForRequest(
  em: EntityManager,
  requestId: string,
  pkiMasterKey: string,
  publicUrl: string,
): Promise<{ refused: string | null }> {
  const eventKey = `seal.renewed:${requestId}`;
  if (await em.findOne(SealStatusChange, { eventKey })) return { refused: null };
  const request = await em.findOneOrFail(SealStatusRequest, { id: requestId });
  const ca = await loadCertificateAuthority(em, pkiMasterKey);
  try {
    await em.transactional(async (tx) => {
      const seal = await tx.findOneOrFail(Seal, { id: request.sealId }, { disableIdentityMap: true });
      const old = await tx.findOneOrFail(OrganisationCertificate, { id: seal.certificateId });
      const organisation = await tx.findOneOrFail(Organisation, { id: seal.organisationId });
      const now = new Date();
      const certificate = issueCertificateFor(
        tx,
        ca,
        organisation,
        placeOf(old.subject),
        renewedValidity(old, now),
        pkiMasterKey,
        publicUrl,
        keyAlgorithmOf(old.certificatePem),
      );
      await tx.flush();
      const sealInfo = buildSealInfo({
        esId: seal.esId,
        kind: seal.kind,
        name: seal.name,
        certificatePem: certificate.certificatePem,
        notBefore: certificate.notBefore,
        notAfter: certificate.notAfter,
        imprintMediaType: seal.imprintMediaType,
        imprint: seal.imprint,
        widthMm: seal.widthMm,
        heightMm: seal.heightMm,
        now,
      });
      await tx.insert(SealVersion, {
        sealId: seal.id,
        version: seal.version,
        certificateId: seal.certificateId,
        validFrom: seal.validFrom,
        validTo: seal.validTo,
        sealInfo: seal.sealInfo,
        makerSignature: seal.makerSignature,
        createdAt: seal.createdAt,
      });
      await tx.nativeUpdate(
        Seal,
        { id: seal.id, version: seal.version },
        {
          version: seal.version + 1,
          certificateId: certificate.id,
          validFrom: certificate.notBefore,
          validTo: certificate.notAfter,
          sealInfo,
          makerSignature: signSealInfo(sealInfo, ca.certificatePem, ca.privateKeyPem),
        },
      );
      await changeSealStatus(tx, {
        sealId: seal.id,
        event: 'renewed',
        reason: `第 ${seal.version + 1} 版，证书序列号 ${certificate.serialNumber}`,
        effectiveAt: now,
        actor: SYSTEM_ACTOR,
        eventKey,
        requestId,
      });
    });
    return { refused: null };
  } catch (err) {
    if (!(err instanceof SealStatusConflict)) throw err;
    await em.nativeUpdate(SealStatusRequest, { id: requestId }, { outcomeReason: err.message });
    return { refused: err.message };
  }
}
