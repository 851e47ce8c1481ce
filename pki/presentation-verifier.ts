/**
 * Issue 16 (WP-(三)3): the offline verifier of a 亮证 token (pki/presentation-token.ts). Pure: the token, the
 * platform's public key (a JWK) and the status lists fetched earlier are all it needs — no network, no database —
 * so the same module runs in a verifier's browser (bundled for /static/presentation-verifier.js) and in the tests.
 * It uses only Web Crypto (ECDSA P-256 / SHA-256) and DecompressionStream, present in browsers and Node 20.
 *
 * Each failure has its own reason, checked in this order: malformed, signature_invalid (the issuer-signed part,
 * so any change of a claim or the key), disclosure_altered (a disclosure whose salted digest the JWT does not
 * carry), expired, replayed (a nonce this verifier already accepted), status_list_missing / status_list_invalid
 * (no list for the token's URI, or one not signed by the key), revoked (the licence's bit set in the list).
 *
 * The data items' labels are not in the token (pki/presentation-token.ts): the verifier passes the catalogue's
 * labels it fetched with the key (GET /api/presentation-labels), by type code (the token's `vct`); an item whose
 * label it does not know shows its key.
 */
import { decodeJwt, splitSdJwt } from '@sd-jwt/decode';

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid?: string;
}

export type PresentationReason =
  | 'valid'
  | 'malformed'
  | 'signature_invalid'
  | 'disclosure_altered'
  | 'expired'
  | 'replayed'
  | 'status_list_missing'
  | 'status_list_invalid'
  | 'revoked';

export const PRESENTATION_REASON_TEXT: Record<PresentationReason, string> = {
  valid: '核验通过：签名有效，未过期，证照在状态列表中有效',
  malformed: '不是有效的亮证码',
  signature_invalid: '签名无效：内容被改动或不是本平台签发',
  disclosure_altered: '出示的数据项被改动，与签名不符',
  expired: '亮证码已过期，请持证人刷新后重新出示',
  replayed: '该亮证码已被核验过（重放），请持证人刷新后重新出示',
  status_list_missing: '没有该证照所在的状态列表，请联网更新状态列表后再核验',
  status_list_invalid: '状态列表的签名无效',
  revoked: '证照已不在有效状态（注销、吊销、撤销、挂失或已变更）',
};

export interface DisclosedItem {
  key: string;
  label: string;
  value: unknown;
}

export interface PresentationResult {
  valid: boolean;
  reason: PresentationReason;
  message: string;
  nonce?: string;
  expiresAt?: string;
  licence?: {
    identifier: string;
    typeName: string;
    issuerName: string;
    disclosed: DisclosedItem[];
    /** How many items stayed hidden (their digests are in the token, their values are not). */
    hiddenCount: number;
  };
  /** The status list's time (iat) the verdict relied on. */
  statusListIssuedAt?: string;
}

