/**
 * Issue 18 Build 3 (SM-11): reading and checking a CMS SignedData (RFC 5652) as pki/cms.ts writes it — a PAdES
 * signature or an RFC 3161 timestamp token. node-forge's ASN.1 reader parses it; Node's crypto checks the RSA
 * signatures and the certificates. Anything malformed is a `CmsFormatError`, never a crash.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { OID } from './cms';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

export class CmsFormatError extends Error {}

export interface ParsedSignedData {
  /** The signer's certificate, matched by issuer and serial number; null when it is not carried. */
  signer: X509Certificate | null;
  certificates: X509Certificate[];
  /** The signed attributes by OID (each attribute's first value). */
  attributes: Map<string, Asn1>;
  /** The DER of the signed attributes as a SET: what the signature covers. */
  signedAttributesDer: Buffer;
  signatureValue: Buffer;
  /** The unsigned attributes by OID (each attribute's first value). */
  unsignedAttributes: Map<string, Asn1>;
  /** The encapsulated content (a timestamp token's TSTInfo), or null for a detached signature. */
  content: Buffer | null;
}

const children = (node: Asn1 | undefined): Asn1[] => {
  if (!node || !Array.isArray(node.value)) throw new CmsFormatError('CMS 结构不完整');
  return node.value as Asn1[];
};
const bytes = (node: Asn1 | undefined): Buffer => {
  if (!node || typeof node.value !== 'string') throw new CmsFormatError('CMS 结构不完整');
  return Buffer.from(node.value, 'binary');
};
const toDer = (node: Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
const oidOf = (node: Asn1 | undefined): string =>
  asn1.derToOid(forge.util.createBuffer(bytes(node).toString('binary')));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/** Parses DER, tolerating trailing zero padding (a PDF's /Contents is padded with zeros). */
export function parseDer(der: Buffer): Asn1 {
  try {
    // node-forge 1.x takes options here (its typings still say `strict: boolean`).
    const options = { parseAllBytes: false } as unknown as boolean;
    return asn1.fromDer(forge.util.createBuffer(der.toString('binary')), options);
  } catch {
    throw new CmsFormatError('签名数据不是有效的 DER 编码');
  }
}

function attributeMap(attributes: Asn1[]): Map<string, Asn1> {
  const map = new Map<string, Asn1>();
  for (const attribute of attributes) {
    const [type, values] = children(attribute);
    map.set(oidOf(type), children(values)[0]!);
  }
  return map;
}

function certificatesOf(signedData: Asn1[]): X509Certificate[] {
  const tagged = signedData.find((n) => n.tagClass === asn1.Class.CONTEXT_SPECIFIC && n.type === 0);
  return tagged ? children(tagged).map((c) => new X509Certificate(toDer(c))) : [];
}

/** Parses a ContentInfo(SignedData) with one signer. */
export function parseSignedData(der: Buffer): ParsedSignedData {
  try {
    const [contentType, explicit] = children(parseDer(der));
    if (oidOf(contentType) !== OID.signedData) throw new CmsFormatError('签名数据不是 CMS SignedData');
    const signedData = children(children(explicit)[0]);
    const encapsulated = children(signedData[2]);
    const eContent = encapsulated[1] ? bytes(children(encapsulated[1])[0]) : null;
    const certificates = certificatesOf(signedData);
    const signerInfos = children(signedData.at(-1));
    if (signerInfos.length !== 1) throw new CmsFormatError('签名数据应有且只有一个签名者');
    const info = children(signerInfos[0]);
    const [issuer, serial] = children(info[1]);
    const serialHex = bytes(serial).toString('hex').replace(/^0+/, '').toUpperCase();
    const issuerDer = toDer(issuer!);
    const signer =
      certificates.find(
        (c) => c.serialNumber.replace(/^0+/, '').toUpperCase() === serialHex && sameName(c, issuerDer),
      ) ?? null;
    const signedAttrs = info[3]!;
    if (signedAttrs.tagClass !== asn1.Class.CONTEXT_SPECIFIC || signedAttrs.type !== 0)
      throw new CmsFormatError('签名数据缺少签名属性');
    const asSet = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, children(signedAttrs));
    const unsigned = info[6];
    return {
      signer,
      certificates,
      attributes: attributeMap(children(signedAttrs)),
      signedAttributesDer: toDer(asSet),
      signatureValue: bytes(info[5]),
      unsignedAttributes: unsigned ? attributeMap(children(unsigned)) : new Map(),
      content: eContent,
    };
  } catch (err) {
    if (err instanceof CmsFormatError) throw err;
    throw new CmsFormatError('签名数据的 CMS 结构无法解析');
  }
}

