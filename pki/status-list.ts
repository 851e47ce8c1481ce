/**
 * Issue 16: the Token Status List (IETF draft-ietf-oauth-status-list, JWT form) that says which shown licences
 * are no longer in force. One bit per licence (`bits: 1`; 0 valid, 1 invalid), index 0 the least significant bit
 * of the first byte, the bytes DEFLATE-compressed with ZLIB framing (RFC 1950) and base64url-encoded in `lst`.
 * The JWT is signed with the platform's presentation key (typ `statuslist+jwt`), with `sub` its own URI, `iat`
 * the time it was made and `ttl` how long a verifier may keep it before fetching it again.
 */
import { deflateSync } from 'node:zlib';
import { signCompactJwt } from './presentation-token';
import type { PresentationKey } from './presentation-key';

/** Licences per list: 2^17 bits (16 KiB before compression). */
export const STATUS_LIST_SIZE = 131_072;
/** Seconds a verifier may cache a list. */
export const STATUS_LIST_TTL_SECONDS = 300;

export function statusListPlace(globalIndex: number): { listId: string; idx: number } {
  return { listId: String(Math.floor(globalIndex / STATUS_LIST_SIZE)), idx: globalIndex % STATUS_LIST_SIZE };
}

/** The compressed list with the given indices set (invalid). */
export function encodeStatusList(invalid: Iterable<number>, size = STATUS_LIST_SIZE): string {
  const bytes = Buffer.alloc(Math.ceil(size / 8));
  for (const i of invalid) bytes[i >> 3] |= 1 << (i & 7);
  return deflateSync(bytes, { level: 9 }).toString('base64url');
}

export function statusListJwt(
  key: PresentationKey,
  uri: string,
  invalid: Iterable<number>,
  issuedAt: Date,
): string {
  const iat = Math.floor(issuedAt.getTime() / 1000);
  return signCompactJwt(
    key,
    { alg: 'ES256', typ: 'statuslist+jwt', kid: key.publicJwk.kid },
    {
      sub: uri,
      iat,
      exp: iat + 24 * 3600,
      ttl: STATUS_LIST_TTL_SECONDS,
      status_list: { bits: 1, lst: encodeStatusList(invalid) },
    },
  );
}