export interface VerifyOptions {
  publicJwk: PublicJwk;
  /** Status-list JWTs fetched earlier (GET /api/status-lists/:id). */
  statusLists: string[];
  now: Date;
  /** Nonces this verifier accepted before; the caller adds the result's nonce after a valid result. */
  seenNonces?: ReadonlySet<string>;
  /** The data items' labels by type code, then item key (GET /api/presentation-labels), fetched earlier. */
  labels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const FIXED_LABELS: Record<string, string> = {
  holderName: '持证人',
  holderCode: '持证人代码',
  validFrom: '有效期起',
  validTo: '有效期至',
};

const subtle = () => globalThis.crypto.subtle;

function fromB64u(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toB64u(bytes: ArrayBuffer): string {
  let bin = '';
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function verifyJwtSignature(jwt: string, jwk: PublicJwk): Promise<boolean> {
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) return false;
  try {
    const key = await subtle().importKey(
      'jwk',
      { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const data = new TextEncoder().encode(`${h}.${p}`);
    return await subtle().verify({ name: 'ECDSA', hash: 'SHA-256' }, key, fromB64u(s), data);
  } catch {
    return false;
  }
}

async function digestOf(disclosure: string): Promise<string> {
  return toB64u(await subtle().digest('SHA-256', new TextEncoder().encode(disclosure)));
}

async function inflate(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const fail = (reason: PresentationReason, extra: Partial<PresentationResult> = {}): PresentationResult => ({
  valid: false,
  reason,
  message: PRESENTATION_REASON_TEXT[reason],
  ...extra,
});

type Payload = Record<string, unknown> & {
  _sd?: string[];
  data?: { _sd?: string[] } & Record<string, unknown>;
  vct?: string;
  exp?: number;
  nonce?: string;
  status?: { status_list?: { idx?: number; uri?: string } };
};

export async function verifyPresentation(token: string, options: VerifyOptions): Promise<PresentationResult> {
  let parts: ReturnType<typeof splitSdJwt>;
  let payload: Payload;
  try {
    parts = splitSdJwt(token.trim());
    payload = decodeJwt<Record<string, unknown>, Payload>(parts.jwt).payload;
  } catch {
    return fail('malformed');
  }
  if (!(await verifyJwtSignature(parts.jwt, options.publicJwk))) return fail('signature_invalid');
  const labels = options.labels?.[String(payload.vct ?? '')] ?? {};
  const disclosed = await disclosedItems(payload, parts.disclosures, labels);
  if (!disclosed) return fail('disclosure_altered');
  const expiresAt = typeof payload.exp === 'number' ? new Date(payload.exp * 1000).toISOString() : undefined;
  const base = { nonce: payload.nonce, expiresAt, licence: licenceOf(payload, disclosed) };
  if (typeof payload.exp !== 'number' || options.now.getTime() >= payload.exp * 1000)
    return fail('expired', base);
  if (!payload.nonce || options.seenNonces?.has(payload.nonce)) return fail('replayed', base);
  const status = await statusOf(payload, options);
  if (status.reason) return fail(status.reason, { ...base, statusListIssuedAt: status.issuedAt });
  return {
    valid: true,
    reason: 'valid',
    message: PRESENTATION_REASON_TEXT.valid,
    ...base,
    statusListIssuedAt: status.issuedAt,
  };
}

/** The disclosed items, or null when a disclosure's digest is not among the signed ones. */
async function disclosedItems(
  payload: Payload,
  disclosures: string[],
  labels: Readonly<Record<string, string>>,
): Promise<DisclosedItem[] | null> {
  const top = new Set(payload._sd ?? []);
  const inData = new Set(payload.data?._sd ?? []);
  const items: DisclosedItem[] = [];
  for (const encoded of disclosures) {
    const digest = await digestOf(encoded);
    let decoded: unknown;
    try {
      decoded = JSON.parse(new TextDecoder().decode(fromB64u(encoded)));
    } catch {
      return null;
    }
    if (!Array.isArray(decoded) || decoded.length !== 3 || typeof decoded[1] !== 'string') return null;
    const [, key, value] = decoded as [string, string, unknown];
    if (top.has(digest) && key in FIXED_LABELS) items.push({ key, label: FIXED_LABELS[key], value });
    else if (inData.has(digest)) items.push({ key: `data.${key}`, label: labels[key] ?? key, value });
    else return null;
  }
  return items;
}

function licenceOf(payload: Payload, disclosed: DisclosedItem[]): PresentationResult['licence'] {
  const total = (payload._sd?.length ?? 0) + (payload.data?._sd?.length ?? 0);
  return {
    identifier: String(payload.identifier ?? ''),
    typeName: String(payload.typeName ?? ''),
    issuerName: String(payload.issuerName ?? ''),
    disclosed,
    hiddenCount: total - disclosed.length,
  };
}

async function statusOf(
  payload: Payload,
  options: VerifyOptions,
): Promise<{ reason?: PresentationReason; issuedAt?: string }> {
  const ref = payload.status?.status_list;
  if (!ref || typeof ref.idx !== 'number' || typeof ref.uri !== 'string') return { reason: 'malformed' };
  for (const list of options.statusLists) {
    let claims: { sub?: string; iat?: number; status_list?: { bits?: number; lst?: string } };
    try {
      claims = decodeJwt<Record<string, unknown>, typeof claims>(list).payload;
    } catch {
      continue;
    }
    if (claims.sub !== ref.uri) continue;
    const issuedAt = typeof claims.iat === 'number' ? new Date(claims.iat * 1000).toISOString() : undefined;
    if (!(await verifyJwtSignature(list, options.publicJwk)) || claims.status_list?.bits !== 1) {
      return { reason: 'status_list_invalid', issuedAt };
    }
    const bytes = await inflate(fromB64u(claims.status_list.lst ?? ''));
    const bit = ((bytes[ref.idx >> 3] ?? 0) >> (ref.idx & 7)) & 1;
    return bit ? { reason: 'revoked', issuedAt } : { issuedAt };
  }
  return { reason: 'status_list_missing' };
}
