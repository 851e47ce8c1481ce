/**
 * Issue 18 Build 2: certificate status for the organisation certificates the CA issued, so that a stamped PDF can
 * be validated long after signing — an X.509 v2 CRL (RFC 5280 §5) and OCSP responses (RFC 6960), both signed with
 * the CA's key (so only the signing worker can make them). Written with node-forge's ASN.1 reader and writer.
 */
import { createHash, sign } from 'node:crypto';
import forge from 'node-forge';
import { bigInteger, generalizedTime, oid, octets, pemToDer, seq, toDer } from './cms';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;
const T = asn1.Type;
const UNIVERSAL = asn1.Class.UNIVERSAL;
const CONTEXT = asn1.Class.CONTEXT_SPECIFIC;

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const SHA1 = '1.3.14.3.2.26';
const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
const OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';
const CRL_NUMBER = '2.5.29.20';

export interface CertificateStatus {
  serialNumber: string;
  /** When it was revoked; null while it is good. */
  revokedAt: Date | null;
}

export interface CaSigningKey {
  certificatePem: string;
  privateKeyPem: string;
}

/** Parsed without node-forge's guess that a BIT STRING holds DER (a public key's bits are needed as they are). */
const fromDer = (der: Buffer): Asn1 =>
  (asn1.fromDer as unknown as (b: forge.util.ByteStringBuffer, o: { decodeBitStrings: boolean }) => Asn1)(
    forge.util.createBuffer(der.toString('binary')),
    { decodeBitStrings: false },
  );
const bytesOf = (node: Asn1): Buffer => Buffer.from(node.value as string, 'binary');
const nullValue = () => asn1.create(UNIVERSAL, T.NULL, false, '');
const sha256WithRsa = () => seq([oid(SHA256_WITH_RSA), nullValue()]);
const bitString = (bytes: Buffer) =>
  asn1.create(UNIVERSAL, T.BITSTRING, false, Buffer.concat([Buffer.from([0]), bytes]).toString('binary'));
const time = (at: Date) => generalizedTime(new Date(Math.floor(at.getTime() / 1000) * 1000));
/** RFC 5280 §5.1.2.4: CRL dates through 2049 are UTCTime. */
const utcTime = (at: Date) => asn1.create(UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(at));
const serialBytes = (hex: string) => Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
/**
 * A serial number as compared: upper-case hex without leading zeros (an OCSP request's INTEGER drops a leading zero
 * byte the stored hex of a certificate keeps, e.g. 02D8… against 2D8…).
 */
export const normalSerial = (hex: string) => hex.replace(/^0+/, '').toUpperCase();

/** The CA certificate's subject Name and its public key's BIT STRING contents. */
function caParts(caPem: string): { name: Asn1; publicKey: Buffer } {
  const tbs = (fromDer(pemToDer(caPem)).value as Asn1[])[0]!;
  const fields = tbs.value as Asn1[];
  const offset = fields[0]!.tagClass === CONTEXT ? 1 : 0;
  const spki = fields[offset + 5]!.value as Asn1[];
  return { name: fields[offset + 4]!, publicKey: bytesOf(spki[1]!).subarray(1) };
}

function signed(tbs: Asn1, ca: CaSigningKey, extra: Asn1[] = []): Buffer {
  const signature = sign('sha256', toDer(tbs), ca.privateKeyPem);
  return toDer(seq([tbs, sha256WithRsa(), bitString(signature), ...extra]));
}

/** A DER CRL listing every revoked certificate, valid from `now` for `validForMs`. */
export function buildCrl(
  ca: CaSigningKey,
  revoked: CertificateStatus[],
  now: Date,
  crlNumber: number,
  validForMs: number,
): Buffer {
  const entries = revoked
    .filter((c) => c.revokedAt)
    .map((c) => seq([bigInteger(serialBytes(c.serialNumber)), utcTime(c.revokedAt!)]));
  const number = asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(crlNumber).getBytes());
  const tbs = seq([
    asn1.create(UNIVERSAL, T.INTEGER, false, String.fromCharCode(1)), // v2
    sha256WithRsa(),
    caParts(ca.certificatePem).name,
    utcTime(now),
    utcTime(new Date(now.getTime() + validForMs)),
    ...(entries.length ? [seq(entries)] : []),
    asn1.create(CONTEXT, 0, true, [seq([seq([oid(CRL_NUMBER), octets(toDer(number))])])]),
  ]);
  return signed(tbs, ca);
}

interface RequestedCertificate {
  certId: Asn1;
  hashAlgorithm: string;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  serialNumber: string;
}

