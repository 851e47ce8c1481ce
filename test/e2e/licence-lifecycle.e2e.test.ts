/**
 * Issue 12 Build 7, in real chromium: 泽州县市场监督管理局's licence issuer records a pledge (质押) and its release
 * (解除质押) from a licence's page; the page's timeline shows each with its basis, actor, time and signature, and the
 * status follows (中止 while pledged, 有效 after); a pledge without the pledgee is refused naming the field.
 * Screenshots go to test-artifacts/e2e-licence-lifecycle/.
 */
import type { Page } from 'playwright-core';
import { useBrowserPlatform } from '../support/browser';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';

const e2e = useBrowserPlatform('e2e-licence-lifecycle');
beforeAll(async () => {
  await grantLicenceSealUse(e2e.t, { typeCode: BUSINESS_LICENCE_CODE });
});

async function submitEvent(page: Page, kind: string, fields: Record<string, string>) {
  await page.selectOption('#event-kind', kind);
  await page.fill('#event-legal-basis', '《中华人民共和国民法典》第四百四十条');
  await page.fill(
    '#event-reason',
    kind === 'pledge' ? '以营业执照项下权利出质担保贷款' : '贷款已清偿，质权人申请解除',
  );
  for (const [selector, value] of Object.entries(fields)) await page.fill(selector, value);
  await page.click('#event-submit');
  await page.waitForLoadState('load');
}

it('issue 12 Build 7: an issuer records a pledge and its release from the licence page; the timeline shows both', async () => {
  const { licence } = await issueLicence(e2e.t, businessLicenceBody());
  const page = await e2e.login('zz-amr-issuer');
  await page.goto(`${e2e.t.url}/licences/${licence.identifier}`);
  await page.waitForSelector('#licence-timeline-empty');

  // Refused: a pledge names its pledgee.
  await submitEvent(page, 'pledge', {});
  expect(await page.textContent('#event-errors')).toContain('质权人');
  await e2e.screenshot(page, '1-pledge-without-pledgee');

  await submitEvent(page, 'pledge', { '#event-pledgee': '晋城银行泽州支行' });
  await page.waitForSelector('#flash');
  expect(await page.textContent('#licence-status')).toContain('中止');
  const pledge = page.locator('#licence-timeline li[data-kind="pledge"]');
  expect(await pledge.getAttribute('data-status')).toBe('recorded');
  expect(await pledge.locator('.event-label').textContent()).toBe('质押');
  const text = await pledge.textContent();
  expect(text).toContain('晋城银行泽州支行');
  expect(text).toContain('《中华人民共和国民法典》第四百四十条');
  expect(text).toContain('陈晓东');
  expect(text).toContain('泽州县市场监督管理局证照专用章');
  await e2e.screenshot(page, '2-pledged');

  await submitEvent(page, 'pledge_release', {});
  const release = page.locator('#licence-timeline li[data-kind="pledge_release"][data-status="recorded"]');
  expect(await release.locator('.event-label').textContent()).toBe('解除质押');
  expect(await page.textContent('#licence-status')).toContain('有效');
  expect(await page.locator('#licence-timeline li').count()).toBe(2);
  await e2e.screenshot(page, '3-pledge-released');

  // The API agrees.
  const history = await e2e.t.call('GET', `/api/licenses/${licence.identifier}/events`, {
    as: 'zz-amr-issuer',
  });
  expect(history.body.items.map((e: { kind: string }) => e.kind)).toEqual(['pledge', 'pledge_release']);
});

it('issue 12 Build 7: staff of another role see the timeline but no form', async () => {
  const { licence } = await issueLicence(e2e.t, businessLicenceBody());
  const page = await e2e.login('jc-admin');
  await page.goto(`${e2e.t.url}/licences/${licence.identifier}`);
  await page.waitForSelector('#licence-timeline-card');
  expect(await page.locator('#event-form').count()).toBe(0);
});
