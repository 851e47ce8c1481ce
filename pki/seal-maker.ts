/**
 * The seal maker's signature over seal info (GB/T 38540: 制章人签名). The CA acts as seal maker; anyone holding the
 * CA certificate can verify a seal with Node's crypto alone.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json';
import { SEAL_TYPE_CODE } from '../domain/seal';
import type { SealInfo, SealKind, SealMakerSignature } from '../domain/seal';
import { x509Of } from './certificate-cache';
import { signBytes, verifyBytes } from './signature-keys';

export function signSealInfo(
  info: SealInfo,
  makerCertificatePem: string,
  makerKeyPem: string,
): SealMakerSignature {
  // An SM2 seal maker (CA) key signs SM3withSM2 (issue 20 Build 2); the RSA one as before.
  const signed = signBytes(Buffer.from(canonicalJson(info), 'utf8'), makerKeyPem);
  return {
    algorithm: signed.algorithm === 'SM3withSM2' ? 'SM3withSM2' : 'sha256WithRSAEncryption',
    makerCertificateSha256: createHash('sha256')
      .update(new X509Certificate(makerCertificatePem).raw)
      .digest('hex'),
    signature: signed.signature.toString('base64'),
  };
}

export function verifySealInfo(
  info: SealInfo,
  signature: SealMakerSignature,
  makerCertificatePem: string,
): boolean {
  const cert = x509Of(makerCertificatePem);
  if (createHash('sha256').update(cert.raw).digest('hex') !== signature.makerCertificateSha256) return false;
  return verifyBytes(
    Buffer.from(canonicalJson(info), 'utf8'),
    Buffer.from(signature.signature, 'base64'),
    makerCertificatePem,
    signature.algorithm === 'SM3withSM2' ? 'SM3withSM2' : 'SHA256withRSA',
  );
}

/** The seal info for a seal bound to an organisation certificate (SM-6), valid exactly as long as it (SM-8). */
export function buildSealInfo(p: {
  esId: string;
  kind: SealKind;
  name: string;
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
  imprintMediaType: string;
  imprint: Buffer;
  widthMm: number;
  heightMm: number;
  now: Date;
}): SealInfo {
  const certDer = p.certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return {
    header: { id: 'ES', version: 4, vid: 'jincheng-eseal-platform' },
    esId: p.esId,
    property: {
      type: SEAL_TYPE_CODE[p.kind],
      kind: p.kind,
      name: p.name,
      certListType: 1,
      certList: [certDer],
      createDate: p.now.toISOString(),
      validStart: p.notBefore.toISOString(),
      validEnd: p.notAfter.toISOString(),
    },
    picture: {
      type: p.imprintMediaType === 'image/png' ? 'png' : 'svg',
      data: p.imprint.toString('base64'),
      widthMm: p.widthMm,
      heightMm: p.heightMm,
    },
  };
}