/** The certificates an OCSP request asks about, and its nonce; throws on a malformed request. */
export function parseOcspRequest(der: Buffer): { certificates: RequestedCertificate[]; nonce: Asn1 | null } {
  const tbsRequest = (fromDer(der).value as Asn1[])[0]!;
  const parts = tbsRequest.value as Asn1[];
  const requestList = parts.find((p) => p.tagClass === UNIVERSAL && p.type === T.SEQUENCE)!;
  const certificates = (requestList.value as Asn1[]).map((request) => {
    const certId = (request.value as Asn1[])[0]!;
    const [algorithm, nameHash, keyHash, serial] = certId.value as Asn1[];
    return {
      certId,
      hashAlgorithm: asn1.derToOid(forge.util.createBuffer((algorithm!.value as Asn1[])[0]!.value as string)),
      issuerNameHash: bytesOf(nameHash!),
      issuerKeyHash: bytesOf(keyHash!),
      serialNumber: normalSerial(bytesOf(serial!).toString('hex')),
    };
  });
  const extensions = parts.find((p) => p.tagClass === CONTEXT && p.type === 2);
  const nonce =
    ((extensions?.value as Asn1[] | undefined)?.[0]?.value as Asn1[] | undefined)?.find(
      (e) => asn1.derToOid(forge.util.createBuffer((e.value as Asn1[])[0]!.value as string)) === OCSP_NONCE,
    ) ?? null;
  return { certificates, nonce };
}

function singleResponse(
  request: RequestedCertificate,
  ca: { name: Asn1; publicKey: Buffer },
  status: (serialNumber: string) => CertificateStatus | null,
  now: Date,
): Asn1 {
  const hash = (data: Buffer) =>
    createHash(request.hashAlgorithm === SHA1 ? 'sha1' : 'sha256')
      .update(data)
      .digest();
  const ours =
    hash(toDer(ca.name)).equals(request.issuerNameHash) && hash(ca.publicKey).equals(request.issuerKeyHash);
  const known = ours ? status(request.serialNumber) : null;
  const certStatus = !known
    ? asn1.create(CONTEXT, 2, false, '') // unknown
    : known.revokedAt
      ? asn1.create(CONTEXT, 1, true, [time(known.revokedAt)]) // revoked
      : asn1.create(CONTEXT, 0, false, ''); // good
  return seq([
    request.certId,
    certStatus,
    time(now),
    asn1.create(CONTEXT, 0, true, [time(new Date(now.getTime() + 3600_000))]),
  ]);
}

/** A successful DER OCSPResponse (basic), signed by the CA, answering each certificate the request asks about. */
export function buildOcspResponse(
  requestDer: Buffer,
  ca: CaSigningKey,
  status: (serialNumber: string) => CertificateStatus | null,
  now: Date,
): Buffer {
  const request = parseOcspRequest(requestDer);
  const parts = caParts(ca.certificatePem);
  const responderKeyHash = createHash('sha1').update(parts.publicKey).digest();
  const tbs = seq([
    asn1.create(CONTEXT, 2, true, [octets(responderKeyHash)]), // responderID byKey
    time(now),
    seq(request.certificates.map((c) => singleResponse(c, parts, status, now))),
    ...(request.nonce ? [asn1.create(CONTEXT, 1, true, [seq([request.nonce])])] : []),
  ]);
  const basic = signed(tbs, ca, [
    asn1.create(CONTEXT, 0, true, [seq([fromDer(pemToDer(ca.certificatePem))])]),
  ]);
  return toDer(
    seq([
      asn1.create(UNIVERSAL, T.ENUMERATED, false, String.fromCharCode(0)), // successful
      asn1.create(CONTEXT, 0, true, [seq([oid(OCSP_BASIC), octets(basic)])]),
    ]),
  );
}

/** An OCSPResponse with only a status (1 malformedRequest, 2 internalError, 6 unauthorized). */
export function ocspErrorResponse(status: 1 | 2 | 6): Buffer {
  return toDer(seq([asn1.create(UNIVERSAL, T.ENUMERATED, false, String.fromCharCode(status))]));
}

/**
 * An OCSP request (RFC 6960 §4.1, SHA-1 CertID as clients send it) for one certificate the CA issued: how the
 * platform asks its own responder for the status a stamped PDF embeds (PAdES B-LT, pki/pades-dss.ts).
 */
export function ocspRequestFor(certificatePem: string, caPem: string): Buffer {
  const ca = caParts(caPem);
  const tbs = (fromDer(pemToDer(certificatePem)).value as Asn1[])[0]!;
  const fields = tbs.value as Asn1[];
  const serial = fields[fields[0]!.tagClass === CONTEXT ? 1 : 0]!;
  const sha1 = (data: Buffer) => octets(createHash('sha1').update(data).digest());
  const certId = seq([seq([oid(SHA1), nullValue()]), sha1(toDer(ca.name)), sha1(ca.publicKey), serial]);
  return toDer(seq([seq([seq([seq([certId])])])]));
}
