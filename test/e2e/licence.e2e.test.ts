/**
 * In real chromium, the life of a new licence type (issue 4): the platform administrator defines it in the
 * catalogue editor (with a face preview) and publishes it; 泽州县市场监督管理局 obtains the seal-use authorisation
 * (SM-12) and its business system issues a licence through the API; the issuing unit sees it on its licence page;
 * a citizen opens the printed copy, scans its QR code and lands on the public verification page, which says
 * PASSED and shows the licence masked.
 * Screenshots go to test-artifacts/e2e-licence/.
 */
import type { Page } from 'playwright-core';
import { LicenceType } from '../../db/licence-entities';
import { buildUscc } from '../../domain/uscc';
import { newPage, useBrowserPlatform } from '../support/browser';
import { decodeQrFromPng } from '../support/documents';
import { grantLicenceSealUse, issueLicence, randomUscc } from '../support/licences';

/** 晋城市城市管理局 defines the type: a city-level body with a valid USCC. */
const AUTHORITY_CODE = buildUscc('1', '1', '140500', 'MB177223');
const TYPE_CODE = `${AUTHORITY_CODE}001`;
const TYPE_NAME = '户外广告设施设置许可证';

// PUBLIC_URL points at this platform, so the QR code printed on a copy opens it.
const e2e = useBrowserPlatform('e2e-licence', { reachablePublicUrl: true });

// Twice the pixels: the QR code on a copy is 30 mm wide, and its modules must be several pixels to decode.
const SHARP = { deviceScaleFactor: 2 };
const loginAs = (username: string): Promise<Page> => e2e.login(username, SHARP);

it('an administrator defines a type in the UI; a licence issued under it verifies PASSED from its QR code', async () => {
  // 1. The platform administrator defines the type in the catalogue editor.
  const admin = await loginAs('jc-admin');
  await admin.goto(`${e2e.t.url}/licence-types`);
  await admin.click('text=新建证照类型');
  await admin.waitForURL('**/licence-types/new');
  await admin.fill('#code', TYPE_CODE);
  await admin.fill('#name', TYPE_NAME);
  await admin.fill('#authorityName', '晋城市城市管理局');
  await admin.fill('#authorityCode', AUTHORITY_CODE);
  await admin.selectOption('#authorityLevel', 'city');
  await admin.selectOption('#holderCategory', 'legal_person');
  await admin.selectOption('#sealKind', 'business');
  await admin.selectOption('#validityKind', 'fixed_term');
  await admin.fill('#validityYears', '2');
  await admin.check('input[name="issuingUnitIds"][value="zz-amr"]');

  await admin.fill('input[name="items.0.key"]', 'location');
  await admin.fill('input[name="items.0.label"]', '设置地点');
  await admin.check('input[name="items.0.required"]');
  await admin.fill('input[name="items.0.sample"]', '泽州县金村镇府城村东口');
  await admin.fill('input[name="items.1.key"]', 'contactPerson');
  await admin.fill('input[name="items.1.label"]', '联系人');
  await admin.check('input[name="items.1.required"]');
  await admin.check('input[name="items.1.sensitive"]');
  await admin.fill('input[name="items.1.sample"]', '赵文斌');
  await admin.click('[data-add-row="item"]');
  await admin.fill('input[name="items.2.key"]', 'specification');
  await admin.fill('input[name="items.2.label"]', '设施规格');
  await admin.check('input[name="items.2.required"]');
  await admin.fill('input[name="items.2.sample"]', '6 米 × 3 米 单立柱广告牌');
  await admin.click('#generate-template');
  expect(await admin.inputValue('#faceTemplate')).toContain('{{data.specification}}');

  await admin.click('#preview');
  await admin.waitForSelector('#face-preview .licence-face');
  expect(await admin.textContent('#face-preview')).toContain('6 米 × 3 米 单立柱广告牌');
  await e2e.screenshot(admin, '01-editor-preview');
  expect(await e2e.t.em().count(LicenceType, { code: TYPE_CODE })).toBe(0); // a preview saves nothing

  await admin.click('#publish');
  await admin.waitForURL(`**/licence-types/${TYPE_CODE}**`);
  expect(await admin.textContent('body')).toContain(TYPE_NAME);
  await e2e.screenshot(admin, '02-type-published');
  const published = await e2e.t.call('GET', '/api/license-types', { as: 'zz-amr-system' });
  const listed = (
    published.body.items as Array<{ code: string; version: number; dataItems: unknown[] }>
  ).find((x) => x.code === TYPE_CODE);
  expect(listed).toMatchObject({ version: 1 });
  expect(listed!.dataItems).toHaveLength(3);

  // 2. The unit's seal use for this type is approved (SM-12); its business system issues a licence.
  await grantLicenceSealUse(e2e.t, { typeCode: TYPE_CODE });
  const { licence } = await issueLicence(e2e.t, {
    licenceType: TYPE_CODE,
    caseId: `ZZ-GG-${Date.now()}`,
    caseClosedAt: new Date().toISOString(),
    licenceNumber: '泽城管广字〔2026〕第 0188 号',
    holder: { name: '晋城市丹河广告传媒有限公司', code: randomUscc() },
    data: {
      location: '泽州县金村镇府城村东口',
      contactPerson: '赵文斌',
      specification: '6 米 × 3 米 单立柱广告牌',
    },
  });
  const identifier = licence.identifier as string;

  // 3. The issuing unit sees it, with its face and signature.
  const issuer = await loginAs('zz-amr-issuer');
  await issuer.goto(`${e2e.t.url}/licences`);
  expect(await issuer.textContent(`tr[data-type-code="${TYPE_CODE}"]`)).toContain('可签发');
  expect(await issuer.textContent('#licence-list')).toContain('晋城市丹河广告传媒有限公司');
  await e2e.screenshot(issuer, '03-issuer-licences');
  await issuer.goto(`${e2e.t.url}/licences/${identifier}`);
  expect(await issuer.textContent('body')).toContain('赵文斌');
  await e2e.screenshot(issuer, '04-issuer-licence');

  // 4. Anyone with the printed copy (printed from the issuer's page, with the licence's access code) scans its QR
  // code and lands on the verification page, which shows the masked face only with that code (issue 11).
  const copyHref = await issuer.getAttribute('#copy-link', 'href');
  const code = new URL(copyHref!, e2e.t.url).searchParams.get('code');
  expect(code).toMatch(/^[0-9A-Z]{10}$/);
  const citizen = await newPage(e2e.browser, SHARP);
  await citizen.goto(`${e2e.t.url}${copyHref}`);
  expect(await citizen.textContent('body')).toContain('视同复印件');
  expect(await citizen.textContent('body')).not.toContain('赵文斌'); // masked on copies (SM-10)
  await e2e.screenshot(citizen, '05-printed-copy');
  const qrUrl = decodeQrFromPng(await citizen.locator('.face-qr svg').screenshot());
  expect(qrUrl).toBe(`${e2e.t.platform.ctx.config.publicUrl}/verify/${identifier}?code=${code}`);

  await citizen.goto(qrUrl!);
  const result = citizen.locator('[data-indication]').first();
  expect(await result.getAttribute('data-indication')).toBe('PASSED');
  expect(await citizen.textContent('body')).toContain('核验通过');
  expect(await citizen.textContent('body')).toContain('赵**');
  expect(await citizen.textContent('body')).not.toContain('赵文斌');
  await e2e.screenshot(citizen, '06-verification-passed');
});
