/**
 * Private keys at rest: AES-256-GCM under a scrypt-derived key, stored as `v1:<salt>:<iv>:<tag>:<ciphertext>`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decryptPrivateKey, encryptPrivateKey } from '../../pki/key-encryption';

const MASTER = 'test-master-key-为单元测试准备';
const PEM = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

/** Flips one bit of the base64 field at `index` of the stored form. */
function flipBit(stored: string, index: number): string {
  const parts = stored.split(':');
  const bytes = Buffer.from(parts[index]!, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[index] = bytes.toString('base64');
  return parts.join(':');
}

describe('encryptPrivateKey / decryptPrivateKey', () => {
  it('gives back the PEM it encrypted', () => {
    expect(PEM).toContain('-----BEGIN PRIVATE KEY-----');
    expect(decryptPrivateKey(encryptPrivateKey(PEM, MASTER), MASTER)).toBe(PEM);
  });

  it('round-trips non-ASCII text and an empty master key', () => {
    expect(decryptPrivateKey(encryptPrivateKey('密钥 ✓', MASTER), MASTER)).toBe('密钥 ✓');
    expect(decryptPrivateKey(encryptPrivateKey(PEM, ''), '')).toBe(PEM);
  });

  it('stores v1 and four base64 fields: 16-byte salt, 12-byte IV, 16-byte tag, ciphertext', () => {
    const stored = encryptPrivateKey(PEM, MASTER);
    const [version, salt, iv, tag, ciphertext, ...rest] = stored.split(':');
    expect(version).toBe('v1');
    expect(rest).toEqual([]);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(iv!, 'base64')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64')).toHaveLength(16);
    expect(Buffer.from(ciphertext!, 'base64')).toHaveLength(Buffer.byteLength(PEM));
    expect(stored).not.toContain('PRIVATE KEY');
  });

  it('never gives the same stored form twice for the same PEM (random salt and IV)', () => {
    const a = encryptPrivateKey(PEM, MASTER);
    const b = encryptPrivateKey(PEM, MASTER);
    expect(a).not.toBe(b);
    expect(a.split(':')[1]).not.toBe(b.split(':')[1]);
    expect(a.split(':')[2]).not.toBe(b.split(':')[2]);
    expect(decryptPrivateKey(b, MASTER)).toBe(decryptPrivateKey(a, MASTER));
  });

  it('refuses a wrong master key with an error that names PKI_MASTER_KEY', () => {
    const stored = encryptPrivateKey(PEM, MASTER);
    expect(() => decryptPrivateKey(stored, 'another-master-key')).toThrow(
      'cannot decrypt a private key: PKI_MASTER_KEY differs from the one it was stored with',
    );
  });

  it.each([
    ['ciphertext', 4],
    ['authentication tag', 3],
    ['IV', 2],
    ['salt', 1],
  ])('refuses a stored key whose %s was tampered with', (_field, index) => {
    const stored = encryptPrivateKey(PEM, MASTER);
    expect(() => decryptPrivateKey(flipBit(stored, index), MASTER)).toThrow('cannot decrypt a private key');
  });

  it.each([
    ['another version', (s: string) => s.replace(/^v1:/, 'v2:')],
    ['a missing field', (s: string) => s.split(':').slice(0, 4).join(':')],
    ['an empty field', (s: string) => s.replace(/:[^:]+$/, ':')],
    ['a bare PEM', () => PEM],
  ])('refuses a stored form with %s as an unknown format', (_what, change) => {
    expect(() => decryptPrivateKey(change(encryptPrivateKey(PEM, MASTER)), MASTER)).toThrow(
      'unknown private key format',
    );
  });
});
