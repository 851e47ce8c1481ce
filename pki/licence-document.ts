/**
 * A licence as a document: the SHA-256 of its canonical form (the data hash its seal signature carries), and the
 * export that `GET /api/licenses/:identifier/export` gives and `POST /api/verify` takes back — metadata, data
 * items and the GB/T 38540-style signature, enough to verify with the CA certificate alone.
 */
import { createHash } from 'node:crypto';
import { canonicalLicence, LICENCE_EXPORT_FORMAT, LicenceContent, LicenceMetadata } from '../domain/licence';
import type { LicenceData } from '../domain/licence-type';
import type { SealSignature } from '../domain/seal-signature';
import type { InclusionEvidence, LogLeafContent } from './transparency-log';

export function licenceDataHash(content: LicenceContent): string {
  return canonicalLicenceHash(canonicalLicence(content));
}

/** The data hash of a licence's canonical text (domain/licence.ts canonicalLicence). */
export function canonicalLicenceHash(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export interface LicenceExport {
  format: typeof LICENCE_EXPORT_FORMAT;
  licence: { metadata: LicenceMetadata; data: LicenceData };
  signature: SealSignature;
  /** Issue 20: the licence's inclusion in the transparency log, once a signed tree head covers it. */
  transparency?: InclusionEvidence;
  /** LM-23: the registry's notice at export time (有异议·核查中 while a dispute stands marked); not signed. */
  registry?: { disputeMarker: string };
}

/**
 * Issue 20: the licence's leaf in the transparency log, read from the export itself (the log's trigger writes the
 * same fields when the licence is stored): its kind by version, identifier, data hash and signing time.
 */
export function licenceLogLeaf(document: Pick<LicenceExport, 'licence' | 'signature'>): LogLeafContent {
  const metadata = document.licence.metadata;
  return {
    kind: metadata.version === 1 ? 'licence.issuance' : 'licence.version',
    identifier: metadata.identifier,
    hash: document.signature.dataHash.value,
    time: document.signature.signingTime,
  };
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
