/**
 * Issue 16 Build 7 (WP-(一)1, LM-15) on real services: the public service items, over JSON and as pages, say for each
 * licence a service item needs whether paper is still required; the verifier's workbench pre-selects the licence
 * types of the case's service item; a usage-list request names its service items (unknown ones are refused); the
 * public endpoints are rate limited per address.
 */
import { BUSINESS_LICENCE_CODE, FOOD_BUSINESS_CODE, IDENTITY_CARD_CODE } from '../support/licences';
import { HttpResult, startTestPlatform, TestPlatform } from '../support/platform';

const FOOD_ITEM = '000172008000';
const SOCIAL_INSURANCE_ITEM = '000133001000';
const PUBLIC_READS_PER_MINUTE = 40;
let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform({
    runWorker: true,
    env: { RATE_LIMIT_VERIFY_PER_MINUTE: String(PUBLIC_READS_PER_MINUTE) },
  });
}, 120_000);
afterAll(() => t?.stop());

/** The rows of a cards table: each row's `data-*` attributes and its text without tags. */
function rows(html: string, tableId: string): Array<{ attrs: string; text: string }> {
  const table = html.slice(
    html.indexOf(`id="${tableId}"`),
    html.indexOf('</table>', html.indexOf(`id="${tableId}"`)),
  );
  return [...table.matchAll(/<tr([^>]*)>([\s\S]*?)<\/tr>/g)].map((m) => ({
    attrs: m[1],
    text: m[2]
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  }));
}

it('WP-(一)1/LM-15: a service item’s licences say, without a login, whether paper is still required', async () => {
  const list = await t.call('GET', '/api/service-items');
  expect(list.status).toBe(200);
  expect(list.body.items).toContainEqual(
    expect.objectContaining({ code: FOOD_ITEM, name: '食品经营许可', licenceCount: 3 }),
  );

  const item = await t.call('GET', `/api/service-items/${FOOD_ITEM}`);
  expect(item.status).toBe(200);
  expect(item.body).toMatchObject({ name: '食品经营许可', organisationName: '泽州县市场监督管理局' });
  expect(item.body.licences).toEqual([
    expect.objectContaining({
      licenceName: '营业执照',
      typeCode: BUSINESS_LICENCE_CODE,
      submission: 'exempt',
      submissionLabel: '免提交',
    }),
    expect.objectContaining({
      licenceName: '居民身份证',
      typeCode: IDENTITY_CARD_CODE,
      submission: 'electronic',
      submissionLabel: '可用电子证照',
    }),
    expect.objectContaining({
      licenceName: '食品从业人员健康证明',
      typeCode: null,
      submission: 'paper',
      submissionLabel: '需纸质',
    }),
  ]);
  // The catalogue's 食品经营许可证 names this item as the one that issues it.
  expect(item.body.issues).toEqual([{ typeCode: FOOD_BUSINESS_CODE, name: '食品经营许可证' }]);
  expect((await t.call('GET', '/api/service-items/000000000000')).status).toBe(404);
  expect((await t.call('GET', '/api/service-items/not-a-code')).status).toBe(404);

  const listPage = await t.call<string>('GET', '/service-items');
  expect(listPage.status).toBe(200);
  expect(rows(listPage.body, 'service-item-list').map((r) => r.text)).toContainEqual(
    expect.stringContaining(`食品经营许可 ${FOOD_ITEM} 泽州县市场监督管理局 3 项`),
  );
  const page = await t.call<string>('GET', `/service-items/${FOOD_ITEM}`);
  expect(page.status).toBe(200);
  const licences = rows(page.body, 'service-item-licences').slice(1);
  expect(licences.map((r) => r.text.split(' ').slice(0, 2).join(' '))).toEqual([
    '营业执照 免提交',
    '居民身份证 可用电子证照',
    '食品从业人员健康证明 需纸质',
  ]);
  expect(licences[2].attrs).toContain('data-submission="paper"');
  expect((await t.call<string>('GET', '/service-items/000000000000')).status).toBe(404);
});