/** The certificate's issuer is the DER Name `issuerDer` (compared on the certificate's own issuer DER). */
function sameName(cert: X509Certificate, issuerDer: Buffer): boolean {
  const tbs = children(children(parseDer(cert.raw))[0]);
  const offset = tbs[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  return toDer(tbs[offset + 2]!).equals(issuerDer);
}

/** The message-digest attribute, or null. */
export function messageDigestOf(parsed: ParsedSignedData): Buffer | null {
  const node = parsed.attributes.get(OID.messageDigest);
  return node ? bytes(node) : null;
}

/** The signature value verifies over the signed attributes with the signer certificate's key (SHA-256, RSA). */
export function signatureVerifies(parsed: ParsedSignedData): boolean {
  if (!parsed.signer) return false;
  try {
    return verify('sha256', parsed.signedAttributesDer, parsed.signer.publicKey, parsed.signatureValue);
  } catch {
    return false;
  }
}

/** A UTF8String attribute's text (the seal information), or null. */
export function utf8Attribute(parsed: ParsedSignedData, type: string): string | null {
  const node = parsed.attributes.get(type);
  return node ? forge.util.decodeUtf8(node.value as string) : null;
}

/** `cert` was issued and signed by `ca`. */
export function issuedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

export interface TimestampCheck {
  /** The TSTInfo's genTime. */
  time: Date;
  /** The token's signature verifies and its message digest is the TSTInfo's. */
  signatureValid: boolean;
  /** The message imprint is the SHA-256 of the signature value it timestamps. */
  imprintMatches: boolean;
  /** The authority's certificate is issued by the CA and is for timestamping (EKU id-kp-timeStamping). */
  authorityTrusted: boolean;
  authorityName: string | null;
}

/** Checks an RFC 3161 timestamp token over `signatureValue` against the CA. */
export function checkTimestamp(token: Asn1, signatureValue: Buffer, ca: X509Certificate): TimestampCheck {
  const parsed = parseSignedData(toDer(token));
  if (!parsed.content) throw new CmsFormatError('时间戳缺少 TSTInfo');
  const tst = children(parseDer(parsed.content));
  const imprint = bytes(children(tst[2])[1]);
  const time = asn1.generalizedTimeToDate(tst[4]!.value as string);
  const digest = messageDigestOf(parsed);
  const authority = parsed.signer;
  return {
    time,
    signatureValid: !!digest && digest.equals(sha256(parsed.content)) && signatureVerifies(parsed),
    imprintMatches: imprint.equals(sha256(signatureValue)),
    authorityTrusted:
      !!authority && issuedBy(authority, ca) && (authority.keyUsage ?? []).includes('1.3.6.1.5.5.7.3.8'),
    authorityName: authority ? commonName(authority) : null,
  };
}

/** The subject's CN (or O) as text. */
export function commonName(cert: X509Certificate): string {
  const lines = cert.subject.split('\n');
  const find = (key: string) => lines.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
  return find('CN') ?? find('O') ?? cert.subject;
}

/** The subject's organisation (O) as text. */
export function organisationName(cert: X509Certificate): string {
  const line = cert.subject.split('\n').find((l) => l.startsWith('O='));
  return line ? line.slice(2) : commonName(cert);
}
