/**
 * Issue 18 Build 2: certificate status for the organisation certificates the CA issued — the CRL and OCSP answers,
 * signed with the CA's key, so made on the signing task queue (issue 11 Build 5): the API only relays them.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { OrganisationCertificate } from '../db/entities';
import {
  buildCrl,
  buildOcspResponse,
  CertificateStatus,
  ocspErrorResponse,
  normalSerial,
  ocspRequestFor,
} from '../pki/ocsp';
import { loadCertificateAuthority } from '../usecases/certificate-store';
import { timestampAuthorityKey } from '../usecases/timestamp-authority';

/** How long a CRL is current: relying parties fetch a new one after a day. */
const CRL_VALIDITY_MS = 24 * 3600_000;

async function statuses(em: EntityManager): Promise<CertificateStatus[]> {
  const rows = await em.find(OrganisationCertificate, {}, { fields: ['serialNumber', 'revokedAt'] });
  return rows.map((r) => ({ serialNumber: normalSerial(r.serialNumber), revokedAt: r.revokedAt }));
}

/** The current CRL, DER in base64. */
export async function currentCrl(em: EntityManager, pkiMasterKey: string): Promise<string> {
  const ca = await loadCertificateAuthority(em, pkiMasterKey);
  const now = new Date();
  const revoked = (await statuses(em)).filter((s) => s.revokedAt);
  return buildCrl(ca, revoked, now, Math.floor(now.getTime() / 1000), CRL_VALIDITY_MS).toString('base64');
}

/** The OCSP response (DER in base64) to a request (DER in base64); a malformed request gets status 1. */
export async function ocspAnswer(
  em: EntityManager,
  requestDer: string,
  pkiMasterKey: string,
): Promise<string> {
  const ca = await loadCertificateAuthority(em, pkiMasterKey);
  const known = await statuses(em);
  try {
    const lookup = (serial: string) => known.find((s) => s.serialNumber === normalSerial(serial)) ?? null;
    return buildOcspResponse(Buffer.from(requestDer, 'base64'), ca, lookup, new Date()).toString('base64');
  } catch {
    return ocspErrorResponse(1).toString('base64');
  }
}

/** PEM certificates and DER (base64) responses a stamp embeds (PAdES B-LT, pki/pades-dss.ts). */
export interface StampValidationData {
  /** The organisation's, the CA's and the timestamp authority's certificates, PEM. */
  certificates: string[];
  /** The OCSP response for the organisation certificate. */
  ocsp: string;
  crl: string;
}

/**
 * The validation data for a stamp by the organisation certificate `certificateId`, made just before it signs: the
 * timestamp authority's key is made here on first use, so its certificate is among them from the first stamp.
 */
export async function stampValidationData(
  em: EntityManager,
  certificateId: string,
  pkiMasterKey: string,
): Promise<StampValidationData> {
  const certificate = await em.findOneOrFail(OrganisationCertificate, { id: certificateId });
  const ca = await loadCertificateAuthority(em, pkiMasterKey);
  const tsa = await timestampAuthorityKey(em, pkiMasterKey);
  const request = ocspRequestFor(certificate.certificatePem, ca.certificatePem).toString('base64');
  return {
    certificates: [certificate.certificatePem, ca.certificatePem, tsa.certificatePem],
    ocsp: await ocspAnswer(em, request, pkiMasterKey),
    crl: await currentCrl(em, pkiMasterKey),
  };
}
