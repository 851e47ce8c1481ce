/**
 * Issue 18 Build 1: a detached CMS SignedData (RFC 5652) for a PAdES signature (ETSI EN 319 142-1, baseline B-B):
 * SHA-256, RSA PKCS#1 v1.5, signed attributes content-type, message-digest (the digest of the PDF's ByteRange,
 * computed by the caller) and signing-certificate-v2 (RFC 5035), plus the seal information (GB/T 38540: the seal's
 * code, name, kind, seal info and the seal maker's signature) as a signed attribute of its own. No signing-time
 * attribute: PAdES puts the claimed signing time in the signature dictionary (/M) instead.
 *
 * Built with node-forge's ASN.1 writer (node-forge's pkcs7 module cannot take a precomputed digest nor write
 * signing-certificate-v2); the signature itself is Node's crypto.
 */
import { createHash, sign } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
const T = asn1.Type;
const UNIVERSAL = asn1.Class.UNIVERSAL;

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  /**
   * The platform's seal-information attribute (a UTF8String holding canonical JSON of the GB/T 38540 fields). GB/T
   * 38540 defines no CMS attribute for PAdES, so this OID sits under the platform's own arc (not registered).
   */
  sealInformation: '1.3.6.1.4.1.61890.18.1',
} as const;

type Asn1 = forge.asn1.Asn1;

export const seq = (items: Asn1[]) => asn1.create(UNIVERSAL, T.SEQUENCE, true, items);
const set = (items: Asn1[]) => asn1.create(UNIVERSAL, T.SET, true, items);
/** An OBJECT IDENTIFIER; arcs may exceed 32 bits (UUID OIDs under 2.25), which node-forge's encoder refuses. */
export const oid = (value: string) =>
  asn1.create(UNIVERSAL, T.OID, false, oidBytes(value).toString('binary'));

function oidBytes(value: string): Buffer {
  const arcs = value.split('.').map((a) => BigInt(a));
  const [first, second, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [first! * 40n + second!, ...rest]) {
    const groups = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) groups.unshift(Number(n & 0x7fn) | 0x80);
    bytes.push(...groups);
  }
  return Buffer.from(bytes);
}
export const octets = (bytes: Buffer) =>
  asn1.create(UNIVERSAL, T.OCTETSTRING, false, bytes.toString('binary'));
export const integer = (n: number) => asn1.create(UNIVERSAL, T.INTEGER, false, String.fromCharCode(n)); // 0..127
/** A positive INTEGER from its big-endian bytes (a serial number). */
export const bigInteger = (bytes: Buffer) =>
  asn1.create(UNIVERSAL, T.INTEGER, false, Buffer.concat([Buffer.from([0]), bytes]).toString('binary'));
export const generalizedTime = (at: Date) =>
  asn1.create(UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(at));
const nullValue = () => asn1.create(UNIVERSAL, T.NULL, false, '');
const utf8 = (text: string) => asn1.create(UNIVERSAL, T.UTF8, false, forge.util.encodeUtf8(text));
const explicit = (tag: number, items: Asn1[]) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, true, items);
const fromDer = (der: Buffer): Asn1 => asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
export const toDer = (node: Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

export function pemToDer(pem: string): Buffer {
  return Buffer.from(forge.pem.decode(pem)[0]!.body, 'binary');
}

const attribute = (type: string, value: Asn1) => seq([oid(type), set([value])]);

/** The certificate's issuer Name and serial number, as they are in its DER. */
function issuerAndSerial(certDer: Buffer): Asn1 {
  const tbs = (fromDer(certDer).value as Asn1[])[0]!;
  const fields = tbs.value as Asn1[];
  const offset = fields[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0; // [0] version
  return seq([fields[offset + 2]!, fields[offset]!]); // issuer Name, serialNumber
}

/** RFC 5035 SigningCertificateV2 with one ESSCertIDv2 (SHA-256, the default, so its algorithm is omitted). */
function signingCertificateV2(certDer: Buffer): Asn1 {
  const issuerSerial = issuerAndSerial(certDer);
  const [issuerName, serialNumber] = issuerSerial.value as Asn1[];
  const generalNames = seq([explicit(4, [issuerName!])]); // directoryName [4]
  return seq([seq([seq([octets(sha256(certDer)), seq([generalNames, serialNumber!])])])]);
}

export interface CadesSignatureInput {
  /** SHA-256 of the signed bytes (for PAdES, the PDF's ByteRange). */
  messageDigest: Buffer;
  signerCertificatePem: string;
  signerPrivateKeyPem: string;
  /** Further certificates carried for validators (the CA's). */
  chainPems: string[];
  /** The seal information (GB/T 38540 fields) as canonical JSON; a signed attribute. */
  sealInformation?: string;
  /** eContentType; `data` for a PAdES signature, id-ct-TSTInfo for a timestamp token. */
  contentType?: string;
  /** Encapsulated content (a timestamp token's TSTInfo); absent: a detached signature. */
  content?: Buffer;
  /**
   * PAdES B-T: an RFC 3161 timestamp token (ContentInfo, DER) over the signature value, from the timestamp
   * authority (pki/tsa.ts); carried as the unsigned attribute signature-time-stamp (RFC 3161 appendix A).
   */
  timestamp?: (signatureValue: Buffer) => Buffer;
}

function signedAttributes(input: CadesSignatureInput, signerDer: Buffer): Asn1[] {
  const attributes = [
    attribute(OID.contentType, oid(input.contentType ?? OID.data)),
    attribute(OID.messageDigest, octets(input.messageDigest)),
    attribute(OID.signingCertificateV2, signingCertificateV2(signerDer)),
  ];
  if (input.sealInformation) attributes.push(attribute(OID.sealInformation, utf8(input.sealInformation)));
  return attributes;
}

/** A CMS ContentInfo(SignedData), DER. */
export function buildCadesSignedData(input: CadesSignatureInput): Buffer {
  const signerDer = pemToDer(input.signerCertificatePem);
  const attributes = signedAttributes(input, signerDer);
  const signature = sign('sha256', toDer(set(attributes)), input.signerPrivateKeyPem);
  const digestAlgorithm = seq([oid(OID.sha256)]);
  const signerInfo = seq([
    integer(1),
    issuerAndSerial(signerDer),
    digestAlgorithm,
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, attributes), // [0] IMPLICIT signedAttrs
    seq([oid(OID.rsaEncryption), nullValue()]),
    octets(signature),
    ...(input.timestamp
      ? [
          asn1.create(asn1.Class.CONTEXT_SPECIFIC, 1, true, [
            attribute(OID.signatureTimeStampToken, fromDer(input.timestamp(signature))),
          ]),
        ]
      : []),
  ]);
  const encapsulated = seq([
    oid(input.contentType ?? OID.data),
    ...(input.content ? [explicit(0, [octets(input.content)])] : []),
  ]);
  const certificates = [signerDer, ...input.chainPems.map(pemToDer)].map(fromDer);
  const signedData = seq([
    integer((input.contentType ?? OID.data) === OID.data ? 1 : 3),
    set([digestAlgorithm]),
    encapsulated,
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, certificates), // [0] IMPLICIT certificates
    set([signerInfo]),
  ]);
  return toDer(seq([oid(OID.signedData), explicit(0, [signedData])]));
}
