/**
 * Verifying a licence document with Node's crypto and the CA certificate alone (LM-19, DESIGN §3): the data hash
 * over the RFC 8785 canonical form, the seal signature (pki/seal-signer.ts pieces), the chain to the CA, the seal
 * binding and the signer's organisation; then, when a registry is given, the platform's record and the seal's
 * status. The decision and the report's words are domain/licence-verification.ts's; this file finds the facts.
 * Without a registry it is an offline verifier: anyone holding the CA certificate can run it.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { canonicalLicence, LicenceContent } from '../domain/licence';
import {
  assessLicenceDocument,
  assessUnfoundIdentifier,
  checkDocumentShape,
  CryptoFacts,
  LicenceDocumentShape,
  RegisteredLicence,
  VerificationReport,
} from '../domain/licence-verification';
import { parseLicenceIdentifier } from '../domain/licence-identifier';
import { isIssuedBy } from './certificates';
import {
  certificateBoundToSeal,
  parseCertificate,
  safe,
  sealMakerSignatureValid,
  signatureValueVerifies,
  signedContentMatches,
} from './seal-signer';
import type { SealSignature } from '../domain/seal-signature';
import type { LicenceExport } from './licence-document';

/** The platform's records, as the verifier needs them (implemented over the database in the API). */
export interface LicenceRegistry {
  /** The licence with this identifier (upper case), or null when the platform has none. */
  lookup(identifier: string): Promise<RegisteredLicence | null>;
}

export interface VerifyOptions {
  /** The trust anchor: the provincial e-government CA's certificate (PEM). */
  caCertificatePem: string;
  now: Date;
  /** Omitted: offline verification (no registry, no seal status). */
  registry?: LicenceRegistry;
}

/** The first value of a subject attribute (Node gives an array when an attribute repeats). */
function subjectAttribute(cert: X509Certificate, name: string): string | null {
  const subject = cert.toLegacyObject().subject as unknown as Record<string, string | string[] | undefined>;
  const value = subject[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function cryptoFacts(document: LicenceDocumentShape, caCertificatePem: string): CryptoFacts {
  // The shape check guarantees the fields the signature pieces read; extra keys do not matter to them.
  const record = document.signature as unknown as SealSignature;
  const content = document.licence as unknown as LicenceContent;
  const cert = parseCertificate(record.signerCertificate);
  return {
    computedDataHash: createHash('sha256').update(canonicalLicence(content), 'utf8').digest('hex'),
    signedContentMatches: signedContentMatches(record),
    signatureVerifies: signatureValueVerifies(record, cert),
    certificate: cert && {
      issuedByCa: safe(() => isIssuedBy(record.signerCertificate, caCertificatePem)),
      organisationIdentifier: subjectAttribute(cert, 'organizationIdentifier'),
      organisationName: subjectAttribute(cert, 'O'),
      validFrom: new Date(cert.validFrom).toISOString(),
      validTo: new Date(cert.validTo).toISOString(),
    },
    boundInSealInfo: certificateBoundToSeal(record, cert),
    sealMakerSignatureValid: sealMakerSignatureValid(record, caCertificatePem),
  };
}

async function verify(
  document: unknown,
  input: 'identifier' | 'document',
  options: VerifyOptions,
): Promise<VerificationReport> {
  const shape = checkDocumentShape(document);
  if (!shape.ok) return assessLicenceDocument({ input, shape, registry: undefined, now: options.now });
  const identifier = shape.document.licence.metadata.identifier.trim().toUpperCase();
  const lookupable = parseLicenceIdentifier(identifier).ok;
  const registry = options.registry
    ? lookupable
      ? await options.registry.lookup(identifier)
      : null
    : undefined;
  return assessLicenceDocument({
    input,
    shape,
    crypto: cryptoFacts(shape.document, options.caCertificatePem),
    registry,
    now: options.now,
  });
}

/**
 * Verifies a licence document as exported (`GET /api/licenses/:identifier/export`): anything is accepted, and a
 * document that is not one gives FAILED/FORMAT_FAILURE.
 */
export function verifyLicenceDocument(
  document: unknown,
  options: VerifyOptions,
): Promise<VerificationReport> {
  return verify(document, 'document', options);
}

/**
 * Verifies the licence the platform holds under `identifier`: its stored document is verified as an exported one
 * would be, against the registry. A malformed identifier gives FAILED/FORMAT_FAILURE, an unknown one
 * INDETERMINATE/SIGNED_DATA_NOT_FOUND.
 */
export async function verifyLicenceIdentifier(
  identifier: string,
  options: VerifyOptions & {
    registry: LicenceRegistry;
    /** The stored licence's export, or null when there is none. */
    loadExport: (identifier: string) => Promise<LicenceExport | null>;
  },
): Promise<VerificationReport> {
  const normalised = identifier.trim().toUpperCase();
  if (!parseLicenceIdentifier(normalised).ok) return assessUnfoundIdentifier(normalised, options.now);
  const stored = await options.loadExport(normalised);
  if (!stored) return assessUnfoundIdentifier(normalised, options.now);
  return verify(stored, 'identifier', options);
}
