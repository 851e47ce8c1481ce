/**
 * The signature record of one signing with an electronic seal (SM-9, SM-12), modelled on GB/T 38540 电子签章数据:
 * what pki/seal-signer.ts produces and verifies, and what the database stores with the signing and the licence.
 */
import type { SealInfo, SealKind, SealMakerSignature } from './seal';

/**
 * What a licence signature is for (issue 11, build 4): the purpose, the licence identifier, its type code and the
 * seal kind the type names, inside the signed content. Only the licence issuance path (usecases/licence-issuing.ts)
 * makes one; the generic signing endpoint never does, and refuses the titles reserved for licences, so that a
 * standing licence authorisation cannot be used to sign an arbitrary hash that then passes as a licence. The
 * verifier (domain/licence-verification.ts) requires it to match the document it verifies.
 */
export const LICENCE_SIGNATURE_PURPOSES = [
  'licence.issuance',
  'licence.version',
  'licence.lifecycle',
] as const;
export type LicenceSignaturePurposeKind = (typeof LICENCE_SIGNATURE_PURPOSES)[number];

export interface LicenceSignaturePurpose {
  purpose: LicenceSignaturePurposeKind;
  /** The licence identifier (GB/T 36904) the signature is for. */
  identifier: string;
  typeCode: string;
  /** The seal kind the type's catalogue entry names (the seal that signs must be of this kind). */
  sealKind: SealKind;
  /** For `licence.lifecycle`: the event (suspension, revocation …); absent otherwise. */
  event?: string;
}

/** The purpose a licence document of this version must carry: 001 is an issuance, later versions a version. */
export function expectedLicencePurpose(version: number): LicenceSignaturePurposeKind {
  return version === 1 ? 'licence.issuance' : 'licence.version';
}

/**
 * The signature algorithms of a record (issue 20 Build 2): RSA PKCS#1 v1.5 over SHA-256, or SM2 over SM3 with the
 * default identifier (GB/T 38540 with GM/T 0009). The organisation certificate's key decides which.
 */
export const SIGNATURE_ALGORITHMS = ['SHA256withRSA', 'SM3withSM2'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];
/** How a report names each, in Chinese. */
export const ALGORITHM_LABELS: Record<SignatureAlgorithm, string> = {
  SHA256withRSA: 'RSA 与 SHA-256',
  SM3withSM2: 'SM2 与 SM3 国密算法',
};

export interface SealSignature {
  version: 1;
  /** The platform's id of the seal (part of the signed content). */
  sealId: string;
  seal: {
    esId: string;
    name: string;
    kind: SealKind;
    sealInfo: SealInfo;
    makerSignature: SealMakerSignature;
  };
  signingTime: string;
  dataHash: { algorithm: 'SHA-256'; value: string };
  documentTitle: string;
  /** The SM-12 authorisation this signing consumed a use of. */
  authorisationId: string;
  /** PEM of the organisation certificate bound in the seal info (`sealInfo.property.certList`). */
  signerCertificate: string;
  algorithm: SignatureAlgorithm;
  /** The exact UTF-8 string that was signed: RFC 8785 canonical JSON of the fields above (domain/seal-use.ts). */
  signedContent: string;
  signatureValue: string;
  /** Present on licence signatures only (and then part of signedContent). */
  purpose?: LicenceSignaturePurpose;
}

/**
 * Issue 19: the part of a licence's signature record that every record its seal signs under one certificate shares
 * — the seal with its seal info and imprint, and the signer's certificate: about 80 % of the record's 8.5 KB. A
 * licence row stores its record without it (`licence.signature`) and names the row of `signature_material` that
 * holds it once (`licence.signature_material`); the SQL function `licence_signature_record` puts it back
 * (Migration20261209100001_signature_material), so every reader sees the whole record. Neither part is in the
 * signed content (domain/seal-use.ts signedContent), which names the seal by its ids only.
 */
export const SIGNATURE_MATERIAL_FIELDS = ['seal', 'signerCertificate'] as const;
export type SignatureMaterial = Pick<SealSignature, (typeof SIGNATURE_MATERIAL_FIELDS)[number]>;
export type CompactSealSignature = Omit<SealSignature, (typeof SIGNATURE_MATERIAL_FIELDS)[number]>;

/** A record split into what its licence row stores and the material it shares with its seal's other records. */
export function splitSignatureRecord(record: SealSignature): {
  compact: CompactSealSignature;
  material: SignatureMaterial;
} {
  const { seal, signerCertificate, ...compact } = record;
  return { compact, material: { seal, signerCertificate } };
}
