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
  LogInclusionFacts,
  RegisteredLicence,
  VerificationReport,
} from '../domain/licence-verification';
import { parseLicenceIdentifier } from '../domain/licence-identifier';
import type { TrustAnchor } from '../domain/trust-list';
import {
  certificateBoundToSeal,
  parseCertificate,
  sealMakerSignatureValid,
  signatureValueVerifies,
  signedContentMatches,
} from './seal-signer';
import type { SealSignature } from '../domain/seal-signature';
import { licenceLogLeaf, type LicenceExport } from './licence-document';
import { chainEnd } from './trust-chain';
import {
  inclusionProblem,
  InclusionEvidence,
  logLeafHash,
  SignedTreeHead,
  treeHeadProblem,
} from './transparency-log';

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
  /**
   * Issue 20: the platform's inclusion evidence for a leaf hash (hex), used when the document carries none
   * (online: the stored export, or an export made before its tree head).
   */
  logEvidence?: (leafHashHex: string) => Promise<InclusionEvidence | null>;
  /** Issue 20, offline: a tree head obtained elsewhere (a monitor, the public endpoint) to hold the proof to. */
  treeHead?: SignedTreeHead;
  /**
   * Issue 20 Build 3: imported trust anchors (domain/trust-list.ts). A signer certificate the platform's CA did not
   * issue is accepted when an anchor trusted at the signing time issued it, and that anchor is then the seal maker
   * whose signature the seal info must carry.
   */
  trustAnchors?: TrustAnchor[];
}

/** Issue 20: the document's leaf in the transparency log, checked against its signed tree head. */
async function logInclusionFacts(
  document: LicenceDocumentShape,
  options: VerifyOptions,
): Promise<LogInclusionFacts> {
  const leaf = licenceLogLeaf(document as unknown as LicenceExport);
  const evidence =
    (document.transparency as InclusionEvidence | undefined) ??
    (options.logEvidence ? await options.logEvidence(logLeafHash(leaf).toString('hex')) : null);
  if (!evidence) return { status: 'absent' };
  const problem = inclusionProblem(leaf, evidence, options.caCertificatePem);
  if (problem) return { status: 'invalid', problem };
  const given = options.treeHead;
  if (given) {
    const givenProblem = treeHeadProblem(given, options.caCertificatePem);
    if (givenProblem) return { status: 'invalid', problem: `所给树根：${givenProblem}` };
    if (given.treeSize !== evidence.treeHead.treeSize)
      return {
        status: 'not_comparable',
        detail: `所给树根的大小 ${given.treeSize} 与文件所附树根的大小 ${evidence.treeHead.treeSize} 不同：离线无法比较，请用一致性证明核对`,
      };
    if (given.rootHash !== evidence.treeHead.rootHash)
      return { status: 'invalid', problem: '所给树根与文件所附树根大小相同而根哈希不同：日志出现分叉' };
  }
  return {
    status: 'included',
    leafIndex: evidence.leafIndex,
    treeSize: evidence.treeHead.treeSize,
    treeHeadTime: evidence.treeHead.timestamp,
  };
}

type Subject = Record<string, string | string[] | undefined>;
/** Subjects read, by certificate (pki/certificate-cache.ts keeps the parsed certificates; these go with them). */
const subjects = new WeakMap<X509Certificate, Subject>();

