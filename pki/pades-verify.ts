/**
 * Issue 18 Build 3 (SM-11): the evidence of each PAdES signature in a PDF, checked against the platform CA alone
 * (no database): the ByteRange digest, what changed after it, the CMS signature, the certificate chain, the seal
 * information (GB/T 38540 fields, the seal maker's signature, the certificate it binds) and the RFC 3161 timestamp.
 * What the evidence means is decided in domain/pdf-verification.ts.
 * Issue 20 Build 3: a signer the platform CA did not issue may chain to an anchor of the trust list (pki/trust-chain.ts,
 * the lookup the licence verifier uses); the anchor is then the seal maker, and a timestamp authority it issued is
 * trusted for that signature.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { PdfSignatureEvidence } from '../domain/pdf-verification';
import type { SealInfo, SealKind, SealMakerSignature } from '../domain/seal';
import type { TrustAnchor } from '../domain/trust-list';
import { OID } from './cms';
import {
  checkTimestamp,
  CmsFormatError,
  commonName,
  messageDigestOf,
  organisationName,
  parseSignedData,
  ParsedSignedData,
  signatureVerifies,
  TimestampCheck,
  utf8Attribute,
} from './cms-read';
import { coverageOf, pdfSignatures, PdfSignatureBytes, signedBytes } from './pdf-signatures';
import { verifySealInfo } from './seal-maker';
import { chainEnd, ChainEnd } from './trust-chain';

/** The seal information a stamp carries (domain/document-stamp.ts sealInformation). */
export interface StampSealInformation {
  esId: string;
  sealId: string;
  name: string;
  kind: SealKind;
  sealInfo: SealInfo;
  makerSignature: SealMakerSignature;
  authorisationId: string;
}

export interface PdfSignatureFinding {
  evidence: PdfSignatureEvidence;
  sealInformation: StampSealInformation | null;
}

const UNREADABLE: Omit<PdfSignatureEvidence, 'coverage' | 'claimedTime' | 'digestMatches'> = {
  readable: false,
  signatureValid: false,
  signer: null,
  chainTrusted: false,
  seal: null,
  sealBound: false,
  timestamp: null,
};

function sealInformationOf(parsed: ParsedSignedData): StampSealInformation | null {
  const text = utf8Attribute(parsed, OID.sealInformation);
  if (!text) return null;
  try {
    return JSON.parse(text) as StampSealInformation;
  } catch {
    return null;
  }
}

function sealBound(
  info: StampSealInformation | null,
  signer: X509Certificate | null,
  makerPem: string,
): boolean {
  if (!info || !signer) return false;
  try {
    return (
      info.esId === info.sealInfo.esId &&
      info.sealInfo.property.certList.includes(signer.raw.toString('base64')) &&
      verifySealInfo(info.sealInfo, info.makerSignature, makerPem)
    );
  } catch {
    return false;
  }
}

function timestampOf(parsed: ParsedSignedData, ca: X509Certificate): TimestampCheck | null | 'broken' {
  const token = parsed.unsignedAttributes.get(OID.signatureTimeStampToken);
  if (!token) return null;
  try {
    return checkTimestamp(token, parsed.signatureValue, ca);
  } catch {
    return 'broken';
  }
}

/**
 * The chain's end for the signer, at the timestamp's time when its token verifies (whoever issued its authority:
 * a timestamp not trusted in the end is a TIMESTAMP_FAILURE anyway), else at the claimed time; and the timestamp
 * with its authority checked against the platform CA, or against the anchor the signer chains to.
 */
function chainAndTimestamp(
  parsed: ParsedSignedData,
  claimedTime: string | null,
  trust: Trust,
): { chain: ChainEnd | null; ts: TimestampCheck | null | 'broken' } {
  const ts = timestampOf(parsed, trust.ca);
  const signer = parsed.signer;
  const sound = ts && ts !== 'broken' && ts.signatureValid && ts.imprintMatches;
  const at = sound ? ts.time.toISOString() : claimedTime;
  const chain = signer && chainEnd(signer.toString(), at, trust.caPem, trust.anchors);
  if (!chain?.anchor || !ts || ts === 'broken' || ts.authorityTrusted) return { chain, ts };
  return { chain, ts: timestampOf(parsed, new X509Certificate(chain.anchor.certificatePem)) };
}

interface Trust {
  ca: X509Certificate;
  caPem: string;
  anchors: readonly TrustAnchor[];
}

function cmsEvidence(
  pdf: Buffer,
  sig: PdfSignatureBytes,
  trust: Trust,
): Omit<PdfSignatureFinding, 'evidence'> & {
  evidence: Omit<PdfSignatureEvidence, 'coverage' | 'claimedTime'>;
} {
  const digest = createHash('sha256').update(signedBytes(pdf, sig.byteRange)).digest();
  let parsed: ParsedSignedData;
  try {
    parsed = parseSignedData(sig.contents);
  } catch (err) {
    if (!(err instanceof CmsFormatError)) throw err;
    return { evidence: { ...UNREADABLE, digestMatches: false }, sealInformation: null };
  }
  const info = sealInformationOf(parsed);
  const signer = parsed.signer;
  const { chain, ts } = chainAndTimestamp(parsed, sig.claimedTime?.toISOString() ?? null, trust);
  const anchor = chain?.anchor;
  return {
    sealInformation: info,
    evidence: {
      readable: true,
      digestMatches: messageDigestOf(parsed)?.equals(digest) ?? false,
      signatureValid: signatureVerifies(parsed),
      signer: signer && {
        organisation: organisationName(signer),
        commonName: commonName(signer),
        validFrom: new Date(signer.validFrom).toISOString(),
        validTo: new Date(signer.validTo).toISOString(),
      },
      chainTrusted: !!chain,
      trustAnchor: anchor ? { id: anchor.id, name: anchor.name, kind: anchor.kind ?? null } : null,
      seal: info && {
        esId: info.esId,
        name: info.name,
        kind: info.kind,
        validStart: info.sealInfo?.property?.validStart,
        validEnd: info.sealInfo?.property?.validEnd,
      },
      sealBound: sealBound(info, signer, chain?.certificatePem ?? trust.caPem),
      timestamp:
        ts === 'broken'
          ? {
              time: '',
              signatureValid: false,
              imprintMatches: false,
              authorityTrusted: false,
              authorityName: null,
            }
          : ts && { ...ts, time: ts.time.toISOString() },
    },
  };
}

/**
 * The findings for every signature of the PDF, in file order (the first signed first). `trustAnchors`: the trust
 * list's anchors in force (issue 20 Build 3); without them only the platform CA is trusted.
 */
export async function verifyPdfSignatures(
  pdf: Buffer,
  caPem: string,
  trustAnchors: readonly TrustAnchor[] = [],
): Promise<PdfSignatureFinding[]> {
  const trust: Trust = { ca: new X509Certificate(caPem), caPem, anchors: trustAnchors };
  const findings: PdfSignatureFinding[] = [];
  for (const sig of pdfSignatures(pdf)) {
    const { evidence, sealInformation } = cmsEvidence(pdf, sig, trust);
    findings.push({
      sealInformation,
      evidence: {
        ...evidence,
        coverage: await coverageOf(pdf, sig.revisionEnd),
        claimedTime: sig.claimedTime?.toISOString() ?? null,
      },
    });
  }
  return findings;
}
