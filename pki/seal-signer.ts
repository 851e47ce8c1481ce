/**
 * Signing with an electronic seal (SM-9, SM-12), the signature record modelled on GB/T 38540 电子签章数据: the seal
 * (with its seal info and the seal maker's signature), the signing time, the hash of the signed data, the signer's
 * certificate and the algorithm. The organisation certificate bound in the seal info signs, with Node's crypto
 * (RSA PKCS#1 v1.5 over SHA-256, or SM2 over SM3 for an SM2 certificate: pki/signature-keys.ts), so that anyone
 * holding the CA certificate can verify a record without the platform.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { SealInfo, SealKind, SealMakerSignature } from '../domain/seal';
import { fillJsonTemplate, hole, jsonTemplate } from '../domain/json-template';
import { canonicalJson } from '../domain/canonical-json';
import {
  LicenceSignaturePurpose,
  SealSignature,
  SignatureAlgorithm,
  SignatureMaterial,
  splitSignatureRecord,
} from '../domain/seal-signature';
import { signedContent } from '../domain/seal-use';
import { x509Of } from './certificate-cache';
import { keyAlgorithm, signBytes, verifyBytes } from './signature-keys';
import { isIssuedBy } from './certificates';
import { verifySealInfo } from './seal-maker';

export interface SealForSigning {
  id: string;
  esId: string;
  name: string;
  kind: SealKind;
  sealInfo: SealInfo;
  makerSignature: SealMakerSignature;
}

export interface SealSigningInput {
  seal: SealForSigning;
  certificatePem: string;
  privateKeyPem: string;
  signingTime: Date;
  documentHash: string;
  documentTitle: string;
  authorisationId: string;
  /** Only the licence issuance path gives one (domain/seal-signature.ts). */
  purpose?: LicenceSignaturePurpose;
}

/** What the certificate's key signs for these inputs (domain/seal-use.ts signedContent). */
const contentOf = (p: SealSigningInput) =>
  signedContent({
    esId: p.seal.esId,
    sealId: p.seal.id,
    signingTime: p.signingTime.toISOString(),
    documentHash: p.documentHash,
    documentTitle: p.documentTitle,
    authorisationId: p.authorisationId,
    purpose: p.purpose,
  });

/** What every record of `p`'s seal and certificate shares (domain/seal-signature.ts SIGNATURE_MATERIAL_FIELDS). */
function materialOf(p: Pick<SealSigningInput, 'seal' | 'certificatePem'>): SignatureMaterial {
  return {
    seal: {
      esId: p.seal.esId,
      name: p.seal.name,
      kind: p.seal.kind,
      sealInfo: p.seal.sealInfo,
      makerSignature: p.seal.makerSignature,
    },
    signerCertificate: p.certificatePem,
  };
}

/**
 * Issue 19: the material the records of `p`'s seal and certificate share, stored once (`signature_material`), and
 * its id: the SHA-256 (hex) of its canonical JSON, so that the same seal and certificate always name one row.
 */
export function signatureMaterial(p: Pick<SealSigningInput, 'seal' | 'certificatePem'>): {
  id: string;
  material: SignatureMaterial;
} {
  const material = materialOf(p);
  return { id: signatureMaterialId(material), material };
}

/** The id of a signature material: the SHA-256 (hex) of its canonical JSON. */
export function signatureMaterialId(material: SignatureMaterial): string {
  return createHash('sha256').update(canonicalJson(material)).digest('hex');
}

/** The record of a signing, once its content is signed. */
function sealSignatureRecord(
  p: SealSigningInput,
  content: string,
  algorithm: SignatureAlgorithm,
  signatureValue: string,
): SealSignature {
  const material = materialOf(p);
  return {
    version: 1,
    sealId: p.seal.id,
    seal: material.seal,
    signingTime: p.signingTime.toISOString(),
    dataHash: { algorithm: 'SHA-256', value: p.documentHash.toLowerCase() },
    documentTitle: p.documentTitle,
    authorisationId: p.authorisationId,
    signerCertificate: material.signerCertificate,
    algorithm,
    signedContent: content,
    signatureValue,
    ...(p.purpose ? { purpose: p.purpose } : {}),
  };
}

