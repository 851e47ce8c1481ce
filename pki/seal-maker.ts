/**
 * The seal maker's signature over seal info (GB/T 38540: 制章人签名). The CA acts as seal maker; anyone holding the
 * CA certificate can verify a seal with Node's crypto alone.
 */
import { createHash, sign, verify, X509Certificate } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json';
import type { SealInfo, SealMakerSignature } from '../domain/seal';

export function signSealInfo(
  info: SealInfo,
  makerCertificatePem: string,
  makerKeyPem: string,
): SealMakerSignature {
  return {
    algorithm: 'sha256WithRSAEncryption',
    makerCertificateSha256: createHash('sha256')
      .update(new X509Certificate(makerCertificatePem).raw)
      .digest('hex'),
    signature: sign('sha256', Buffer.from(canonicalJson(info), 'utf8'), makerKeyPem).toString('base64'),
  };
}

export function verifySealInfo(
  info: SealInfo,
  signature: SealMakerSignature,
  makerCertificatePem: string,
): boolean {
  const cert = new X509Certificate(makerCertificatePem);
  if (createHash('sha256').update(cert.raw).digest('hex') !== signature.makerCertificateSha256) return false;
  return verify(
    'sha256',
    Buffer.from(canonicalJson(info), 'utf8'),
    cert.publicKey,
    Buffer.from(signature.signature, 'base64'),
  );
}
