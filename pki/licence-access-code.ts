/**
 * The access code of a licence (issue 11, build 3): the key printed in the QR code of a copy that unlocks the
 * masked face on the public verification page and the copies themselves. Without it `/verify/<identifier>` shows
 * only the licence's status, type, issuer, the holder's masked name and the labels of its data items, so that
 * the register cannot be harvested by walking identifiers.
 *
 * The code is an HMAC of the identifier under a server secret (`LICENCE_ACCESS_CODE_SECRET`, a secret of its own that
 * the API holds, never the key-encryption secret: issue 11 Build 5): per licence version, unguessable without the
 * secret (50 bits), nothing stored, and the same on every copy printed later. Changing the secret changes every code
 * (printed QR codes then open the restricted view only).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Crockford's base-32 alphabet: no I, L, O, U, so that a code typed from paper is not misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ACCESS_CODE_LENGTH = 10;

/** The access code of the licence version with this identifier (upper case, as stored). */
export function licenceAccessCode(secret: string, identifier: string): string {
  const mac = createHmac('sha256', secret)
    .update(`licence-access-code/v1\n${identifier.trim().toUpperCase()}`)
    .digest();
  let code = '';
  for (let i = 0; i < ACCESS_CODE_LENGTH; i++) code += ALPHABET[mac[i]! & 31];
  return code;
}

/** Whether `code` (as typed or scanned; case and spaces do not matter) is this licence's, in constant time. */
export function accessCodeMatches(secret: string, identifier: string, code: unknown): boolean {
  if (typeof code !== 'string') return false;
  const given = Buffer.from(code.replace(/[\s-]+/g, '').toUpperCase(), 'utf8');
  const expected = Buffer.from(licenceAccessCode(secret, identifier), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
