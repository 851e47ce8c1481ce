/**
 * In real chromium: the applicant applies for a seal in the UI, the county reviewer finds it in 待办 and approves
 * it on the approval page; the city and the province approve there too, and the applicant sees the seal with its
 * imprint and certificate.
 * Screenshots go to test-artifacts/e2e-seal-application/.
 */
import type { Page } from 'playwright-core';
import { SealApplication, Task } from '../../db/entities';
import { useBrowserPlatform } from '../support/browser';
import { svgImprint } from '../support/fixtures';
import { saveAndPublishFlow } from '../support/flows';

const e2e = useBrowserPlatform('e2e-seal-application');

const loginAs = (username: string): Promise<Page> => e2e.login(username);

it('applicant submits in the UI; the county reviewer sees it in 待办 and approves it there', async () => {
  // The applicant.
  const applicant = await loginAs('zz-amr-clerk');
  // Issue 17: the 工作台 first; 我的申请 in the menu.
  await applicant.waitForURL('**/home');
  await applicant.click('#mainnav >> text=我的申请');
  await applicant.waitForURL('**/seal-applications');
  await e2e.screenshot(applicant, '01-applications-empty');
  await applicant.click('text=申请电子印章');
  await applicant.waitForURL('**/seal-applications/new');

  // A first try without the imprint is refused on the page, naming the field.
  await applicant.selectOption('#kind', 'business');
  await applicant.fill('#name', '泽州县市场监督管理局合同专用章');
  await applicant.fill('#custodianName', '张丽');
  await applicant.fill('#reason', '政府采购合同签订需要');
  await applicant.evaluate(() => document.querySelector('#imprint')!.removeAttribute('required'));
  await applicant.click('form[action="/seal-applications/new"] button[type=submit]');
  await applicant.waitForSelector('.flash.error');
  expect(await applicant.textContent('.flash.error')).toContain('印模图片：请选择印模图片');
  expect(await e2e.t.em().count(SealApplication, {})).toBe(0);
  await e2e.screenshot(applicant, '02-form-error');

  // Issue 18 Build 5: the standard round imprint offered beside the upload (the unit's name along the ring).
  await applicant.fill('#widthMm', '40');
  await applicant.click('#standard-imprint');
  await applicant.waitForSelector('#imprint-preview:not([hidden])');
  await applicant.waitForFunction(
    () => (document.querySelector('#imprint-preview') as HTMLImageElement).complete,
  );
  expect(await applicant.inputValue('#widthMm')).toBe('42');
  expect(await applicant.inputValue('#heightMm')).toBe('42');
  expect(await applicant.$eval('#imprint', (input) => (input as HTMLInputElement).files![0]!.name)).toBe(
    'standard-imprint.svg',
  );
  await e2e.screenshot(applicant, '03-form-filled');
  await applicant.click('form[action="/seal-applications/new"] button[type=submit]');
  await applicant.waitForURL(/\/seal-applications\/[0-9a-f-]{36}/);
  expect(await applicant.textContent('.flash.ok')).toContain('申请已提交');
  expect(await applicant.textContent('.step.current')).toContain('泽州县行政审批服务管理局');
  await e2e.screenshot(applicant, '04-application-submitted');
  const applicationId = applicant.url().split('/').pop()!.split('?')[0]!;
  const processKey = `approval-seal_application-${applicationId}`;
  expect(await applicant.getAttribute('#approval-link', 'href')).toBe(`/approvals/${processKey}`);

  // The county reviewer: 待办 shows the application with its step, initiator, unit and deadline.
  const reviewer = await loginAs('zz-approval-reviewer');
  await reviewer.waitForURL('**/home');
  expect(await reviewer.textContent('#nav-tasks')).toMatch(/待办\s*1/);
  expect(await reviewer.textContent('#count-pending')).toMatch(/1\s*待办/);
  await reviewer.click('#nav-tasks');
  await reviewer.waitForURL('**/tasks');
  const row = reviewer.locator('#task-list tr', { hasText: '泽州县市场监督管理局合同专用章' });
  await row.waitFor();
  const rowText = await row.textContent();
  expect(rowText).toContain('本级印章管理部门审核');
  expect(rowText).toContain('张丽');
  expect(rowText).toContain('电子印章申请');
  expect(rowText).toMatch(/\d{1,2}月\d{1,2}日 24:00/);
  expect(rowText).toContain('剩余');
  await e2e.screenshot(reviewer, '05-reviewer-inbox');
  await row.locator('text=办理').click();
  await reviewer.waitForURL(`**/approvals/${processKey}`);
  expect(await reviewer.textContent('.step.current')).toContain('本级印章管理部门审核');
  await reviewer.locator('a.action-open', { hasText: /^同意$/ }).click();
  await reviewer.locator('dialog.action[open] textarea[name=comment]').fill('材料齐全，同意报市级审核。');
  await e2e.screenshot(reviewer, '06-reviewer-approval-page');
  await reviewer.locator('button', { hasText: '确认同意' }).click();
  await reviewer.waitForSelector('.flash.ok');
  expect(await reviewer.textContent('.flash.ok')).toContain('已同意');
  expect(await reviewer.textContent('#timeline')).toContain('材料齐全，同意报市级审核。');
  expect(await reviewer.textContent('.step.current')).toContain('上一级印章管理部门审核');
  expect(await reviewer.textContent('#current-tasks')).toContain('晋城市行政审批服务管理局');
  expect(await reviewer.locator('.action-panel').count()).toBe(0);
  await e2e.screenshot(reviewer, '07-reviewer-approved');

  // 已办 lists it; 待办 no longer does.
  await reviewer.goto(`${e2e.t.url}/tasks?box=done`);
  expect(await reviewer.textContent('#task-list')).toContain('泽州县市场监督管理局合同专用章');
  await reviewer.goto(`${e2e.t.url}/tasks`);
  expect(await reviewer.locator('#task-list').count()).toBe(0);
  const county = await e2e.t.em().findOneOrFail(Task, {
    workflowId: processKey,
    stepIndex: 0,
  });
  expect(county).toMatchObject({ status: 'approved', actedById: 'user-zz-approval-reviewer' });

  // City and province approve on the approval page in their own sessions; the applicant then sees the seal.
  for (const username of ['jc-approval-reviewer', 'sx-seal-reviewer']) {
    const page = await loginAs(username);
    await page.goto(`${e2e.t.url}/seal-applications/${applicationId}`);
    await page.click('#approval-link');
    await page.waitForURL(`**/approvals/${processKey}`);
    await page.locator('a.action-open', { hasText: /^同意$/ }).click();
    await page.locator('button', { hasText: '确认同意' }).click();
    await page.waitForSelector('.flash.ok');
  }
  await e2e.t.platform.temporal.workflow.getHandle(`seal-application-${applicationId}`).result();
  await applicant.goto(`${e2e.t.url}/seal-applications/${applicationId}`);
  expect(await applicant.textContent('#timeline')).toContain('材料齐全，同意报市级审核。');
  expect(await applicant.locator('.step.done').count()).toBe(3);
  await e2e.screenshot(applicant, '08-application-approved');
  await applicant.click('#seal-link');
  await applicant.waitForSelector('#cert-serial', { state: 'attached' });
  expect(await applicant.textContent('#seal-validity')).toContain('与绑定的机构数字证书有效期一致');
  const imprintLoaded = await applicant.$eval(
    'img.imprint',
    (img) => (img as HTMLImageElement).naturalWidth > 0,
  );
  expect(imprintLoaded).toBe(true);
  await e2e.screenshot(applicant, '09-seal-detail');
});