export function signWithSeal(p: SealSigningInput): SealSignature {
  const content = contentOf(p);
  // The organisation certificate's key decides the algorithm: SHA256withRSA, or SM3withSM2 (issue 20 Build 2).
  const signed = signBytes(Buffer.from(content, 'utf8'), p.privateKeyPem);
  return sealSignatureRecord(p, content, signed.algorithm, signed.signature.toString('base64'));
}

/**
 * Issue 19: many licences signed with one seal at one time (a conversion batch), each record as JSON text: the text
 * of `JSON.stringify(signWithSeal(…))` for the same inputs, passed through `encode` (a per-character escape, COPY's
 * for a conversion). The seal with its seal info, the certificate and the other constant parts are serialised and
 * encoded once; each licence adds its data hash, its identifier (in the purpose), the signed content and the
 * signature value. `compact`: the record without its material (`splitSignatureRecord(…).compact`), as a converted
 * licence's row stores it.
 */
export function licenceRecordWriter(
  p: Omit<SealSigningInput, 'documentHash' | 'purpose'> & {
    purpose: Omit<LicenceSignaturePurpose, 'identifier'>;
  },
  encode: (text: string) => string,
  options: { compact?: boolean } = {},
): (documentHash: string, identifier: string) => string {
  const { purpose: kind, ...rest } = p.purpose;
  const holes = {
    ...p,
    documentHash: hole('hash'),
    purpose: { purpose: kind, identifier: hole('identifier'), ...rest },
  };
  const content = jsonTemplate(contentOf(holes));
  const algorithm = keyAlgorithm(p.privateKeyPem);
  const whole = sealSignatureRecord(holes, hole('content'), algorithm, hole('signature'));
  const record = jsonTemplate(
    JSON.stringify(options.compact ? splitSignatureRecord(whole).compact : whole),
    encode,
  );
  return (documentHash, identifier) => {
    const values = {
      hash: JSON.stringify(documentHash.toLowerCase()),
      identifier: JSON.stringify(identifier),
    };
    const signed = fillJsonTemplate(content, values);
    const signature = signBytes(Buffer.from(signed, 'utf8'), p.privateKeyPem).signature.toString('base64');
    return fillJsonTemplate(record, {
      hash: encode(values.hash),
      identifier: encode(values.identifier),
      content: encode(JSON.stringify(signed)),
      signature: `"${signature}"`,
    });
  };
}

export interface SealSignatureVerification {
  valid: boolean;
  checks: {
    /** signedContent is exactly the canonical JSON of the record's fields (hash, time, seal, title). */
    signedContent: boolean;
    /** The signature value verifies with the signer certificate's public key. */
    signature: boolean;
    /** The signer certificate was issued and signed by the CA. */
    certificateIssuedByCa: boolean;
    /** The signer certificate is the one bound in the seal info (SM-6). */
    certificateBoundToSeal: boolean;
    /** The seal info carries a valid seal maker (CA) signature. */
    sealMakerSignature: boolean;
    /** The certificate and the seal were valid at the signing time (SM-8). */
    validAtSigningTime: boolean;
  };
  /** The first failed check, in Chinese, or null. */
  problem: string | null;
}

const PROBLEMS: Record<keyof SealSignatureVerification['checks'], string> = {
  signedContent: '签名原文与签章记录中的数据摘要、时间或印章信息不一致',
  signature: '签名值无法用签章人证书验证（数据或签名已被篡改）',
  certificateIssuedByCa: '签章人证书不是由省级电子政务 CA 签发的',
  certificateBoundToSeal: '签章人证书不是印章信息中绑定的机构数字证书',
  sealMakerSignature: '印章信息的制章人签名无效',
  validAtSigningTime: '签章时印章或证书不在有效期内',
};