it('LM-15: the verifier’s workbench pre-selects the licence types of the case’s service item', async () => {
  const ticked = (html: string) =>
    [...html.matchAll(/<input type="checkbox" name="types" value="([^"]+)" checked>/g)]
      .map((m) => m[1])
      .sort();
  const chosen = await t.call<string>('GET', `/verifier?serviceItem=${SOCIAL_INSURANCE_ITEM}`, {
    as: 'jc-hrss-verifier',
  });
  expect(chosen.status).toBe(200);
  expect(chosen.body).toContain(`<option value="${SOCIAL_INSURANCE_ITEM}" selected>社会保险登记</option>`);
  expect(ticked(chosen.body)).toEqual([BUSINESS_LICENCE_CODE, IDENTITY_CARD_CODE].sort());
  // Ticked by the verifier for the same item: their choice stands.
  const narrowed = await t.call<string>(
    'GET',
    `/verifier?serviceItem=${SOCIAL_INSURANCE_ITEM}&typesFor=${SOCIAL_INSURANCE_ITEM}&types=${IDENTITY_CARD_CODE}`,
    { as: 'jc-hrss-verifier' },
  );
  expect(ticked(narrowed.body)).toEqual([IDENTITY_CARD_CODE]);
  // No service item: nothing pre-selected.
  expect(ticked((await t.call<string>('GET', '/verifier', { as: 'jc-hrss-verifier' })).body)).toEqual([]);
});

it('LM-14/LM-15: a usage-list request names its service items; an unknown one is refused and nothing is filed', async () => {
  const body = { typeCode: FOOD_BUSINESS_CODE, purpose: '核验食品经营许可', fullData: false };
  const before = (await t.call('GET', '/api/usage-list-requests', { as: 'jc-hrss-verifier' })).body.items
    .length;
  const unknown = await t.call('POST', '/api/usage-list-requests', {
    as: 'jc-hrss-verifier',
    body: { ...body, serviceItems: ['000000000000'] },
  });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.details[0]).toMatchObject({ field: 'serviceItems', rule: 'known_service_item' });
  const malformed = await t.call('POST', '/api/usage-list-requests', {
    as: 'jc-hrss-verifier',
    body: { ...body, serviceItems: ['食品'] },
  });
  expect(malformed.status).toBe(400);
  expect(malformed.body.error.details[0].field).toBe('serviceItems.0');
  expect(
    (await t.call('GET', '/api/usage-list-requests', { as: 'jc-hrss-verifier' })).body.items,
  ).toHaveLength(before);

  const filed = await t.call('POST', '/api/usage-list-requests', {
    as: 'jc-hrss-verifier',
    body: { ...body, serviceItems: [FOOD_ITEM] },
  });
  expect(filed.status).toBe(201);
  expect(filed.body.serviceItems).toEqual([{ code: FOOD_ITEM, name: '食品经营许可' }]);
  const page = await t.call<string>('GET', '/usage-list', { as: 'jc-hrss-verifier' });
  expect(page.status).toBe(200);
  expect(rows(page.body, 'usage-requests').map((r) => r.text)).toContainEqual(
    expect.stringContaining('食品经营许可证 脱敏数据 核验食品经营许可 食品经营许可 审批中'),
  );
  // Not a using unit's staff: no page.
  expect((await t.call<string>('GET', '/usage-list', { as: 'holder-xingjin' })).status).toBe(403);
});

it('the public service-item endpoints are rate limited per address (429 with Retry-After)', async () => {
  let refused: HttpResult | undefined;
  for (let i = 0; i <= PUBLIC_READS_PER_MINUTE && !refused; i++) {
    const res = await t.call('GET', '/api/service-items');
    if (res.status === 429) refused = res;
    else expect(res.status).toBe(200);
  }
  expect(refused?.body.error.code).toBe('TOO_MANY_REQUESTS');
  expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await t.call<string>('GET', `/service-items/${FOOD_ITEM}`)).status).toBe(429);
});