it('under a flow whose step the applicant staffs, the form shows the flow and takes the chosen approvers and CC', async () => {
  const saved = await saveAndPublishFlow(e2e.t, {
    kind: 'seal_application',
    name: '自选审核人的印章申请',
    organisationId: 'zz-amr',
    steps: [
      { key: 'pick', name: '申请人选定的审核人', approvers: [{ type: 'initiator_choice' }], mode: 'any' },
      {
        key: 'city',
        name: '市级审核',
        approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'jc-approval' }],
        mode: 'single',
      },
    ],
  });
  expect(saved.status).toBe('active');
  const applicant = await loginAs('zz-amr-clerk');
  await applicant.goto(`${e2e.t.url}/seal-applications/new`);
  expect(await applicant.textContent('fieldset.flow-preview')).toContain('自选审核人的印章申请');
  expect(await applicant.textContent('fieldset.flow-preview')).toContain('市级审核');
  await applicant.selectOption('#kind', 'business');
  await applicant.fill('#name', '泽州县市场监督管理局财务专用章');
  await applicant.fill('#custodianName', '张丽');
  await applicant.fill('#reason', '财务结算需要');
  await applicant.setInputFiles('#imprint', {
    name: 'imprint.svg',
    mimeType: 'image/svg+xml',
    buffer: svgImprint('财务专用章'),
  });
  // Issue 17 Build 6: people are picked by unit and name (checkboxes grouped by unit), not from usernames.
  await applicant.check('input[name="approvers.pick"][value="zz-approval-reviewer3"]');
  await applicant.check('input[name="approvers.pick"][value="zz-approval-leader"]');
  await applicant.check('input[name="cc"][value="zz-approval-supervisor"]');
  await e2e.screenshot(applicant, '10-form-with-chosen-approvers');
  await applicant.click('form[action="/seal-applications/new"] button[type=submit]');
  await applicant.waitForURL(/\/seal-applications\/[0-9a-f-]{36}/);
  const applicationId = applicant.url().split('/').pop()!.split('?')[0]!;
  const tasks = await e2e.t.em().find(Task, { processId: applicationId }, { orderBy: { id: 'asc' } });
  expect(tasks.map((x) => x.assigneeUserId).sort()).toEqual([
    'user-zz-approval-leader',
    'user-zz-approval-reviewer3',
  ]);
  const cc = (await e2e.t.call('GET', '/api/tasks?box=cc', { as: 'zz-approval-supervisor' })).body.items;
  expect(cc.some((x: { processId: string }) => x.processId === applicationId)).toBe(true);
});
