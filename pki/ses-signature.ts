/**
 * A signature record in the ASN.1 encoding of GB/T 38540 (SES_Signature, version 4), issue 20 Build 2, built with
 * asn1js. The platform signs the RFC 8785 canonical JSON of the record (pki/seal-signer.ts) and the seal maker
 * signs the canonical JSON of the seal info (pki/seal-maker.ts), not the DER of TBS_Sign and SES_SealInfo; so the
 * encoding carries those exact signed strings in extension data (extnID under 2.25, a UUID-derived arc, X.667),
 * and a verifier checks `signature` over the `signedContent` extension and `eseal.signedValue` over the
 * `sealInfo` extension. Everything else is the standard's structure:
 *
 *   SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgorithm OID, signature BIT STRING }
 *   TBS_Sign ::= SEQUENCE { version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime, dataHash BIT STRING,
 *                           propertyInfo IA5String, extDatas [0] ExtensionDatas OPTIONAL }
 *   SESeal ::= SEQUENCE { esealInfo SES_SealInfo, cert OCTET STRING, signAlgID OID, signedValue BIT STRING }
 *   SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
 *                               picture SES_ESPictureInfo }
 */
import * as asn1js from 'asn1js';
import { canonicalJson } from '../domain/canonical-json';
import type { SealSignature } from '../domain/seal-signature';
import { strictCertificateDer } from './certificate-cache';
import { SM3_WITH_SM2_OID } from './sm2';

const SHA256_WITH_RSA_OID = '1.2.840.113549.1.1.11';
/** Extension data: the exact UTF-8 string the signature value is over (2.25 + a fixed UUID as an integer). */
export const EXT_SIGNED_CONTENT_OID = '2.25.329800735698586629295641978511506172918.1';
/** Extension data: the canonical JSON of the seal info, which the seal maker signed. */
export const EXT_SEAL_INFO_OID = '2.25.329800735698586629295641978511506172918.2';

const ALGORITHM_OIDS: Record<string, string> = {
  SHA256withRSA: SHA256_WITH_RSA_OID,
  sha256WithRSAEncryption: SHA256_WITH_RSA_OID,
  SM3withSM2: SM3_WITH_SM2_OID,
};

const ia5 = (value: string) => new asn1js.IA5String({ value });
const int = (value: number) => new asn1js.Integer({ value });
const octets = (bytes: Buffer) => new asn1js.OctetString({ valueHex: new Uint8Array(bytes).buffer });
const bits = (bytes: Buffer) => new asn1js.BitString({ valueHex: new Uint8Array(bytes).buffer });
const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
const time = (iso: string) => new asn1js.GeneralizedTime({ valueDate: new Date(iso) });
const seq = (value: asn1js.AsnType[]) => new asn1js.Sequence({ value });

function extData(id: string, value: string): asn1js.Sequence {
  return seq([oid(id), new asn1js.Boolean({ value: false }), octets(Buffer.from(value, 'utf8'))]);
}

function sealInfoAsn1(record: SealSignature): asn1js.Sequence {
  const info = record.seal.sealInfo;
  const p = info.property;
  return seq([
    seq([ia5(info.header.id), int(info.header.version), ia5(info.header.vid)]),
    ia5(info.esId),
    seq([
      int(p.type),
      new asn1js.Utf8String({ value: p.name }),
      int(p.certListType),
      seq(p.certList.map((der) => octets(Buffer.from(der, 'base64')))),
      time(p.createDate),
      time(p.validStart),
      time(p.validEnd),
    ]),
    seq([
      ia5(info.picture.type),
      octets(Buffer.from(info.picture.data, 'base64')),
      int(Math.round(info.picture.widthMm)),
      int(Math.round(info.picture.heightMm)),
    ]),
  ]);
}

/**
 * The DER of a record as SES_Signature. `makerCertificatePem` is the seal maker's (CA's) certificate, which the
 * JSON record names by fingerprint only.
 */
