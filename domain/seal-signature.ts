/**
 * The signature record of one signing with an electronic seal (SM-9, SM-12), modelled on GB/T 38540 电子签章数据:
 * what pki/seal-signer.ts produces and verifies, and what the database stores with the signing and the licence.
 */
import type { SealInfo, SealKind, SealMakerSignature } from './seal';

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
  algorithm: 'SHA256withRSA';
  /** The exact UTF-8 string that was signed: RFC 8785 canonical JSON of the fields above (domain/seal-use.ts). */
  signedContent: string;
  signatureValue: string;
}
