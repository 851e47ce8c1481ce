/**
 * Issue 18 Build 2: the platform's own timestamp authority (RFC 3161). A timestamp token is a CMS SignedData whose
 * content is a TSTInfo — the policy, the SHA-256 of what is timestamped (for PAdES B-T the signature value), a
 * serial number and the time — signed by the authority's own key, whose certificate is for timestamping only
 * (pki/certificates.ts issueServiceCertificate 'timeStamping'); never the CA's nor a seal's key.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  bigInteger,
  buildCadesSignedData,
  generalizedTime,
  integer,
  octets,
  oid,
  OID,
  seq,
  toDer,
} from './cms';

export const TSA_NAME = '晋城市电子证照与电子印章平台时间戳服务';

/**
 * The authority's timestamp policy: a UUID OID (ITU-T X.667, arc 2.25), no registration needed. UUID
 * e3f746a8-b570-4d33-bc51-c6178fc0b1c4.
 */
export const TSA_POLICY = '2.25.303018685502390114632782896885292642756';

export interface TimestampAuthorityKey {
  certificatePem: string;
  privateKeyPem: string;
  /** The CA's certificate, carried in the token for validators. */
  chainPems: string[];
}

/** The DER TSTInfo for a SHA-256 message imprint, at `at` (whole seconds: DER GeneralizedTime has no fraction). */
export function tstInfo(messageImprint: Buffer, at: Date, serialNumber: Buffer = randomBytes(16)): Buffer {
  const genTime = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return toDer(
    seq([
      integer(1),
      oid(TSA_POLICY),
      seq([seq([oid(OID.sha256)]), octets(messageImprint)]),
      bigInteger(serialNumber),
      generalizedTime(genTime),
    ]),
  );
}

/** An RFC 3161 TimeStampToken (ContentInfo, DER) over the SHA-256 `messageImprint`. */
export function timestampToken(key: TimestampAuthorityKey, messageImprint: Buffer, at: Date): Buffer {
  const content = tstInfo(messageImprint, at);
  return buildCadesSignedData({
    messageDigest: createHash('sha256').update(content).digest(),
    signerCertificatePem: key.certificatePem,
    signerPrivateKeyPem: key.privateKeyPem,
    chainPems: key.chainPems,
    contentType: OID.tstInfo,
    content,
  });
}
