/**
 * In real chromium (issue 15 Build 6): the county's administrator (zz-admin, 泽州县) opens the organisation tree,
 * renames a unit on its page (a new version with its date, shown in the history) and moves a person to another
 * unit on the person's page, at 1366 px and at 390 px. Screenshots go to test-artifacts/e2e-organisations/.
 */
import type { Browser } from 'playwright-core';
import { AppUser, Organisation } from '../../db/entities';
import { launchChromium, loginPage, screenshot } from '../support/browser';
import { startTestPlatform, TestPlatform } from '../support/platform';

const SUITE = 'e2e-organisations';
let t: TestPlatform;
let browser: Browser;

beforeAll(async () => {
  t = await startTestPlatform();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

it('renames a unit and moves a person through the pages', async () => {
  const page = await loginPage(browser, t.url, 'zz-admin', { viewport: { width: 1366, height: 900 } });
  await page.goto(`${t.url}/organisations`);
  await page.waitForSelector('#jurisdiction-140525 tr[data-unit=zz-housing]');
  await screenshot(page, SUITE, '01-tree');

  await page.click('#jurisdiction-140525 tr[data-unit=zz-housing] a');
  await page.waitForSelector('#unit-name');
  await page.click('#unit-edit summary');
  await page.fill('#edit-name', '泽州县住房和城乡建设管理局');
  await page.fill('#edit-reason', '机构改革，更名');
  await page.click('#organisation-edit-form button[type=submit]');
  await page.waitForSelector('#unit-name:has-text("泽州县住房和城乡建设管理局")');
  const history = await page.textContent('#unit-history');
  expect(history).toContain('机构改革，更名');
  expect(history).toContain('泽州县住房和城乡建设局'); // the name before, as version 1
  await screenshot(page, SUITE, '02-unit-renamed');
  expect((await t.em().fork().findOneOrFail(Organisation, { id: 'zz-housing' })).name).toBe(
    '泽州县住房和城乡建设管理局',
  );

  // A phone: the person's page, moving 马红 (a seal applicant of 泽州县市场监督管理局) to the renamed unit.
  const phone = await loginPage(browser, t.url, 'zz-admin', {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  await phone.goto(`${t.url}/people/user-zz-amr-deputy`);
  await phone.waitForSelector('#person-name');
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await phone.click('#person-edit summary');
  await phone.selectOption('#person-org', 'zz-housing');
  await phone.fill('#person-reason', '调岗');
  await screenshot(phone, SUITE, '03-person-move-390');
  await phone.click('#person-edit-form button[type=submit]');
  await phone.waitForSelector('#person-unit:has-text("泽州县住房和城乡建设管理局")', { timeout: 20_000 });
  expect(await phone.textContent('#person-history')).toContain('调动单位');
  await screenshot(phone, SUITE, '04-person-moved-390');
  expect((await t.em().fork().findOneOrFail(AppUser, { username: 'zz-amr-deputy' })).organisationId).toBe(
    'zz-housing',
  );
});
