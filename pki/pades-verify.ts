/**
 * Issue 18 Build 3 (SM-11): the evidence of each PAdES signature in a PDF, checked against the platform CA alone
 * (no database): the ByteRange digest, what changed after it, the CMS signature, the certificate chain, the seal
 * information (GB/T 38540 fields, the seal maker's signature, the certificate it binds) and the RFC 3161 timestamp.
 * What the evidence means is decided in domain/pdf-verification.ts.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { PdfSignatureEvidence } from '../domain/pdf-verification';
import type { SealInfo, SealKind, SealMakerSignature } from '../domain/seal';
import { OID } from './cms';
import {
  checkTimestamp,
  CmsFormatError,
  commonName,
  issuedBy,
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
  caPem: string,
): boolean {
  if (!info || !signer) return false;
  try {
    return (
      info.esId === info.sealInfo.esId &&
      info.sealInfo.property.certList.includes(signer.raw.toString('base64')) &&
      verifySealInfo(info.sealInfo, info.makerSignature, caPem)
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

function cmsEvidence(
  pdf: Buffer,
  sig: PdfSignatureBytes,
  ca: X509Certificate,
  caPem: string,
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
  const ts = timestampOf(parsed, ca);
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
      chainTrusted: !!signer && issuedBy(signer, ca),
      seal: info && {
        esId: info.esId,
        name: info.name,
        kind: info.kind,
        validStart: info.sealInfo?.property?.validStart,
        validEnd: info.sealInfo?.property?.validEnd,
      },
      sealBound: sealBound(info, signer, caPem),
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

/** The findings for every signature of the PDF, in file order (the first signed first). */
export async function verifyPdfSignatures(pdf: Buffer, caPem: string): Promise<PdfSignatureFinding[]> {
  const ca = new X509Certificate(caPem);
  const findings: PdfSignatureFinding[] = [];
  for (const sig of pdfSignatures(pdf)) {
    const { evidence, sealInformation } = cmsEvidence(pdf, sig, ca, caPem);
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
