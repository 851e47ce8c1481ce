/**
 * In real chromium (issue 15 Build 6): the county's administrator (zz-admin, 泽州县) opens the organisation tree,
 * renames a unit through the reorganisation wizard (/organisations/:id/reorganise: the new name and USCC, the
 * preview of what moves, the confirmation, the progress page until done), then on a phone moves a person to the
 * renamed unit on the person's page, and reads a unit page with its seals' custodians; at 1366 px and at 390 px,
 * with no horizontal overflow on the phone. Screenshots go to test-artifacts/e2e-organisations/.
 */
import type { Page } from 'playwright-core';
import { AppUser, Organisation } from '../../db/entities';
import { DESK, PHONE_VIEWPORT, useBrowserPlatform } from '../support/browser';
import { randomUscc } from '../support/licences';

const NEW_NAME = '泽州县住房和城乡建设管理局';

const e2e = useBrowserPlatform('e2e-organisations');

const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

it('renames a unit through the reorganisation wizard and moves a person to it', async () => {
  const page = await e2e.login('zz-admin', DESK);
  await page.goto(`${e2e.t.url}/organisations`);
  await page.waitForSelector('#jurisdiction-140525 tr[data-unit=zz-housing]');
  await e2e.screenshot(page, '01-tree');

  // The wizard: chosen on the unit's page; the new name and USCC; the preview; the confirmation.
  await page.click('#jurisdiction-140525 tr[data-unit=zz-housing] a');
  await page.waitForSelector('#unit-name');
  await page.click('#unit-reorganise');
  await page.waitForSelector('#reorganise-form');
  const uscc = randomUscc();
  await page.fill('#reorganise-form input[name=name]', NEW_NAME);
  await page.fill('#reorganise-form input[name=uscc]', uscc);
  await page.fill('#reorganise-form input[name=reason]', '机构改革，更名');
  await e2e.screenshot(page, '02-wizard-name');
  await page.click('#reorganise-next');
  await page.waitForSelector('#reorganise-preview');
  expect(await page.textContent('#reorganise-preview')).toContain(`将更名为“${NEW_NAME}”`);
  await e2e.screenshot(page, '03-wizard-preview');
  await page.click('#reorganise-confirm');
  // The progress page refreshes itself while the reorganisation workflow runs.
  await page.waitForSelector('#reorganisation-done', { timeout: 60_000 });
  expect(await page.textContent('#reorganisation-progress')).toContain(uscc);
  await e2e.screenshot(page, '04-wizard-done');
  const progressUrl = new URL(page.url()).pathname;
  expect(progressUrl).toMatch(/^\/reorganisations\/[^/]+$/);
  const successor = await e2e.t.em().fork().findOneOrFail(Organisation, { name: NEW_NAME, uscc });
  const predecessor = await e2e.t.em().fork().findOneOrFail(Organisation, { id: 'zz-housing' });
  expect(predecessor.successorId).toBe(successor.id);

  // A phone: the person's page, moving 马红 (a seal applicant of 泽州县市场监督管理局) to the renamed unit.
  const phone = await e2e.login('zz-admin', {
    viewport: PHONE_VIEWPORT,
    isMobile: true,
    hasTouch: true,
  });
  await phone.goto(`${e2e.t.url}${progressUrl}`);
  await phone.waitForSelector('#reorganisation-done');
  expect(await overflow(phone)).toBeLessThanOrEqual(0);
  await e2e.screenshot(phone, '05-wizard-done-390');
  await phone.goto(`${e2e.t.url}/people/user-zz-amr-deputy`);
  await phone.waitForSelector('#person-name');
  expect(await overflow(phone)).toBeLessThanOrEqual(0);
  await phone.click('#person-edit summary');
  await phone.selectOption('#person-org', successor.id);
  await phone.fill('#person-reason', '调岗');
  await e2e.screenshot(phone, '06-person-move-390');
  await phone.click('#person-edit-form button[type=submit]');
  await phone.waitForSelector(`#person-unit:has-text("${NEW_NAME}")`, { timeout: 20_000 });
  expect(await phone.textContent('#person-history')).toContain('调动单位');
  expect(await overflow(phone)).toBeLessThanOrEqual(0);
  await e2e.screenshot(phone, '07-person-moved-390');
  expect((await e2e.t.em().fork().findOneOrFail(AppUser, { username: 'zz-amr-deputy' })).organisationId).toBe(
    successor.id,
  );

  // The renamed unit's page lists 马红; a unit page shows its seals with their custodians, on a phone too.
  await phone.goto(`${e2e.t.url}/organisations/${encodeURIComponent(successor.id)}`);
  await phone.waitForSelector('#unit-people tr[data-person=zz-amr-deputy]');
  expect(await overflow(phone)).toBeLessThanOrEqual(0);
  await e2e.screenshot(phone, '08-renamed-unit-390');
  await phone.goto(`${e2e.t.url}/organisations/zz-amr`);
  await phone.waitForSelector('#unit-seals .seal-custodian');
  expect(await phone.textContent('#unit-seals')).toContain('郭志强'); // the seeded licence seal's custodian
  expect(await overflow(phone)).toBeLessThanOrEqual(0);
  await e2e.screenshot(phone, '09-unit-seals-custodians-390');
});
