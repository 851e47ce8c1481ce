/**
 * Private keys at rest: AES-256-GCM under a key derived (scrypt) from the configured master secret
 * (PKI_MASTER_KEY). The stored form is `v1:<salt>:<iv>:<tag>:<ciphertext>`, all base64.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

const derived = new Map<string, Buffer>();

function keyFor(masterKey: string, salt: Buffer): Buffer {
  const cacheKey = `${masterKey}\u0000${salt.toString('base64')}`;
  let key = derived.get(cacheKey);
  if (!key) {
    key = scryptSync(masterKey, salt, 32);
    derived.set(cacheKey, key);
  }
  return key;
}

export function encryptPrivateKey(pem: string, masterKey: string): string {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(masterKey, salt), iv);
  const ciphertext = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]);
  return ['v1', salt, iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64')))
    .join(':');
}

export function decryptPrivateKey(stored: string, masterKey: string): string {
  const [version, salt, iv, tag, ciphertext] = stored.split(':');
  if (version !== 'v1' || !salt || !iv || !tag || !ciphertext) throw new Error('unknown private key format');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    keyFor(masterKey, Buffer.from(salt, 'base64')),
    Buffer.from(iv, 'base64'),
  );
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new Error('cannot decrypt a private key: PKI_MASTER_KEY differs from the one it was stored with');
  }
}