export function sesSignatureDer(record: SealSignature, makerCertificatePem: string): Buffer {
  const eseal = seq([
    sealInfoAsn1(record),
    octets(strictCertificateDer(makerCertificatePem)),
    oid(ALGORITHM_OIDS[record.seal.makerSignature.algorithm]!),
    bits(Buffer.from(record.seal.makerSignature.signature, 'base64')),
  ]);
  const toSign = seq([
    int(4),
    eseal,
    time(record.signingTime),
    bits(Buffer.from(record.dataHash.value, 'hex')),
    ia5(`dataHash=${record.dataHash.algorithm}`),
    new asn1js.Constructed({
      idBlock: { tagClass: 3, tagNumber: 0 },
      value: [
        seq([
          extData(EXT_SIGNED_CONTENT_OID, record.signedContent),
          extData(EXT_SEAL_INFO_OID, canonicalJson(record.seal.sealInfo)),
        ]),
      ],
    }),
  ]);
  const signature = seq([
    toSign,
    octets(strictCertificateDer(record.signerCertificate)),
    oid(ALGORITHM_OIDS[record.algorithm]!),
    bits(Buffer.from(record.signatureValue, 'base64')),
  ]);
  return Buffer.from(signature.toBER(false));
}

export interface SesSignatureFields {
  version: number;
  esId: string;
  sealName: string;
  signingTime: string;
  dataHashHex: string;
  signerCertificateDer: Buffer;
  makerCertificateDer: Buffer;
  signatureAlgorithm: string;
  sealSignatureAlgorithm: string;
  signature: Buffer;
  sealSignature: Buffer;
  signedContent: string;
  sealInfoJson: string;
}

const hexOf = (block: asn1js.AsnType) => Buffer.from((block as asn1js.OctetString).valueBlock.valueHexView);

/** Reads back the fields a verifier needs from an SES_Signature DER (throws when it is not one). */
export function readSesSignature(der: Buffer): SesSignatureFields {
  const parsed = asn1js.fromBER(new Uint8Array(der));
  if (parsed.offset === -1) throw new Error(`not BER: ${parsed.result.error}`);
  const [toSign, cert, alg, sig] = (parsed.result as asn1js.Sequence).valueBlock.value;
  const [version, eseal, timeInfo, dataHash, , ext] = (toSign as asn1js.Sequence).valueBlock.value;
  const [sealInfo, makerCert, sealAlg, sealSig] = (eseal as asn1js.Sequence).valueBlock.value;
  const [, esId, property] = (sealInfo as asn1js.Sequence).valueBlock.value;
  const name = (property as asn1js.Sequence).valueBlock.value[1] as asn1js.Utf8String;
  const exts = ((ext as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence).valueBlock.value;
  // Compared by DER: asn1js reads arcs past 2^53 (the UUID arc) back as hexadecimal text.
  const berHex = (block: asn1js.AsnType) => Buffer.from(block.toBER(false)).toString('hex');
  const extValue = (id: string) => {
    const wanted = berHex(oid(id));
    const found = exts.find((e) => berHex((e as asn1js.Sequence).valueBlock.value[0]!) === wanted);
    if (!found) throw new Error(`SES_Signature has no extension data ${id}`);
    return hexOf((found as asn1js.Sequence).valueBlock.value[2]!).toString('utf8');
  };
  return {
    version: (version as asn1js.Integer).valueBlock.valueDec,
    esId: (esId as asn1js.IA5String).getValue(),
    sealName: name.getValue(),
    signingTime: (timeInfo as asn1js.GeneralizedTime).toDate().toISOString(),
    dataHashHex: hexOf(dataHash!).toString('hex'),
    signerCertificateDer: hexOf(cert!),
    makerCertificateDer: hexOf(makerCert!),
    signatureAlgorithm: (alg as asn1js.ObjectIdentifier).getValue(),
    sealSignatureAlgorithm: (sealAlg as asn1js.ObjectIdentifier).getValue(),
    signature: hexOf(sig!),
    sealSignature: hexOf(sealSig!),
    signedContent: extValue(EXT_SIGNED_CONTENT_OID),
    sealInfoJson: extValue(EXT_SEAL_INFO_OID),
  };
}
