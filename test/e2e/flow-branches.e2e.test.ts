/**
 * Issue 10, acceptance: "A browser test draws a flow with a branch in the editor, runs an application down each
 * branch, signs an approval by hand, and shows the timeline with the signature; screenshots kept."
 *
 * In real chromium: the administrator starts from a one-step flow for 泽州县市场监督管理局 (县审批局初审, which asks
 * for a handwritten signature), adds a condition gateway with the editor's branch form (业务专用章 → 单位负责人审批;
 * otherwise → 单位负责人复核), sees the diagram redrawn beside the form, saves and publishes. The clerk applies for
 * a business seal and for an internal-body seal; the county reviewer signs each approval by hand (the second at
 * 390 × 844 with a finger), a try without a signature being refused; each process goes down its own branch, and
 * the approval page shows the path taken and ahead (流程预测) and the timeline with the signature image.
 * Screenshots go to test-artifacts/e2e-flow-branches/.
 */
import type { Page } from 'playwright-core';
import { PHONE_VIEWPORT, useBrowserPlatform } from '../support/browser';
import { applicationBody } from '../support/fixtures';

const sessions = new Map<string, Page>();

const e2e = useBrowserPlatform('e2e-flow-branches');

async function as(username: string): Promise<Page> {
  let page = sessions.get(username);
  if (!page) {
    page = await e2e.login(username);
    sessions.set(username, page);
  }
  return page;
}

/** The flow the administrator starts from: one county step whose approval is signed by hand. */
const BASE_FLOW = {
  kind: 'seal_application',
  name: '泽州县市场监督管理局印章申请（按印章类型分支）',
  organisationId: 'zz-amr',
  steps: [
    {
      key: 'review',
      name: '县审批局初审',
      approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'zz-approval' }],
      mode: 'single',
      due: { workingDays: 3 },
      signature: 'required',
    },
  ],
};

/** Draws a signature on the open approve form's canvas: with the mouse, or with a finger (touch events). */
async function sign(page: Page, how: 'mouse' | 'touch'): Promise<void> {
  const canvas = page.locator('dialog.action[open] canvas.signature-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  const points = Array.from({ length: 12 }, (_, i) => ({
    x: Math.round(box.x + box.width * (0.15 + 0.06 * i)),
    y: Math.round(box.y + box.height * (0.5 + 0.25 * Math.sin(i))),
  }));
  if (how === 'mouse') {
    await page.mouse.move(points[0]!.x, points[0]!.y);
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(p.x, p.y, { steps: 3 });
    await page.mouse.up();
  } else {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [points[0]!] });
    for (const p of points.slice(1)) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [p] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  }
  await page.waitForFunction(() =>
    (
      document.querySelector('dialog.action[open] input[name=signature]') as HTMLInputElement | null
    )?.value.startsWith('data:image/png;base64,'),
  );
  expect(await page.textContent('dialog.action[open] [data-signature-status]')).toBe('已签名');
}

/** Nothing sticks out to the right: the page does not scroll sideways (390 px, issue 10). */
async function noHorizontalOverflow(page: Page): Promise<void> {
  const { scroll, client, wide } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return {
      scroll: document.documentElement.scrollWidth,
      client: width,
      // What sticks out, to say so when it does.
      wide: Array.from(document.querySelectorAll('body *'))
        .filter((el) => el.getBoundingClientRect().right > width + 1)
        .slice(0, 10)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}#${el.id}`),
    };
  });
  expect({ scroll: scroll <= client ? 'fits' : scroll, wide: scroll <= client ? [] : wide }).toEqual({
    scroll: 'fits',
    wide: [],
  });
}

async function diagramText(page: Page): Promise<string> {
  return (await page.locator('#flow-diagram svg').textContent()) ?? '';
}

