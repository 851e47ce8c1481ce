/**
 * Signing with an organisation's or the seal maker's key, whichever algorithm it is (issue 20 Build 2): RSA keys
 * (PKCS#8) sign SHA256withRSA with Node's crypto, SM2 keys ("EC PRIVATE KEY" on the sm2 curve) sign SM3withSM2
 * with pki/sm2.ts; a signature is verified with the certificate's key by the algorithm the record names.
 */
import { createHash, createPrivateKey, KeyObject, sign, verify } from 'node:crypto';
import type { SignatureAlgorithm } from '../domain/seal-signature';
import { BoundedLru, publicKeyOf, sm2PublicKeyOfPem } from './certificate-cache';
import { isSm2PrivateKeyPem, sm2PrivateKeyHex, sm2Sign, sm2Verify } from './sm2';

export function keyAlgorithm(privateKeyPem: string): SignatureAlgorithm {
  return isSm2PrivateKeyPem(privateKeyPem) ? 'SM3withSM2' : 'SHA256withRSA';
}

/**
 * Issue 19: a private key parsed once. Signing with the PEM text parses it on every call, which halves the RSA
 * signing rate (measured: 650 against 1,390 signatures/s on one core). The few signing keys in use (one per unit's
 * certificate and the seal maker's) are kept parsed, keyed by the SHA-256 of their text so that no PEM is a key of
 * the map; the cache is small and bounded, and holds nothing the process does not already hold while it signs.
 */
type ParsedKey = { algorithm: 'SHA256withRSA'; key: KeyObject } | { algorithm: 'SM3withSM2'; hex: string };
const PRIVATE_KEY_CACHE = new BoundedLru<ParsedKey>({
  maxEntries: 64,
  maxBytes: 64 * 8 * 1024,
  maxEntryBytes: 8 * 1024,
});

function parsedKey(privateKeyPem: string): ParsedKey {
  const id = createHash('sha256').update(privateKeyPem).digest('base64');
  const known = PRIVATE_KEY_CACHE.get(id);
  if (known) return known;
  const parsed: ParsedKey =
    keyAlgorithm(privateKeyPem) === 'SM3withSM2'
      ? { algorithm: 'SM3withSM2', hex: sm2PrivateKeyHex(privateKeyPem) }
      : { algorithm: 'SHA256withRSA', key: createPrivateKey(privateKeyPem) };
  PRIVATE_KEY_CACHE.set(id, parsed, privateKeyPem.length);
  return parsed;
}

export function signBytes(
  data: Buffer,
  privateKeyPem: string,
): { algorithm: SignatureAlgorithm; signature: Buffer } {
  const parsed = parsedKey(privateKeyPem);
  const signature =
    parsed.algorithm === 'SM3withSM2' ? sm2Sign(data, parsed.hex) : sign('sha256', data, parsed.key);
  return { algorithm: parsed.algorithm, signature };
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
