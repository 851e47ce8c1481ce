/**
 * Issue 16 (WP-(三)3, ★ selective disclosure): the 亮证 token verifies offline with only the platform's public key
 * and a status list fetched earlier; each failure has its own reason; undisclosed items leave no trace.
 */
import { inflateSync } from 'node:zlib';
import { presentationKeyFrom } from '../../pki/presentation-key';
import { catalogueSample, catalogueSeed, LICENCE_TYPE_NAMES } from '../../db/licence-catalogue-seed';
import { disclosableItems, issuePresentation, PresentedLicence } from '../../pki/presentation-token';
import { verifyPresentation } from '../../pki/presentation-verifier';
import { encodeStatusList, statusListJwt, statusListPlace } from '../../pki/status-list';

const key = presentationKeyFrom('unit-test-presentation-secret');
const uri = 'https://elicence.example/api/status-lists/0';
const licence: PresentedLicence = {
  identifier: '1.2.156.3005.2.11100000000013338W001.11140525MB1234567X.00001.001.Z',
  typeCode: '11100000000013338W001',
  typeName: '营业执照',
  issuerName: '泽州县市场监督管理局',
  holderName: '晋城市兴晋煤业有限公司',
  holderCode: '91140525MA0K7L2X0Y',
  validFrom: '2026-01-01',
  validTo: null,
  data: { legalRepresentative: '王志刚', registeredCapital: '五百万元', businessScope: '煤炭开采' },
};
/** The catalogue's labels, fetched by a verifier with the key (the token leaves them out). */
const labels = {
  [licence.typeCode]: {
    legalRepresentative: '法定代表人',
    registeredCapital: '注册资本',
    businessScope: '经营范围',
  },
};
const now = new Date();
const present = (disclose: string[], at = now) =>
  issuePresentation(key, {
    licence,
    disclose,
    issuer: 'https://elicence.example',
    status: { uri, idx: 5 },
    now: at,
  });
const list = (invalid: number[]) => statusListJwt(key, uri, invalid, now);
const options = (lists: string[], extra: { seenNonces?: Set<string>; now?: Date } = {}) => ({
  publicJwk: key.publicJwk,
  statusLists: lists,
  now: extra.now ?? new Date(now.getTime() + 1000),
  seenNonces: extra.seenNonces,
  labels,
});

it('the same secret gives the same P-256 key; another secret another (WP-(三)3)', () => {
  expect(presentationKeyFrom('unit-test-presentation-secret').publicJwk).toEqual(key.publicJwk);
  expect(presentationKeyFrom('other').publicJwk.x).not.toBe(key.publicJwk.x);
  expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
});

it('a token with two items hidden verifies offline and shows only the chosen items', async () => {
  const { token, nonce } = await present([
    'holderName',
    'validTo',
    'data.businessScope',
    'data.registeredCapital',
  ]);
  const result = await verifyPresentation(token, options([list([])]));
  expect(result).toMatchObject({ valid: true, reason: 'valid', nonce });
  expect(result.licence!.disclosed.map((d) => [d.label, d.value])).toEqual(
    expect.arrayContaining([
      ['持证人', '晋城市兴晋煤业有限公司'],
      ['有效期至', '长期'],
      ['经营范围', '煤炭开采'],
      ['注册资本', '五百万元'],
    ]),
  );
  expect(result.licence!.hiddenCount).toBe(disclosableItems(licence).length - 4);
});

it('undisclosed items cannot be recovered from the token: no value, no salt, only digests', async () => {
  const { token } = await present(['holderName']);
  const decoded = token
    .split(/[.~]/)
    .filter(Boolean)
    .map((part) => Buffer.from(part, 'base64url').toString('utf8'))
    .join('\n');
  for (const secret of ['王志刚', '91140525MA0K7L2X0Y', '五百万元', '煤炭开采', '2026-01-01']) {
    expect(decoded).not.toContain(secret);
    expect(token).not.toContain(Buffer.from(secret).toString('base64url'));
  }
  expect(decoded).toContain('晋城市兴晋煤业有限公司');
});

it('an expired token, a replayed nonce, an altered item, another key and a revoked licence fail, each its own reason', async () => {
  const { token, nonce } = await present(['holderName', 'data.legalRepresentative']);
  const later = new Date(now.getTime() + 10 * 60_000);
  expect((await verifyPresentation(token, options([list([])], { now: later }))).reason).toBe('expired');
  expect(
    (await verifyPresentation(token, options([list([])], { seenNonces: new Set([nonce]) }))).reason,
  ).toBe('replayed');
  const [jwt, ...disclosures] = token.split('~');
  const altered = disclosures.map((d) => {
    const text = Buffer.from(d, 'base64url').toString('utf8');
    return text.includes('王志刚') ? Buffer.from(text.replace('王志刚', '李四')).toString('base64url') : d;
  });
  expect((await verifyPresentation([jwt, ...altered].join('~'), options([list([])]))).reason).toBe(
    'disclosure_altered',
  );
  const other = presentationKeyFrom('someone-else');
  const forged = await issuePresentation(other, {
    licence,
    disclose: ['holderName'],
    issuer: 'x',
    status: { uri, idx: 5 },
    now,
  });
  expect((await verifyPresentation(forged.token, options([list([])]))).reason).toBe('signature_invalid');
  expect((await verifyPresentation(token, options([list([5])]))).reason).toBe('revoked');
  expect((await verifyPresentation(token, options([]))).reason).toBe('status_list_missing');
  expect((await verifyPresentation(token, options([statusListJwt(other, uri, [], now)]))).reason).toBe(
    'status_list_invalid',
  );
  expect((await verifyPresentation('not a token', options([list([])]))).reason).toBe('malformed');
});

it('the status list follows the draft: bit i is bit (i mod 8) of byte i div 8, ZLIB-deflated', () => {
  const bytes = inflateSync(Buffer.from(encodeStatusList([0, 9, 17], 24), 'base64url'));
  expect([...bytes]).toEqual([0b00000001, 0b00000010, 0b00000010]);
  expect(statusListPlace(131_072 + 3)).toEqual({ listId: '1', idx: 3 });
});

it('the token stays short enough for a phone camera: no labels, and under a bound for a full 营业执照', async () => {
  // The 营业执照 of the seeded catalogue with every item disclosed: the longest a holder can make it.
  const type = catalogueSeed().find((d) => d.name === LICENCE_TYPE_NAMES.businessLicence)!;
  const full: PresentedLicence = { ...licence, data: catalogueSample(LICENCE_TYPE_NAMES.businessLicence) };
  const { token } = await issuePresentation(key, {
    licence: full,
    disclose: disclosableItems(full),
    issuer: 'https://elicence.example',
    status: { uri, idx: 131_071 },
    now,
  });
  // About 2,750 characters with the labels and a long vct; now at most 2,600 with every item shown.
  expect(token.length).toBeLessThanOrEqual(2_600);
  const payload = Buffer.from(token.split('.')[1], 'base64url').toString('utf8');
  for (const item of type.dataItems) expect(payload).not.toContain(item.label);
  // A verifier without the labels still verifies; the items read by their keys.
  const bare = await verifyPresentation(token, {
    ...options([statusListJwt(key, uri, [], now)]),
    labels: undefined,
  });
  expect(bare.valid).toBe(true);
  expect(bare.licence!.disclosed.find((d) => d.key === 'data.legalRepresentative')!.label).toBe(
    'legalRepresentative',
  );
});
