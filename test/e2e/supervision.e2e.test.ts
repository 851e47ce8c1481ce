/**
 * Issue 14 (LM-28, LM-30) in real chromium: the county management unit's supervisor runs supervision from the
 * 监督检查 page (1366 px), finds the paper demanded in a simulated service request, and orders 泽州县市场监督管理局 to
 * rectify it; the unit's designated person (named by its leader, LM-24) finds the order on a phone (390 px) and
 * submits a rectification report; the supervisor accepts it. The SLA dashboard (/supervision/sla) counts the open
 * order before and after. Screenshots go to test-artifacts/e2e-supervision/.
 */
import type { Page } from 'playwright-core';
import { DESK, PHONE, useBrowserPlatform } from '../support/browser';

const SUPERVISOR = 'zz-approval-supervisor';
const DESIGNATED = 'zz-amr-issuer';

const e2e = useBrowserPlatform('e2e-supervision');

async function expectNoHorizontalOverflow(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(client);
}

/** Keeps a screenshot of a page whose text is whole: no unrendered values. */
async function keep(page: Page, name: string) {
  expect(await page.textContent('main')).not.toMatch(/\[object Object\]|undefined|null|NaN/);
  await e2e.screenshot(page, name);
}

/** Runs `step`; on failure keeps a screenshot and reports where the page was and what it showed. */
async function step<T>(page: Page, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    await e2e.screenshot(page, `failed-${name}`);
    const shown = await page.textContent('main').catch(() => '');
    throw new Error(`${name}: ${(err as Error).message}\nat ${page.url()}: ${shown}`);
  }
}

/** The rectification row of the SLA dashboard: open and overdue counts. */
async function slaRectification(page: Page) {
  await page.goto(`${e2e.t.url}/supervision/sla`);
  const row = page.locator('tr[data-kind="rectification"]');
  return {
    open: Number(await row.locator('.open-count').textContent()),
    overdue: Number(await row.locator('.overdue-count').textContent()),
  };
}

