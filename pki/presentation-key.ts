/**
 * Issue 16 (WP-(三)3): the platform's ES256 (P-256) presentation key, which signs 亮证 tokens and the Token Status
 * Lists. It is derived from a secret of its own (PRESENTATION_KEY_SECRET): the scalar is HMAC-SHA256 of a label,
 * retried with a counter in the negligible case it falls outside [1, n-1]. Nothing is stored; every API process
 * with the same secret signs with the same key, and its public half is published as a JWK (RFC 7517) with its
 * RFC 7638 thumbprint as `kid`.
 */
import { createECDH, createHash, createHmac, createPrivateKey, KeyObject } from 'node:crypto';

/** The order of the P-256 group. */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

export interface PublicEcJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export interface PresentationKey {
  privateKey: KeyObject;
  publicJwk: PublicEcJwk;
}

const b64u = (b: Buffer) => b.toString('base64url');

export function presentationKeyFrom(secret: string): PresentationKey {
  for (let counter = 0; ; counter++) {
    const d = createHmac('sha256', secret)
      .update(`jincheng-elicence/presentation-key/p256/${counter}`)
      .digest();
    const scalar = BigInt(`0x${d.toString('hex')}`);
    if (scalar === 0n || scalar >= P256_N) continue;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(d);
    const point = ecdh.getPublicKey(); // 0x04 ‖ x ‖ y
    const x = b64u(point.subarray(1, 33));
    const y = b64u(point.subarray(33, 65));
    const privateKey = createPrivateKey({
      key: { kty: 'EC', crv: 'P-256', x, y, d: b64u(d) },
      format: 'jwk',
    });
    const thumbprint = b64u(
      createHash('sha256')
        .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
        .digest(),
    );
    return {
      privateKey,
      publicJwk: { kty: 'EC', crv: 'P-256', x, y, kid: thumbprint, alg: 'ES256', use: 'sig' },
    };
  }
}
