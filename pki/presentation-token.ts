/**
 * Issue 16 (WP-(三)3, ★ selective disclosure): the 亮证 token, a compact SD-JWT (RFC 9901 / SD-JWT VC form) issued
 * by the platform for one showing of one licence. The issuer-signed part carries what every verifier sees — the
 * licence's identifier, type (as `vct`, the type code) and issuer, an expiry a few minutes ahead, a nonce and the
 * licence's entry in the Token Status List — and a salted digest of each item; only the disclosures of the
 * items the holder chose follow the JWT, so the others cannot be recovered from the token, yet its signature still
 * verifies. Signed with the platform's ES256 presentation key (pki/presentation-key.ts) through @sd-jwt/core.
 * Verification is pki/presentation-verifier.ts (pure, the same code in the browser).
 *
 * Compact, because it travels in a QR code a phone camera must read: the data items' labels are not in the token
 * (they are the public catalogue's, which a verifier fetches with the key: GET /api/presentation-labels), and the
 * type is named by its 21-character code alone. Salts stay at 128 bits (RFC 9901's recommendation): shorter ones
 * would make hidden low-entropy items (a gender, a date) easier to guess from their digests.
 */
import { createHash, randomBytes, sign } from 'node:crypto';
import { SDJwtInstance } from '@sd-jwt/core';
import type { DisclosureFrame, PresentationFrame } from '@sd-jwt/types';
import type { PresentationKey } from './presentation-key';

/** How long a shown token is valid. */
export const PRESENTATION_TTL_SECONDS = 180;

export interface PresentedLicence {
  identifier: string;
  typeCode: string;
  typeName: string;
  issuerName: string;
  holderName: string;
  holderCode: string;
  validFrom: string;
  validTo: string | null;
  data: Record<string, unknown>;
}

/** Items a holder may disclose: the holder's name and code, the validity, and each data item (`data.<key>`). */
export const FIXED_ITEMS = ['holderName', 'holderCode', 'validFrom', 'validTo'] as const;

export function disclosableItems(licence: Pick<PresentedLicence, 'data'>): string[] {
  return [...FIXED_ITEMS, ...Object.keys(licence.data).map((k) => `data.${k}`)];
}

const b64u = (b: Buffer) => b.toString('base64url');

export function signCompactJwt(
  key: PresentationKey,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const input = `${b64u(Buffer.from(JSON.stringify(header)))}.${b64u(Buffer.from(JSON.stringify(payload)))}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(signature)}`;
}

function instance(key: PresentationKey): SDJwtInstance<Record<string, unknown>> {
  return new SDJwtInstance({
    signer: (input: string) =>
      b64u(sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })),
    signAlg: 'ES256',
    hasher: (data: string | ArrayBuffer) =>
      new Uint8Array(
        createHash('sha256')
          .update(typeof data === 'string' ? data : Buffer.from(data))
          .digest(),
      ),
    hashAlg: 'sha-256',
    saltGenerator: (length: number) => b64u(randomBytes(length)),
  });
}

export interface PresentationInput {
  licence: PresentedLicence;
  /** Items to disclose (disclosableItems); the others stay hidden. */
  disclose: string[];
  issuer: string;
  status: { uri: string; idx: number };
  now: Date;
}

/** The compact SD-JWT with only the chosen disclosures, its nonce and expiry. */
export async function issuePresentation(
  key: PresentationKey,
  input: PresentationInput,
): Promise<{ token: string; nonce: string; expiresAt: string }> {
  const { licence, now } = input;
  const iat = Math.floor(now.getTime() / 1000);
  const nonce = b64u(randomBytes(16));
  const payload = {
    iss: input.issuer,
    iat,
    exp: iat + PRESENTATION_TTL_SECONDS,
    vct: licence.typeCode,
    nonce,
    identifier: licence.identifier,
    typeName: licence.typeName,
    issuerName: licence.issuerName,
    status: { status_list: { idx: input.status.idx, uri: input.status.uri } },
    holderName: licence.holderName,
    holderCode: licence.holderCode,
    validFrom: licence.validFrom,
    validTo: licence.validTo ?? '长期',
    data: licence.data,
  };
  const dataKeys = Object.keys(licence.data);
  const frame = { _sd: [...FIXED_ITEMS], data: { _sd: dataKeys } } as unknown as DisclosureFrame<
    typeof payload
  >;
  const sdjwt = instance(key);
  const issued = await sdjwt.issue(payload, frame, {
    header: { typ: 'dc+sd-jwt', kid: key.publicJwk.kid },
  });
  const chosen = new Set(input.disclose);
  const presentation: Record<string, unknown> = {};
  for (const item of FIXED_ITEMS) if (chosen.has(item)) presentation[item] = true;
  const data: Record<string, boolean> = {};
  for (const k of dataKeys) if (chosen.has(`data.${k}`)) data[k] = true;
  if (Object.keys(data).length) presentation.data = data;
  const token = await sdjwt.present(issued, presentation as PresentationFrame<typeof payload>);
  return { token, nonce, expiresAt: new Date((iat + PRESENTATION_TTL_SECONDS) * 1000).toISOString() };
}