it('a supervisor runs supervision and orders rectification; the designated person reports; the supervisor accepts; the SLA dashboard counts it', async () => {
  // Setup through the API: the unit's designated person (LM-24), and a simulated request in which paper was demanded.
  const designate = await e2e.t.call('PUT', '/api/organisations/zz-amr/designated-staff', {
    as: 'zz-amr-leader',
    body: { responsible: DESIGNATED },
  });
  expect(designate.status).toBe(200);
  const simulated = await e2e.t.call('POST', '/api/supervision/simulated-requests', {
    as: SUPERVISOR,
    body: { organisationId: 'zz-amr', serviceItem: '食品经营许可（新办）', paperDemanded: true },
  });
  expect(simulated.status).toBe(201);

  const supervisor = await e2e.login(SUPERVISOR, DESK);
  const before = await slaRectification(supervisor);
  await keep(supervisor, '01-sla-before');

  // The supervisor runs supervision from the page; the paper finding appears, new.
  await supervisor.goto(`${e2e.t.url}/supervision/findings`);
  await step(supervisor, 'run', async () => {
    await supervisor.click('#run-form button[type="submit"]');
    await supervisor.waitForSelector('#finding-list');
  });
  const found = await e2e.t.call('GET', '/api/supervision/findings?organisationId=zz-amr&kind=paper', {
    as: SUPERVISOR,
  });
  expect(found.body.items).toHaveLength(1);
  const findingId = found.body.items[0].id as string;
  const findingRow = supervisor.locator(`#finding-list tr[data-finding-id="${findingId}"]`);
  await expect(findingRow.locator('.finding-state').textContent()).resolves.toBe('新发现');
  await keep(supervisor, '02-findings-after-run');

  // The order: this finding, the unit, requirements and 5 working days.
  await step(supervisor, 'order', async () => {
    await findingRow.locator('input[name="findingIds"]').check();
    await supervisor.selectOption('#order-form select[name="organisationId"]', 'zz-amr');
    await supervisor.fill(
      '#order-form textarea[name="requirements"]',
      '在办事窗口停止索要纸质营业执照，改为共享核验',
    );
    await supervisor.fill('#order-form input[name="workingDays"]', '5');
    await supervisor.click('#order-form button[type="submit"]');
    await supervisor.waitForURL(/\/rectification-orders\/[0-9a-f-]{36}$/);
  });
  const orderUrl = supervisor.url();
  const orderId = orderUrl.split('/').at(-1)!;
  expect(await supervisor.textContent('#order-status')).toBe('整改中');
  expect(await supervisor.textContent('#order-findings .finding-state')).toBe('已责令整改');
  await keep(supervisor, '03-order-page');

  // The supervisor extends the deadline once, with a reason: on a phone the form fits; without a reason the
  // refusal is shown beside the field; with one the deadline moves and the form is gone.
  const phone = await e2e.login(SUPERVISOR, PHONE);
  await phone.goto(orderUrl);
  await phone.waitForSelector('#extend-form');
  await expectNoHorizontalOverflow(phone);
  await keep(phone, '03a-extend-form-phone');
  const dueBefore = await supervisor.textContent('#order-deadline');
  await step(supervisor, 'extend-refused', async () => {
    await supervisor.fill('#extend-form input[name="workingDays"]', '10');
    await supervisor.click('#extend-form button[type="submit"]');
    await supervisor.waitForSelector('#extend-error-reason');
  });
  expect(await supervisor.textContent('#extend-error-reason')).toBe('请填写延期理由');
  await keep(supervisor, '03b-extend-refused');
  await step(supervisor, 'extend', async () => {
    await supervisor.fill('#extend-form textarea[name="reason"]', '窗口业务系统改造需要时间');
    await supervisor.click('#extend-form button[type="submit"]');
    await supervisor.waitForURL(orderUrl);
  });
  expect(await supervisor.textContent('#order-deadline')).not.toBe(dueBefore);
  expect(await supervisor.textContent('#order')).toContain('窗口业务系统改造需要时间');
  expect(await supervisor.locator('#extend-form').count()).toBe(0);
  await keep(supervisor, '03c-extended');

  // The SLA dashboard counts the open order and links its page.
  const ordered = await slaRectification(supervisor);
  expect(ordered).toEqual({ open: before.open + 1, overdue: before.overdue });
  expect(
    await supervisor.locator(`#kind-rectification a[href="/rectification-orders/${orderId}"]`).count(),
  ).toBe(1);
  await keep(supervisor, '04-sla-with-order');

  // The designated person, on a phone: the unit's orders, the order, the report.
  const unit = await e2e.login(DESIGNATED, PHONE);
  await unit.goto(`${e2e.t.url}/rectification-orders`);
  await step(unit, 'unit-list', async () => {
    await unit.click(`#order-list tr[data-order-id="${orderId}"] a`);
    await unit.waitForSelector('#report-form');
  });
  await expectNoHorizontalOverflow(unit);
  await keep(unit, '05-unit-order-phone');
  await step(unit, 'report', async () => {
    await unit.fill(
      '#report-form textarea[name="report"]',
      '已通知窗口停止索要纸质营业执照，改为调用共享证照核验',
    );
    await unit.click('#report-form button[type="submit"]');
    await unit.waitForSelector('#order-status:text("已提交整改报告")');
  });
  expect(await unit.locator('#report-form').count()).toBe(0);
  expect(await unit.textContent('#order-timeline')).toContain('已通知窗口停止索要纸质营业执照');
  await expectNoHorizontalOverflow(unit);
  await keep(unit, '06-unit-reported-phone');

  // The supervisor accepts: the order closes, the finding is rectified, the dashboard counts one open order less.
  await supervisor.goto(orderUrl);
  await step(supervisor, 'accept', async () => {
    await supervisor.fill('#accept-form input[name="comment"]', '整改到位');
    await supervisor.click('#accept-form button:text("验收通过")');
    await supervisor.waitForSelector('#order-status:text("已验收")');
  });
  expect(await supervisor.textContent('#order-findings .finding-state')).toBe('已整改');
  await keep(supervisor, '07-accepted');
  expect(await slaRectification(supervisor)).toEqual(before);
  await keep(supervisor, '08-sla-after');

  // The supervisor's pages at 390 px.
  for (const [name, url] of [
    ['09-findings-phone', '/supervision/findings'],
    ['10-order-phone', `/rectification-orders/${orderId}`],
    ['11-sla-phone', '/supervision/sla'],
    ['12-orders-phone', '/rectification-orders'],
  ]) {
    await phone.goto(`${e2e.t.url}${url}`);
    await expectNoHorizontalOverflow(phone);
    await keep(phone, name);
  }
});