it('draws a flow with a branch in the editor, runs an application down each branch, signs by hand (issue 10)', async () => {
  // ---- The administrator draws the flow: a one-step base, then a condition gateway from the branch form.
  const admin = await as('jc-admin');
  await admin.goto(`${e2e.t.url}/flows/new?kind=seal_application`);
  await admin.fill('#flow-json', JSON.stringify(BASE_FLOW, null, 2));
  await admin.click('#preview-flow');
  await admin.waitForSelector('#flow-preview-note');
  expect(await diagramText(admin)).toContain('县审批局初审');
  expect(await admin.locator('#flow-diagram .gateway').count()).toBe(0);

  // A parallel node is drawn as a split and a join; removed again, the flow is as before.
  await admin.click('#add-parallel');
  await admin.waitForSelector('#flow-diagram .parallel.split');
  expect(await diagramText(admin)).toContain('全部通过后汇合（任一驳回即驳回）');
  await admin
    .locator('fieldset.gateway-form', { hasText: '并行分支' })
    .locator('button', { hasText: '删除此节点' })
    .click();
  await admin.waitForSelector('#flow-branches p.empty');
  expect(await admin.locator('#flow-diagram .parallel').count()).toBe(0);

  await admin.click('#add-condition');
  await admin.waitForSelector('#flow-branches fieldset.gateway-form');
  const gateway = admin.locator('#flow-branches fieldset.gateway-form').first();
  await gateway.locator('input[name="g.1.name"]').fill('按印章类型');
  await gateway.locator('input[name="g.1.b.0.name"]').fill('业务专用章');
  await gateway.locator('select[name="g.1.b.0.variable"]').selectOption('sealKind');
  await gateway.locator('select[name="g.1.b.0.op"]').selectOption('eq');
  await gateway.locator('input[name="g.1.b.0.value"]').fill('业务专用章');
  await gateway.locator('input[name="g.1.b.0.s.0.name"]').fill('单位负责人审批');
  // The default branch gets a step of its own.
  await gateway.locator('button', { hasText: '添加一步' }).last().click();
  await admin.waitForSelector('input[name="g.1.o.s.0.name"]');
  await admin.fill('input[name="g.1.o.s.0.name"]', '单位负责人复核');
  await admin.click('#preview-flow');
  await admin.waitForSelector('#flow-preview-note');
  expect(await admin.locator('#flow-errors').count()).toBe(0);
  const drawn = await diagramText(admin);
  for (const label of ['开始', '县审批局初审', '按印章类型', '业务专用章', '印章类型 等于 业务专用章']) {
    expect(drawn).toContain(label);
  }
  for (const label of ['默认分支', '单位负责人审批', '单位负责人复核', '结束'])
    expect(drawn).toContain(label);
  expect(await admin.locator('#flow-diagram .gateway').count()).toBe(1);
  // What the form did is in the JSON that will be saved.
  const json = JSON.parse(await admin.inputValue('#flow-json'));
  expect(json.steps[1]).toMatchObject({
    type: 'condition',
    name: '按印章类型',
    branches: [{ name: '业务专用章', when: { variable: 'sealKind', op: 'eq', value: 'business' } }],
    otherwise: [{ name: '单位负责人复核' }],
  });
  await e2e.screenshot(admin, '01-editor-with-branch');

  await admin.click('#save-flow');
  await admin.waitForURL(/\/flows\/[0-9a-f-]{36}\?flash=saved/);
  expect(await diagramText(admin)).toContain('印章类型 等于 业务专用章');
  expect(await admin.textContent('#flow-steps')).toContain('按印章类型 › 默认分支');
  await admin.click('#publish-flow');
  await admin.waitForURL(/\/flows\/[0-9a-f-]{36}\?flash=published/);
  await e2e.screenshot(admin, '02-flow-published');

  // ---- Two applications: a business seal (first branch) and an internal-body seal (the default branch).
  const apply = async (kind: string, name: string) => {
    const res = await e2e.t.call('POST', '/api/seal-applications', {
      as: 'zz-amr-clerk',
      body: applicationBody({ kind, name }),
    });
    expect(res.status).toBe(201);
    return `approval-seal_application-${res.body.id}`;
  };
  const business = await apply('business', '泽州县市场监督管理局合同专用章');
  const internal = await apply('internal_body', '泽州县市场监督管理局办公室章');

  // ---- The county reviewer: a try without a signature is refused; then signs with the mouse.
  const reviewer = await as('zz-approval-reviewer');
  await reviewer.goto(`${e2e.t.url}/approvals/${business}`);
  // 流程预测: the path ahead already follows the branch for a business seal.
  expect(await reviewer.textContent('#path-ahead')).toContain('单位负责人审批');
  expect(await reviewer.textContent('#path-not-taken')).toContain('单位负责人复核');
  await reviewer.locator('a.action-open', { hasText: /^同意$/ }).click();
  await reviewer.locator('dialog.action[open] button[type=submit]', { hasText: '确认同意' }).click();
  await reviewer.waitForSelector('#action-error');
  expect(await reviewer.textContent('#action-error')).toContain('签名');
  expect(await reviewer.textContent('.step.current')).toContain('县审批局初审');
  // The refused form stays open, the pad empty.
  expect(await reviewer.textContent('dialog.action[open] .dialog-title')).toBe('同意');
  expect(await reviewer.textContent('dialog.action[open] [data-signature-status]')).toBe('尚未签名');
  await sign(reviewer, 'mouse');
  await reviewer.fill('dialog.action[open] textarea[name=comment]', '材料齐全，同意。');
  await e2e.screenshot(reviewer, '03-signing-with-mouse');
  await reviewer.locator('dialog.action[open] button[type=submit]', { hasText: '确认同意' }).click();
  await reviewer.waitForURL(/done=approve/);

  // The timeline shows the signature, the branch taken; the diagram marks the path.
  const signature = reviewer.locator('#timeline li[data-action=approved] img.signature-image');
  await expect(signature.count()).resolves.toBe(1);
  expect(await signature.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  expect(await reviewer.textContent('#timeline li[data-action=branch_taken]')).toContain('业务专用章');
  expect(await reviewer.getAttribute('#approval-path svg [data-branch="gateway1/0"]', 'class')).toContain(
    'mark-current',
  );
  expect(await reviewer.getAttribute('#approval-path svg [data-branch="gateway1/-1"]', 'class')).toContain(
    'mark-skipped',
  );
  await e2e.screenshot(reviewer, '04-business-down-first-branch');

  // The unit leader approves on the first branch; the process passes.
  const leader = await as('zz-amr-leader');
  await leader.goto(`${e2e.t.url}/approvals/${business}`);
  expect(await leader.textContent('.step.current')).toContain('单位负责人审批');
  await leader.locator('a.action-open', { hasText: /^同意$/ }).click();
  await leader.locator('dialog.action[open] button[type=submit]', { hasText: '确认同意' }).click();
  await leader.waitForURL(/done=approve/);
  expect(await leader.textContent('#process-status')).toContain('已通过');
  expect(await leader.textContent('#path-taken')).toContain('单位负责人审批');
  await e2e.screenshot(leader, '05-business-approved');

  // ---- The internal-body seal, at 390 × 844, signed with a finger: it goes down the default branch.
  const phone = await e2e.login('zz-approval-reviewer', {
    viewport: PHONE_VIEWPORT,
    hasTouch: true,
    isMobile: true,
  });
  // 待办 on the phone: the task is there, and the page fits.
  await phone.goto(`${e2e.t.url}/tasks`);
  await noHorizontalOverflow(phone);
  await phone.locator('#task-list tr', { hasText: '办公室章' }).locator('text=办理').click();
  await phone.waitForURL(`**/approvals/${internal}`);
  await noHorizontalOverflow(phone);
  expect(await phone.textContent('#path-ahead')).toContain('单位负责人复核');

  // 补正 first: the reviewer suspends the clock; the page and the timeline say 已中止 and what to supplement.
  await phone.locator('a.action-open', { hasText: /^中止计时$/ }).click();
  await phone.selectOption('dialog.action[open] select[name=kind]', 'supplement');
  await phone.fill('dialog.action[open] textarea[name=reason]', '印章保管人身份证明缺失');
  await phone.fill('dialog.action[open] textarea[name=items]', '保管人身份证复印件\n单位授权书');
  await phone.locator('dialog.action[open] button[type=submit]', { hasText: '确认中止' }).click();
  await phone.waitForURL(/done=suspend/);
  expect(await phone.textContent('#suspension')).toContain('已中止');
  expect(await phone.textContent('#suspension')).toContain('单位授权书');
  expect(await phone.textContent('.step.current')).toContain('已中止（补正）');
  expect(await phone.textContent('#timeline li[data-action=suspended]')).toContain('保管人身份证复印件');
  await noHorizontalOverflow(phone);
  await e2e.screenshot(phone, '06-suspended-for-supplement-390');
  // The applicant supplies the material and resumes the clock.
  const clerk = await as('zz-amr-clerk');
  await clerk.goto(`${e2e.t.url}/approvals/${internal}`);
  expect(await clerk.textContent('#suspension')).toContain('印章保管人身份证明缺失');
  await clerk.locator('a.action-open', { hasText: /^恢复计时$/ }).click();
  await clerk.fill('dialog.action[open] textarea[name=comment]', '已补充保管人身份证复印件和单位授权书。');
  await clerk.locator('dialog.action[open] button[type=submit]', { hasText: '确认恢复' }).click();
  await clerk.waitForURL(/done=resume/);
  expect(await clerk.locator('#suspension').count()).toBe(0);
  expect(await clerk.textContent('#timeline li[data-action=resumed]')).toContain('已补充保管人身份证复印件');

  await phone.reload();
  await phone.locator('a.action-open', { hasText: /^同意$/ }).click();
  await sign(phone, 'touch');
  await e2e.screenshot(phone, '07-signing-with-finger-390');
  await phone.locator('dialog.action[open] button[type=submit]', { hasText: '确认同意' }).click();
  await phone.waitForURL(/done=approve/);
  await noHorizontalOverflow(phone);
  expect(await phone.textContent('.step.current')).toContain('单位负责人复核');
  expect(await phone.textContent('#timeline li[data-action=branch_taken]')).toContain('默认分支');
  // The signature loads lazily: scrolled to, below the material on the phone (issue 17).
  const phoneSignature = phone.locator('#timeline li[data-action=approved] img.signature-image');
  await phoneSignature.scrollIntoViewIfNeeded();
  await phoneSignature.evaluate((img) => (img as HTMLImageElement).decode());
  expect(await phoneSignature.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  await e2e.screenshot(phone, '08-internal-down-default-branch-390');

  await leader.goto(`${e2e.t.url}/approvals/${internal}`);
  await leader.locator('a.action-open', { hasText: /^同意$/ }).click();
  await leader.locator('dialog.action[open] button[type=submit]', { hasText: '确认同意' }).click();
  await leader.waitForURL(/done=approve/);
  expect(await leader.textContent('#process-status')).toContain('已通过');
  expect(await leader.textContent('#path-taken')).toContain('单位负责人复核');
  expect(await leader.textContent('#path-taken')).not.toContain('单位负责人审批');
  await e2e.screenshot(leader, '09-internal-approved');

  // The editor and the published flow's page fit a phone too.
  const adminPhone = await e2e.login('jc-admin', { viewport: PHONE_VIEWPORT });
  await adminPhone.goto(`${e2e.t.url}/flows`);
  await adminPhone
    .locator('#flow-list tr', { hasText: '单位定制：泽州县市场监督管理局' })
    .locator('text=编辑')
    .click();
  await adminPhone.waitForURL(/\/flows\/[0-9a-f-]{36}\/edit/);
  await noHorizontalOverflow(adminPhone);
  await e2e.screenshot(adminPhone, '10-editor-390');
});
