/**
 * Issue 16 in real chromium at 390 × 844 (a phone): the company holder signs in and lands on 我的证照, shows a
 * licence by 亮证 with two items hidden; a using unit's verifier finds the licence by holder code on the workbench,
 * uploads the QR code's image in place of the camera, the page verifies it offline in the browser, and the
 * verifier archives it to a case. No page overflows horizontally. Screenshots go to test-artifacts/e2e-holder-portal/.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { DEMO_ENTERPRISE_USCC } from '../../seed/demo-licensing';
import { PHONE, useBrowserPlatform } from '../support/browser';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';

let identifier: string;

const e2e = useBrowserPlatform('e2e-holder-portal', { reachablePublicUrl: true });
beforeAll(async () => {
  await grantLicenceSealUse(e2e.t, { typeCode: BUSINESS_LICENCE_CODE });
  const body = businessLicenceBody({
    holder: { name: '晋城市兴晋煤业有限公司', code: DEMO_ENTERPRISE_USCC },
    data: { legalRepresentative: '王志刚' },
  });
  identifier = (await issueLicence(e2e.t, body)).licence.identifier;
});

/** Signs in; on failure the page it got stuck on is kept as a screenshot and its address reported. */
async function signIn(username: string): Promise<Page> {
  try {
    return await e2e.login(username, PHONE);
  } catch (err) {
    for (const context of e2e.browser.contexts()) {
      for (const page of context.pages()) {
        await e2e.screenshot(page, `login-failed-${username}`);
        throw new Error(`${username}: stuck at ${page.url()}: ${(err as Error).message}`);
      }
    }
    throw err;
  }
}

async function expectNoHorizontalOverflow(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(client);
}

it('a holder shows 亮证 with two items hidden on a phone; a verifier’s page verifies it from the QR image and archives it', async () => {
  const holder = await signIn('holder-xingjin');
  expect(new URL(holder.url()).pathname).toBe('/my/licences');
  const card = holder.locator(`section.lic[data-identifier="${identifier}"]`);
  await expect(card.textContent()).resolves.toContain('王志刚');
  await expect(card.locator('h2 .badge').textContent()).resolves.toBe('有效');
  await expectNoHorizontalOverflow(holder);
  await e2e.screenshot(holder, '01-my-licences');

  await card.locator('input[value="holderCode"]').uncheck();
  await card.locator('input[value="data.legalRepresentative"]').uncheck();
  await card.locator('form.present-form button').click();
  const qr = card.locator('.qr-box svg');
  await qr.waitFor();
  await expectNoHorizontalOverflow(holder);
  await e2e.screenshot(holder, '02-present-qr');
  const qrFile = path.join(e2e.dir, 'present-qr.png');
  await card.locator('.qr-box').screenshot({ path: qrFile });

  const verifier = await signIn('jc-hrss-verifier');
  const pageErrors: string[] = [];
  verifier.on('pageerror', (err) => pageErrors.push(err.message));
  verifier.on('console', (msg) => msg.type() === 'error' && pageErrors.push(msg.text()));
  expect(new URL(verifier.url()).pathname).toBe('/verifier');
  await verifier.fill('input[name="holderCode"]', DEMO_ENTERPRISE_USCC);
  await verifier.click('form[action="/verifier"] button');
  await verifier.waitForSelector('#lookup-results');
  expect(await verifier.textContent('#lookup-results')).toContain(identifier);
  await expectNoHorizontalOverflow(verifier);
  await e2e.screenshot(verifier, '03-verifier-lookup');

  await verifier.setInputFiles('#pv-file', qrFile);
  await verifier.waitForSelector('#pv-result[data-reason]').catch(async (err: Error) => {
    await e2e.screenshot(verifier, '04-verifier-no-result');
    const shown = await verifier.textContent('#pv-result');
    throw new Error(`${err.message}\npage shows: ${shown}\npage errors: ${pageErrors.join('\n')}`);
  });
  expect(await verifier.getAttribute('#pv-result', 'data-reason')).toBe('valid');
  const shown = await verifier.textContent('#pv-items');
  expect(shown).toContain('晋城市兴晋煤业有限公司');
  expect(shown).toContain('2 项');
  // The labels are not in the token: the page fetched the catalogue's with the key.
  expect(shown).toContain('经营范围');
  expect(shown).not.toContain('王志刚');
  expect(shown).not.toContain(DEMO_ENTERPRISE_USCC);
  await expectNoHorizontalOverflow(verifier);
  await e2e.screenshot(verifier, '04-verifier-result');

  await verifier.fill('#pv-archive input[name="caseRef"]', 'SB-2026-0042');
  await verifier.click('#pv-archive button');
  await verifier.waitForURL('**/verifier#archive').catch(async (err: Error) => {
    await e2e.screenshot(verifier, '05-archive-failed');
    throw new Error(`${err.message}\nstuck at ${verifier.url()}: ${await verifier.textContent('main')}`);
  });
  const row = verifier.locator('tr.archive-entry', { hasText: 'SB-2026-0042' });
  await expect(row.textContent()).resolves.toContain('PASSED');
  await expect(row.textContent()).resolves.toContain('valid');
  await expectNoHorizontalOverflow(verifier);
  await e2e.screenshot(verifier, '05-archived');

  // The same QR scanned again is a replay.
  await verifier.setInputFiles('#pv-file', qrFile);
  await verifier.waitForFunction(
    () => document.querySelector('#pv-result')?.getAttribute('data-reason') === 'replayed',
  );
});
