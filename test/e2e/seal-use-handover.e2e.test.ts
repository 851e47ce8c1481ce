/**
 * In real chromium on a 390 px phone (issue 15 Build 3, SM-12): the unit leader (zz-amr-leader) finds the decision
 * on a leaving person's standing licence-signing authorisation in 待办 with its deadline, opens its page, keeps the
 * authorisation for a person chosen in the modal dialog's list, and reads the decision; no horizontal overflow.
 * Screenshots go to test-artifacts/e2e-seal-use-handover/.
 */
import type { Page } from 'playwright-core';
import { SealUseAuthorisation, SealUseHandover } from '../../db/seal-use-entities';
import { PHONE, useBrowserPlatform } from '../support/browser';
import { BUSINESS_LICENCE_CODE, grantLicenceSealUse } from '../support/licences';
import { textProblems } from '../support/page-check';

const SUITE = 'e2e-seal-use-handover';
const e2e = useBrowserPlatform(SUITE);

/** The page-check crawler's text rules (no English, no `undefined`…) on what the page shows. */
const shownProblems = async (page: Page) => textProblems(await page.evaluate(() => document.body.innerText));

const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

it('the leader keeps a leaving person’s licence-signing authorisation for a chosen person on a phone', async () => {
  const { t } = e2e;
  const granted = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  const left = await t.call('POST', '/api/people/user-zz-amr-clerk/deactivate', {
    as: 'zz-admin',
    body: { reason: '离职' },
  });
  expect(left.status).toBe(200);
  const row = await t
    .em()
    .fork()
    .findOneOrFail(SealUseHandover, { authorisationId: granted.authorisationId, status: 'pending' });

  const page = await e2e.login('zz-amr-leader', {
    ...PHONE,
    next: '/tasks',
  });
  const link = page.locator(`a[href="/seal-use-handovers/${encodeURIComponent(row.id)}"]`).first();
  await link.waitFor();
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  await e2e.screenshot(page, '01-tasks-phone');
  await link.click();
  await page.waitForSelector('#handover-summary');
  expect(await page.textContent('#handover-usable')).toContain('仍可用于平台签发证照');
  expect(await page.textContent('#handover-due')).toMatch(/\d+月\d+日 24:00/);
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  expect(await shownProblems(page)).toEqual([]);
  await e2e.screenshot(page, '02-handover-phone');

  // 保留授权 opens the modal dialog; the list offers only eligible people.
  await page.click('a[data-dialog="handover-keep"]');
  await page.waitForSelector('#handover-keep[open]');
  const options = await page.$$eval('#handover-keep-grantee option', (os) =>
    os.map((o) => (o as HTMLOptionElement).value).filter(Boolean),
  );
  expect(options.sort()).toEqual(['zz-amr-deputy', 'zz-amr-leader']);
  await page.selectOption('#handover-keep-grantee', 'zz-amr-deputy');
  await e2e.screenshot(page, '03-keep-dialog-phone');
  await page.click('#handover-keep button[type=submit]');
  await page.waitForSelector('#handover-decision');
  expect(await page.textContent('#handover-decision')).toContain('保留授权，交由马红使用');
  expect(await page.textContent('.flash')).toContain('已保留授权');
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  expect(await shownProblems(page)).toEqual([]);
  await e2e.screenshot(page, '04-decided-phone');
  const a = await t
    .em()
    .fork()
    .findOneOrFail(SealUseAuthorisation, { id: granted.authorisationId }, { disableIdentityMap: true });
  expect(a).toMatchObject({ status: 'active', granteeId: 'user-zz-amr-deputy' });
});
