/**
 * Issue 16 Build 5 and 7 in real chromium at 390 × 844 (a phone): a using unit's verifier files a usage-list request
 * on 用证清单 (a licence type, full data, a service item, a purpose); the management unit's approver finds it in 待办
 * and approves it; the verifier's list then shows the new entry. The public service-item page answers whether paper
 * is needed, and the verifier's workbench pre-selects the licence types of the case's service item. No page
 * overflows horizontally. Screenshots go to test-artifacts/e2e-usage-list/.
 */
import type { Page } from 'playwright-core';
import { licenceUsageRequestWorkflowId } from '../../domain/licence-usage';
import { PHONE, useBrowserPlatform } from '../support/browser';
import { BUSINESS_LICENCE_CODE, FOOD_BUSINESS_CODE, IDENTITY_CARD_CODE } from '../support/licences';

const FOOD_ITEM = '000172008000';
const SOCIAL_INSURANCE_ITEM = '000133001000';

const e2e = useBrowserPlatform('e2e-usage-list');

async function expectNoHorizontalOverflow(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(client);
}

it('LM-14/LM-15: a request filed on 用证清单 is approved in 待办 and the list shows the new entry; the workbench pre-selects a service item’s types', async () => {
  // The public page, without a login.
  const visitor = await (await e2e.browser.newContext(PHONE)).newPage();
  await visitor.goto(`${e2e.t.url}/service-items/${FOOD_ITEM}`);
  const paper = visitor.locator('#service-item-licences tr[data-submission="paper"]');
  await expect(paper.textContent()).resolves.toContain('需纸质');
  await expect(
    visitor.locator(`#service-item-licences tr[data-type-code="${BUSINESS_LICENCE_CODE}"]`).textContent(),
  ).resolves.toContain('免提交');
  await expectNoHorizontalOverflow(visitor);
  await e2e.screenshot(visitor, '01-service-item');

  const verifier = await e2e.login('jc-hrss-verifier', PHONE);
  await verifier.goto(`${e2e.t.url}/usage-list`);
  await expectNoHorizontalOverflow(verifier);
  const form = verifier.locator('#usage-request-form');
  await form.locator(`input[name="types"][value="${FOOD_BUSINESS_CODE}"]`).check();
  await form.locator('input[name="fullData"][value="true"]').check();
  await form.locator(`input[name="serviceItems"][value="${FOOD_ITEM}"]`).check();
  await form.locator('textarea[name="purpose"]').fill('食品生产企业职工参保登记核验');
  await e2e.screenshot(verifier, '02-request-form');
  await form.locator('button[type="submit"]').click();
  await verifier.waitForURL(/filed=1/);
  const request = verifier.locator('#usage-requests tr', { hasText: '食品生产企业职工参保登记核验' });
  await expect(request.textContent()).resolves.toContain('审批中');
  await expect(request.textContent()).resolves.toContain('完整数据');
  await expectNoHorizontalOverflow(verifier);
  await e2e.screenshot(verifier, '03-request-filed');

  // 晋城市行政审批服务管理局 decides it in 待办.
  const approver = await e2e.login('jc-admin', PHONE);
  await approver.goto(`${e2e.t.url}/tasks`);
  const task = approver.locator('#task-list tr', { hasText: '用证清单申请：食品经营许可证' });
  await expectNoHorizontalOverflow(approver);
  await e2e.screenshot(approver, '04-approver-tasks');
  await task.locator('text=办理').click();
  await approver.waitForURL('**/approvals/**');
  await approver.locator('a.action-open', { hasText: /^同意$/ }).click();
  await approver.fill('dialog.action[open] textarea[name=comment]', '用途明确，同意');
  await approver.locator('dialog.action[open] button[type=submit]', { hasText: '确认同意' }).click();
  await approver.waitForURL(/done=approve/);
  await e2e.screenshot(approver, '05-approved');

  // The request's workflow records the decision; once it has ended, the list shows the entry.
  const requestId = (await request.getAttribute('data-id'))!;
  await e2e.t.platform.temporal.workflow.getHandle(licenceUsageRequestWorkflowId(requestId)).result();
  await verifier.reload();
  const entry = verifier.locator(`#usage-list-entries tr[data-type-code="${FOOD_BUSINESS_CODE}"]`);
  const text = await entry.textContent();
  expect(text).toContain('食品经营许可证');
  expect(text).toContain('完整数据');
  expect(text).toContain('食品经营许可');
  await expect(request.textContent()).resolves.toContain('已批准');
  await expectNoHorizontalOverflow(verifier);
  await e2e.screenshot(verifier, '06-list-entry');

  // The workbench: choosing the case's service item pre-selects the licence types it needs.
  await verifier.goto(`${e2e.t.url}/verifier`);
  await verifier.selectOption('#service-item-choice', SOCIAL_INSURANCE_ITEM);
  await verifier.fill('input[name="holderCode"]', '91140525MA0K7L2X01');
  await verifier.click('#lookup-form button[type="submit"]');
  await verifier.waitForURL(new RegExp(`serviceItem=${SOCIAL_INSURANCE_ITEM}`));
  const checked = await verifier
    .locator('#type-choices input[name="types"]:checked')
    .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value).sort());
  expect(checked).toEqual([BUSINESS_LICENCE_CODE, IDENTITY_CARD_CODE].sort());
  await expect(verifier.textContent('#service-item-hint')).resolves.toContain('社会保险登记');
  await expectNoHorizontalOverflow(verifier);
  await e2e.screenshot(verifier, '07-workbench-preselected');
});