/** The first value of a subject attribute (Node gives an array when an attribute repeats). */
function subjectAttribute(cert: X509Certificate, name: string): string | null {
  let subject = subjects.get(cert);
  if (!subject) {
    subject = cert.toLegacyObject().subject as unknown as Subject;
    subjects.set(cert, subject);
  }
  const value = subject[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function cryptoFacts(
  document: LicenceDocumentShape,
  options: VerifyOptions,
): Omit<CryptoFacts, 'logInclusion'> {
  // The shape check guarantees the fields the signature pieces read; extra keys do not matter to them.
  const record = document.signature as unknown as SealSignature;
  const content = document.licence as unknown as LicenceContent;
  const cert = parseCertificate(record.signerCertificate);
  const anchor = chainEnd(
    record.signerCertificate,
    record.signingTime,
    options.caCertificatePem,
    options.trustAnchors,
  );
  return {
    computedDataHash: createHash('sha256').update(canonicalLicence(content), 'utf8').digest('hex'),
    signedContentMatches: signedContentMatches(record),
    signatureVerifies: signatureValueVerifies(record, cert),
    certificate: cert && {
      issuedByCa: !!anchor,
      trustAnchor: anchor?.anchor?.name ?? null,
      organisationIdentifier: subjectAttribute(cert, 'organizationIdentifier'),
      organisationName: subjectAttribute(cert, 'O'),
      validFrom: new Date(cert.validFrom).toISOString(),
      validTo: new Date(cert.validTo).toISOString(),
    },
    boundInSealInfo: certificateBoundToSeal(record, cert),
    sealMakerSignatureValid: sealMakerSignatureValid(
      record,
      anchor?.certificatePem ?? options.caCertificatePem,
    ),
  };
}

/**
 * The registry's entry for the document (undefined: not asked). Issue 20 Build 3: a licence sealed under an anchor
 * of the trust list is another platform's, so this platform's registry is not asked; nor does an identifier the
 * registry does not know decide the outcome when the signer chains to nothing trusted (that is the finding).
 */
async function registryEntry(
  identifier: string,
  lookupable: boolean,
  crypto: CryptoFacts,
  options: VerifyOptions,
): Promise<{ registry: RegisteredLicence | null | undefined; registryNotAsked?: string }> {
  if (!options.registry) return { registry: undefined };
  const anchor = crypto.certificate?.trustAnchor;
  if (anchor)
    return { registry: undefined, registryNotAsked: `证照由信任列表中的“${anchor}”签章，不在本平台登记` };
  const registry = lookupable ? await options.registry.lookup(identifier) : null;
  if (registry === null && !crypto.certificate?.issuedByCa)
    return {
      registry: undefined,
      registryNotAsked: '签章人证书不是平台信任的 CA 签发的，本平台也没有该证照的登记记录',
    };
  return { registry };
}

type Shape = ReturnType<typeof checkDocumentShape>;
interface DocumentFacts {
  shape: Shape;
  /** The CA certificate and the anchors these facts were found with. */
  caCertificatePem: string;
  trustAnchors: VerifyOptions['trustAnchors'];
  crypto: Omit<CryptoFacts, 'logInclusion'> | null;
}

/**
 * Issue 19 Build 4: the shape and cryptographic facts of the platform's stored documents, by document object. They
 * are pure functions of the document, the CA certificate and the anchors (the log's evidence is found anew every
 * time), and a stored document is immutable and kept as one object (api/services/verification.ts
 * StoredExportCache), so a verification by identifier does not check the same bytes again. Kept with the document
 * object (WeakMap): gone when it is; a document sent in a request is never kept.
 */
const storedDocumentFacts = new WeakMap<object, DocumentFacts>();

function documentFacts(document: unknown, options: VerifyOptions, stored: boolean): DocumentFacts {
  const known =
    stored && typeof document === 'object' && document ? storedDocumentFacts.get(document) : undefined;
  if (
    known &&
    known.caCertificatePem === options.caCertificatePem &&
    known.trustAnchors === options.trustAnchors
  )
    return known;
  const shape = checkDocumentShape(document);
  const facts: DocumentFacts = {
    shape,
    caCertificatePem: options.caCertificatePem,
    trustAnchors: options.trustAnchors,
    crypto: shape.ok ? cryptoFacts(shape.document, options) : null,
  };
  if (stored && typeof document === 'object' && document) storedDocumentFacts.set(document, facts);
  return facts;
}

async function verify(
  document: unknown,
  input: 'identifier' | 'document',
  options: VerifyOptions,
): Promise<VerificationReport> {
  const facts = documentFacts(document, options, input === 'identifier');
  const shape = facts.shape;
  if (!shape.ok) return assessLicenceDocument({ input, shape, registry: undefined, now: options.now });
  const identifier = shape.document.licence.metadata.identifier.trim().toUpperCase();
  const lookupable = parseLicenceIdentifier(identifier).ok;
  const crypto: CryptoFacts = {
    ...facts.crypto!,
    logInclusion: await logInclusionFacts(shape.document, options),
  };
  const { registry, registryNotAsked } = await registryEntry(identifier, lookupable, crypto, options);
  return assessLicenceDocument({ input, shape, crypto, registry, now: options.now, registryNotAsked });
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