/** Runs a check that may throw on malformed input; a throw is a failed check. */
export function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/** The certificate, or null when the PEM does not parse. */
export function parseCertificate(pem: string): X509Certificate | null {
  try {
    return x509Of(pem);
  } catch {
    return null;
  }
}

// The pieces of a verification, shared with the licence verifier (pki/licence-verifier.ts).

/** signedContent is exactly the canonical JSON of the record's fields (hash, time, seal, title, authorisation). */
export function signedContentMatches(record: SealSignature): boolean {
  return safe(
    () =>
      record.dataHash.algorithm === 'SHA-256' &&
      /^[0-9a-f]{64}$/.test(record.dataHash.value) &&
      signedContent({
        esId: record.seal.esId,
        sealId: record.sealId,
        signingTime: record.signingTime,
        documentHash: record.dataHash.value,
        documentTitle: record.documentTitle,
        authorisationId: record.authorisationId,
        purpose: record.purpose,
      }) === record.signedContent &&
      record.seal.sealInfo.esId === record.seal.esId,
  );
}

/** The signature value verifies over signedContent with the certificate's public key. */
export function signatureValueVerifies(record: SealSignature, cert: X509Certificate | null): boolean {
  return safe(
    () =>
      !!cert &&
      verifyBytes(
        Buffer.from(record.signedContent, 'utf8'),
        Buffer.from(record.signatureValue, 'base64'),
        record.signerCertificate,
        record.algorithm,
      ),
  );
}

/** The certificate is the one bound in the seal info (SM-6). */
export function certificateBoundToSeal(record: SealSignature, cert: X509Certificate | null): boolean {
  return safe(() => !!cert && record.seal.sealInfo.property.certList.includes(cert.raw.toString('base64')));
}

/**
 * The seal info carries a valid seal maker (CA) signature, and the record's own copies of the seal's id, name and
 * kind are the seal info's: those copies are outside every signature, so a record whose copies differ (an edited
 * seal name) is refused rather than shown (issue 11).
 */
export function sealMakerSignatureValid(record: SealSignature, caCertificatePem: string): boolean {
  return safe(
    () =>
      record.seal.esId === record.seal.sealInfo.esId &&
      record.seal.name === record.seal.sealInfo.property.name &&
      record.seal.kind === record.seal.sealInfo.property.kind &&
      verifySealInfo(record.seal.sealInfo, record.seal.makerSignature, caCertificatePem),
  );
}

/** Verifies a record against the CA certificate (the trust anchor) with Node's crypto alone. */
export function verifySealSignature(
  record: SealSignature,
  caCertificatePem: string,
): SealSignatureVerification {
  const cert = parseCertificate(record.signerCertificate);
  const checks: SealSignatureVerification['checks'] = {
    signedContent: signedContentMatches(record),
    signature: signatureValueVerifies(record, cert),
    certificateIssuedByCa: safe(() => isIssuedBy(record.signerCertificate, caCertificatePem)),
    certificateBoundToSeal: certificateBoundToSeal(record, cert),
    sealMakerSignature: sealMakerSignatureValid(record, caCertificatePem),
    validAtSigningTime: safe(() => {
      const t = new Date(record.signingTime).getTime();
      const p = record.seal.sealInfo.property;
      return (
        !!cert &&
        t >= new Date(cert.validFrom).getTime() &&
        t <= new Date(cert.validTo).getTime() &&
        t >= new Date(p.validStart).getTime() &&
        t <= new Date(p.validEnd).getTime()
      );
    }),
  };
  const failed = (Object.keys(checks) as Array<keyof typeof checks>).find((k) => !checks[k]);
  return { valid: !failed, checks, problem: failed ? PROBLEMS[failed] : null };
}
