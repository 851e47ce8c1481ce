/**
 * Issue 18 Build 2: certificate status for the organisation certificates the CA issued — the CRL and OCSP answers,
 * signed with the CA's key, so made on the signing task queue (issue 11 Build 5): the API only relays them.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { OrganisationCertificate } from '../db/entities';
import { buildCrl, buildOcspResponse, CertificateStatus, ocspErrorResponse } from '../pki/ocsp';
import { loadCertificateAuthority } from '../usecases/certificate-store';

/** How long a CRL is current: relying parties fetch a new one after a day. */
const CRL_VALIDITY_MS = 24 * 3600_000;
const normalSerial = (hex: string) => hex.replace(/^0+/, '').toUpperCase();

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
