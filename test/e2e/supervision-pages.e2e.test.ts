/**
 * Issue 14 (LM-28, LM-9) in real chromium: the county supervisor draws a random sample of 泽州县市场监督管理局's
 * licences from 随机抽查 and records the first licence's checklist at 1366 px; on a phone (390 px) records the
 * second one's (data incomplete) and follows the finding's link; then opens a flagged announced case from the SLA
 * dashboard. Screenshots go to test-artifacts/e2e-supervision-pages/.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { DESK, PHONE, useBrowserPlatform } from '../support/browser';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';

const SUITE = 'e2e-supervision-pages';
const SUPERVISOR = 'zz-approval-supervisor';
const e2e = useBrowserPlatform(SUITE);

beforeAll(async () => {
  await grantLicenceSealUse(e2e.t, { typeCode: BUSINESS_LICENCE_CODE });
}, 180_000);

/** Keeps a screenshot of a page whose text is whole and, on a phone, as wide as the screen. */
async function keep(page: Page, name: string) {
  expect(await page.textContent('main')).not.toMatch(/\[object Object\]|undefined|null|NaN/);
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(client);
  await e2e.screenshot(page, name);
}

it('a supervisor draws a sample and records its checklist at 1366 and 390 px, then opens a flagged case from the SLA dashboard', async () => {
  const { t } = e2e;
  const a = (await issueLicence(t, businessLicenceBody())).licence.identifier as string;
  const b = (await issueLicence(t, businessLicenceBody())).licence.identifier as string;
  const caseId = `ZZ-E2E-${randomUUID()}`;
  const announced = await t.call('POST', '/api/cases', {
    as: 'zz-amr-system',
    body: {
      caseId,
      licenceType: BUSINESS_LICENCE_CODE,
      closedAt: new Date(Date.now() - 10 * 86_400_000).toISOString(),
    },
  });
  expect(announced.status).toBe(201);

  const desk = await e2e.login(SUPERVISOR, DESK);
  expect(await desk.locator('#mainnav a[href="/supervision/samples"]').count()).toBe(1);
  await desk.goto(`${t.url}/supervision/samples`);
  await desk.selectOption('#draw-form select[name="organisationId"]', 'zz-amr');
  await desk.fill('#draw-form input[name="size"]', '100');
  await desk.click('#draw-form button[type="submit"]');
  await desk.waitForURL(/\/supervision\/samples\/[0-9a-f-]{36}\?flash=drawn$/);
  const sampleUrl = desk.url().replace(/\?.*$/, '');
  await keep(desk, '01-sample-drawn-1366');

  const cardA = desk.locator(`section[data-identifier="${a}"]`);
  await cardA.locator('input[name="dataComplete"][value="true"]').check();
  await cardA.locator('input[name="faceReadable"][value="true"]').check();
  await cardA.locator('textarea[name="remark"]').fill('照面清晰，数据齐全');
  await cardA.locator('button[type="submit"]').click();
  await desk.waitForURL(/flash=checked/);
  expect(await desk.locator(`section[data-identifier="${a}"]`).textContent()).toContain('核查合格');
  expect(await desk.textContent('#sample-checked')).toBe('1');
  await keep(desk, '02-first-checked-1366');

  const phone = await e2e.login(SUPERVISOR, PHONE);
  await phone.goto(sampleUrl);
  const cardB = phone.locator(`section[data-identifier="${b}"]`);
  await cardB.locator('input[name="dataComplete"][value="false"]').check();
  await cardB.locator('input[name="faceReadable"][value="true"]').check();
  await keep(phone, '03-checklist-form-390');
  await cardB.locator('button[type="submit"]').click();
  await phone.waitForURL(/flash=checked/);
  expect(await phone.textContent('#sample-checked')).toBe('2');
  await keep(phone, '04-second-checked-390');
  await phone.locator(`section[data-identifier="${b}"] .check-findings a`).first().click();
  await phone.waitForURL(/\/supervision\/findings#finding-/);
  await keep(phone, '05-finding-390');

  // The flagged case, from the SLA dashboard to its page.
  for (let i = 0; i < 300; i++) {
    const res = await t.call('GET', `/api/cases/${caseId}`, { as: 'zz-amr-system' });
    if (res.body.status === 'flagged') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await desk.goto(`${t.url}/supervision/sla`);
  await desk.click(`a:text("办件 ${caseId}")`);
  await desk.waitForURL(/\/supervision\/cases\/[0-9a-f-]{36}$/);
  expect(await desk.textContent('#case-status')).toBe('逾期未归集');
  await keep(desk, '06-flagged-case-1366');
  await phone.goto(desk.url());
  await keep(phone, '07-flagged-case-390');
}, 240_000);
