/**
 * Issue 18 Build 1: the PAdES signature of a stamp, on the signing task queue (issue 11 Build 5) — the only place
 * that decrypts the seal's key. The API prepares the PDF (imprint and signature field), hashes its ByteRange and
 * sends the digest here; this activity checks the authorisation and consumes one use exactly as every signing does
 * (usecases/seal-signing.ts: SM-12 checks, the use, the `seal.sign` audit entry and the GB/T 38540 record of the
 * PDF's own hash), then answers the detached CAdES SignedData over the ByteRange digest, with the platform timestamp
 * authority's RFC 3161 token over its signature value (PAdES B-T, Build 2).
 *
 * Idempotent by the signature id: a retried attempt finds the record its earlier attempt stored (no second use)
 * and makes the same CMS again (RSA PKCS#1 v1.5 is deterministic).
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CertificateAuthority, OrganisationCertificate, Seal } from '../db/entities';
import { sealInformation } from '../domain/document-stamp';
import { buildCadesSignedData } from '../pki/cms';
import { decryptPrivateKey } from '../pki/key-encryption';
import { timestampToken } from '../pki/tsa';
import { CA_ID } from '../usecases/certificate-store';
import { signUnderAuthorisation } from '../usecases/seal-signing';
import { timestampAuthorityKey } from '../usecases/timestamp-authority';
import type { SealSignatureRequest, SealSignatureResult } from './signing';

export interface PdfSignatureRequest extends SealSignatureRequest {
  /** SHA-256 (hex) of the prepared PDF's ByteRange: what the CMS signs (its message-digest attribute). */
  byteRangeDigest: string;
}

export interface PdfSignatureResult extends SealSignatureResult {
  /** The CMS SignedData, DER in base64, for the PDF's /Contents. */
  cms: string;
}

export async function signPdfDigest(
  em: EntityManager,
  request: PdfSignatureRequest,
  pkiMasterKey: string,
): Promise<PdfSignatureResult> {
  if (!/^[0-9a-f]{64}$/.test(request.byteRangeDigest)) throw new Error('byteRangeDigest is not SHA-256 hex');
  const { byteRangeDigest, ...signing } = request;
  const signed = await signUnderAuthorisation(em, { ...signing, now: new Date(), pkiMasterKey });
  const seal = await em.findOneOrFail(Seal, { id: request.sealId }, { exclude: ['imprint'] });
  const certificate = await em.findOneOrFail(OrganisationCertificate, { id: seal.certificateId });
  const ca = await em.findOneOrFail(CertificateAuthority, { id: CA_ID });
  const tsa = await timestampAuthorityKey(em, pkiMasterKey);
  const cms = buildCadesSignedData({
    messageDigest: Buffer.from(byteRangeDigest, 'hex'),
    signerCertificatePem: certificate.certificatePem,
    signerPrivateKeyPem: decryptPrivateKey(certificate.privateKeyEncrypted, pkiMasterKey),
    chainPems: [ca.certificatePem],
    sealInformation: sealInformation(seal, request.authorisationId),
    // Build 2, PAdES B-T: the platform timestamp authority's token over the signature value.
    timestamp: (signature) =>
      timestampToken(tsa, createHash('sha256').update(signature).digest(), new Date()),
  });
  const { signatureId, record, usedCount, maxUses, remainingUses } = signed;
  return { signatureId, record, usedCount, maxUses, remainingUses, cms: cms.toString('base64') };
}
