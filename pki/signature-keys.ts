/**
 * Signing with an organisation's or the seal maker's key, whichever algorithm it is (issue 20 Build 2): RSA keys
 * (PKCS#8) sign SHA256withRSA with Node's crypto, SM2 keys ("EC PRIVATE KEY" on the sm2 curve) sign SM3withSM2
 * with pki/sm2.ts; a signature is verified with the certificate's key by the algorithm the record names.
 */
import { sign, verify } from 'node:crypto';
import type { SignatureAlgorithm } from '../domain/seal-signature';
import { publicKeyOf, sm2PublicKeyOfPem } from './certificate-cache';
import { isSm2PrivateKeyPem, sm2PrivateKeyHex, sm2Sign, sm2Verify } from './sm2';

export function keyAlgorithm(privateKeyPem: string): SignatureAlgorithm {
  return isSm2PrivateKeyPem(privateKeyPem) ? 'SM3withSM2' : 'SHA256withRSA';
}

export function signBytes(
  data: Buffer,
  privateKeyPem: string,
): { algorithm: SignatureAlgorithm; signature: Buffer } {
  const algorithm = keyAlgorithm(privateKeyPem);
  const signature =
    algorithm === 'SM3withSM2'
      ? sm2Sign(data, sm2PrivateKeyHex(privateKeyPem))
      : sign('sha256', data, privateKeyPem);
  return { algorithm, signature };
}

/** Whether `signature` over `data` verifies with the certificate's key under `algorithm`; false on any error. */
export function verifyBytes(
  data: Buffer,
  signature: Buffer,
  certificatePem: string,
  algorithm: string,
): boolean {
  try {
    const sm2Key = sm2PublicKeyOfPem(certificatePem);
    if (algorithm === 'SM3withSM2') return !!sm2Key && sm2Verify(data, signature, sm2Key);
    if (algorithm !== 'SHA256withRSA' || sm2Key) return false;
    return verify('sha256', data, publicKeyOf(certificatePem), signature);
  } catch {
    return false;
  }
}
