/**
 * A licence as a document: the SHA-256 of its canonical form (the data hash its seal signature carries), and the
 * export that `GET /api/licenses/:identifier/export` gives and `POST /api/verify` takes back — metadata, data
 * items and the GB/T 38540-style signature, enough to verify with the CA certificate alone.
 */
import { createHash } from 'node:crypto';
import { canonicalLicence, LICENCE_EXPORT_FORMAT, LicenceContent, LicenceMetadata } from '../domain/licence';
import type { LicenceData } from '../domain/licence-type';
import type { SealSignature } from '../domain/seal-signature';

export function licenceDataHash(content: LicenceContent): string {
  return createHash('sha256').update(canonicalLicence(content), 'utf8').digest('hex');
}

export interface LicenceExport {
  format: typeof LICENCE_EXPORT_FORMAT;
  licence: { metadata: LicenceMetadata; data: LicenceData };
  signature: SealSignature;
}

export function licenceExport(licence: {
  metadata: LicenceMetadata;
  data: LicenceData;
  signature: SealSignature;
}): LicenceExport {
  return {
    format: LICENCE_EXPORT_FORMAT,
    licence: { metadata: licence.metadata, data: licence.data },
    signature: licence.signature,
  };
}
