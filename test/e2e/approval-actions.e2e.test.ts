/**
 * In real chromium, the approval engine's actions through the web UI: the administrator saves a flow for
 * 泽州县市场监督管理局 in the flow editor (初审 by one reviewer → 会签 by all seal reviewers of 泽州县行政审批服务管理局 →
 * 市审批局审核); the clerk applies for a seal; the first reviewer transfers (转办) the task, the colleague approves
 * with an attachment; in the countersign two members approve and a third returns (退回) the process to 初审; 初审
 * approves again, all four countersign, and the process reaches the city. Along the way: a refused action is
 * shown on the page with nothing changed, and 催办 twice in an hour is refused politely. A second process (on the
 * same flow) walks CC, delegation, signers added before and after, removal of a signer, 督办 and withdrawal.
 * Screenshots go to test-artifacts/e2e-approval-actions/.
 */
import type { Page } from 'playwright-core';
import { ApprovalProcess } from '../../db/approval-entities';
import { Task } from '../../db/entities';
import { useBrowserPlatform } from '../support/browser';
import { applicationBody, svgImprint } from '../support/fixtures';

const sessions = new Map<string, Page>();

const e2e = useBrowserPlatform('e2e-approval-actions');

/** One browser session per user, logged in once. */
async function as(username: string): Promise<Page> {
  let page = sessions.get(username);
  if (!page) {
    page = await e2e.login(username);
    sessions.set(username, page);
  }
  return page;
}

/** Opens the process page, opens an action's panel and returns the page, ready for the form. */
async function openAction(username: string, processKey: string, action: string): Promise<Page> {
  const page = await as(username);
  await page.goto(`${e2e.t.url}/approvals/${processKey}`);
  await page.locator('a.action-open', { hasText: new RegExp(`^${action}$`) }).click();
  return page;
}

async function submit(page: Page, button: string, done: string): Promise<void> {
  await page.locator('dialog.action[open] button[type=submit]', { hasText: button }).click();
  await page.waitForURL(new RegExp(`done=${done}`));
}

async function approve(username: string, processKey: string, comment?: string): Promise<Page> {
  const page = await openAction(username, processKey, '同意');
  if (comment) await page.fill('dialog.action[open] textarea[name=comment]', comment);
  await submit(page, '确认同意', 'approve');
  return page;
}

const FLOW = {
  kind: 'seal_application',
  name: '泽州县市场监督管理局印章申请（初审、会签、市级审核）',
  organisationId: 'zz-amr',
  steps: [
    {
      key: 'review',
      name: '县审批局初审',
      approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'zz-approval' }],
      mode: 'single',
      due: { workingDays: 3 },
    },
    {
      key: 'countersign',
      name: '县审批局会签',
      approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'zz-approval' }],
      mode: 'all',
      due: { workingDays: 2 },
    },
    {
      key: 'city',
      name: '市审批局审核',
      approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'jc-approval' }],
      mode: 'single',
    },
  ],
};

async function currentStep(page: Page): Promise<string> {
  return (await page.textContent('.step.current')) ?? '';
}

it('transfer, countersign and return, through the UI', async () => {
  // The administrator saves the flow in the editor; a first try with two rules on a single step is refused.
  const admin = await as('jc-admin');
  await admin.goto(`${e2e.t.url}/flows`);
  await admin.click('text=新建流程定义');
  await admin.waitForURL('**/flows/new');
  const invalid = structuredClone(FLOW) as typeof FLOW;
  invalid.steps[0]!.approvers.push({ type: 'role', role: 'seal_reviewer', organisationId: 'gp-approval' });
  await admin.fill('#flow-json', JSON.stringify(invalid, null, 2));
  await admin.click('button:has-text("保存为新版本")');
  await admin.waitForSelector('#flow-errors');
  expect(await admin.textContent('#flow-errors')).toContain('第 1 步 › 审批人规则 approvers');
  expect(await admin.textContent('#flow-errors')).toContain('单人审批步骤只能有一条审批人规则');
  await e2e.screenshot(admin, '01-flow-editor-error');
  await admin.fill('#flow-json', JSON.stringify(FLOW, null, 2));
  await admin.click('button:has-text("保存为新版本")');
  await admin.waitForURL(/\/flows\/[0-9a-f-]{36}\?flash=saved/);
  expect(await admin.textContent('#flow-version')).toContain('第 1 版');
  expect(await admin.textContent('#flow-status')).toContain('草稿');
  expect(await admin.textContent('#flow-steps')).toContain('泽州县行政审批服务管理局的印章审核人');
  // The draft changes nothing until published; its dry run shows who each step would go to (issue 9).
  expect(await admin.textContent('#flow-preview-table')).toContain('泽州县市场监督管理局');
  await e2e.screenshot(admin, '02-flow-saved');
  await admin.click('#publish-flow');
  await admin.waitForURL(/\/flows\/[0-9a-f-]{36}\?flash=published/);
  expect(await admin.textContent('#flow-status')).toContain('生效中');

  // The clerk applies for a seal.
  const clerk = await as('zz-amr-clerk');
  await clerk.goto(`${e2e.t.url}/seal-applications/new`);
  await clerk.selectOption('#kind', 'business');
  await clerk.fill('#name', '泽州县市场监督管理局合同专用章');
  await clerk.fill('#custodianName', '张丽');
  await clerk.fill('#reason', '政府采购合同签订需要');
  await clerk.setInputFiles('#imprint', {
    name: 'imprint.svg',
    mimeType: 'image/svg+xml',
    buffer: svgImprint('合同专用章'),
  });
  await clerk.click('form[action="/seal-applications/new"] button[type=submit]');
  await clerk.waitForURL(/\/seal-applications\/[0-9a-f-]{36}/);
  const applicationId = clerk.url().split('/').pop()!.split('?')[0]!;
  const processKey = `approval-seal_application-${applicationId}`;
  expect(await currentStep(clerk)).toContain('县审批局初审');
  await e2e.screenshot(clerk, '03-submitted');

  // 转办: 王建国 finds it in 待办 and hands it to 杨帆.
  const wang = await as('zz-approval-reviewer');
  await wang.goto(`${e2e.t.url}/tasks`);
  const row = wang.locator('#task-list tr', { hasText: '泽州县市场监督管理局合同专用章' });
  expect(await row.textContent()).toContain('县审批局初审');
  await row.locator('text=办理').click();
  await wang.waitForURL(`**/approvals/${processKey}`);
  await wang.locator('a.action-open', { hasText: /^转办$/ }).click();
  await wang.selectOption('dialog.action[open] select[name=to]', 'zz-approval-reviewer2');
  await wang.fill('dialog.action[open] textarea[name=comment]', '请杨帆同志办理。');
  await e2e.screenshot(wang, '04-transfer-form');
  await submit(wang, '确认转办', 'transfer');
  expect(await wang.textContent('.flash.ok')).toContain('已转办');
  expect(await wang.textContent('#current-tasks')).toContain('杨帆');
  expect(await wang.textContent('#timeline')).toContain('请杨帆同志办理。');
  expect(await wang.locator('.action-panel[data-task-id]').count()).toBe(0);
  await e2e.screenshot(wang, '05-transferred');

  // 杨帆 sees it as a transferred task. A rejection without a reason is refused on the page, nothing changed.
  const yang = await as('zz-approval-reviewer2');
  await yang.goto(`${e2e.t.url}/tasks`);
  const yangRow = yang.locator('#task-list tr', { hasText: '泽州县市场监督管理局合同专用章' });
  expect(await yangRow.textContent()).toContain('转办');
  await yangRow.locator('text=办理').click();
  await yang.waitForURL(`**/approvals/${processKey}`);
  await yang.locator('a.action-open', { hasText: /^驳回$/ }).click();
  await yang.evaluate(() => {
    const reason = document.querySelector('dialog.action[open] textarea[name=reason]')!;
    reason.removeAttribute('required');
    reason.removeAttribute('minlength');
  });
  await yang.locator('dialog.action[open] button', { hasText: '确认驳回' }).click();
  await yang.waitForSelector('#action-error');
  expect(await yang.textContent('#action-error')).toContain('驳回理由');
  // Issue 17: the dialog comes back open with the objection next to its field, in Chinese.
  expect(await yang.textContent('dialog.action[open] .field-error')).toBe('请填写驳回理由，至少 2 个字');
  expect(await yang.textContent('#process-status')).toContain('审批中');
  expect(await currentStep(yang)).toContain('县审批局初审');
  await e2e.screenshot(yang, '06-refused-without-reason');

  // 杨帆 approves with an attachment; the countersign opens for the four seal reviewers.
  await yang.locator('dialog.action[open] [data-close]').click();
  await yang.locator('a.action-open', { hasText: /^同意$/ }).click();
  await yang.fill('dialog.action[open] textarea[name=comment]', '初审通过，意见见附件。');
  await yang.setInputFiles('dialog.action[open] input[type=file]', {
    name: '初审意见.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('材料齐全，印章名称与证书一致。'),
  });
  await submit(yang, '确认同意', 'approve');
  expect(await currentStep(yang)).toContain('县审批局会签');
  const link = yang.locator('#timeline a.attachment-link', { hasText: '初审意见.txt' });
  const download = await yang.request.get(`${e2e.t.url}${await link.getAttribute('href')}`);
  expect(download.status()).toBe(200);
  expect(await download.text()).toBe('材料齐全，印章名称与证书一致。');
  const members = await yang.locator('#current-tasks tbody tr').allTextContents();
  expect(members).toHaveLength(4);
  for (const name of ['王建国', '杨帆', '黄晓燕', '何永刚']) expect(members.join()).toContain(name);
  await e2e.screenshot(yang, '07-countersign-open');

  // 催办 by the applicant: once, then refused within the hour.
  await openAction('zz-amr-clerk', processKey, '催办');
  await submit(clerk, '发送催办', 'urge');
  expect(await clerk.textContent('.flash.ok')).toContain('已催办');
  await clerk.locator('a.action-open', { hasText: /^催办$/ }).click();
  await clerk.locator('dialog.action[open] button', { hasText: '发送催办' }).click();
  await clerk.waitForSelector('#action-error');
  expect(await clerk.textContent('#action-error')).toContain('每项待办每小时只能催办一次');
  await e2e.screenshot(clerk, '08-urge-rate-limited');

  // 会签: two approve, the third returns the process to 初审.
  await approve('zz-approval-reviewer', processKey, '同意。');
  await approve('zz-approval-reviewer2', processKey);
  const huang = await openAction('zz-approval-reviewer3', processKey, '退回');
  await huang.selectOption('dialog.action[open] select[name=toStep]', 'review');
  await huang.fill('dialog.action[open] textarea[name=comment]', '保管人信息需补充核实，退回初审。');
  await e2e.screenshot(huang, '09-return-form');
  await submit(huang, '确认退回', 'return');
  expect(await huang.textContent('.flash.ok')).toContain('已退回');
  expect(await currentStep(huang)).toContain('县审批局初审');
  expect(await huang.getAttribute('.step.current', 'data-step')).toBe('1');
  const fresh = await huang.locator('#current-tasks tbody tr').allTextContents();
  expect(fresh).toHaveLength(1);
  expect(fresh[0]).toContain('泽州县行政审批服务管理局');
  expect(fresh[0]).toContain('待处理');
  expect(await huang.textContent('#timeline')).toContain('保管人信息需补充核实，退回初审。');
  await e2e.screenshot(huang, '10-returned');
  const pending = await e2e.t.em().find(Task, { workflowId: processKey, status: 'pending' });
  expect(pending).toHaveLength(1);
  expect(pending[0]).toMatchObject({
    stepIndex: 0,
    assigneeOrganisationId: 'zz-approval',
    assigneeUserId: null,
  });
  // The countersign member who had not acted yet no longer has it in 待办; as a seal reviewer too (unit leader
  // and seal reviewer: both roles' group tasks show), he sees the returned 初审, the reviewers' group task.
  const he = await as('zz-approval-leader');
  await he.goto(`${e2e.t.url}/tasks`);
  const hisRows = await he.locator('#task-list tbody tr').allTextContents();
  expect(hisRows).toHaveLength(1);
  expect(hisRows[0]).toContain('县审批局初审');
  expect(hisRows[0]).not.toContain('县审批局会签');

  // 初审 again, then all four countersign.
  await approve('zz-approval-reviewer', processKey, '已核实，同意。');
  for (const username of [
    'zz-approval-reviewer',
    'zz-approval-reviewer2',
    'zz-approval-reviewer3',
    'zz-approval-leader',
  ]) {
    const page = await approve(username, processKey);
    if (username === 'zz-approval-reviewer3') await e2e.screenshot(page, '11-countersign-three-of-four');
  }

  // The city has it now.
  const city = await as('jc-approval-reviewer');
  await city.goto(`${e2e.t.url}/tasks`);
  await city
    .locator('#task-list tr', { hasText: '泽州县市场监督管理局合同专用章' })
    .locator('text=办理')
    .click();
  await city.waitForURL(`**/approvals/${processKey}`);
  expect(await currentStep(city)).toContain('市审批局审核');
  expect(await city.locator('.step.done').count()).toBe(2);
  expect(await city.textContent('#current-tasks')).toContain('晋城市行政审批服务管理局');
  expect(await city.locator('a.action-open', { hasText: /^退回$/ }).count()).toBe(1);
  await e2e.screenshot(city, '12-city-step');
  const process = await e2e.t.em().findOneOrFail(ApprovalProcess, { id: processKey });
  expect(process).toMatchObject({ status: 'running', currentStepIndex: 2 });
});

it('CC, delegate, add and remove signers, supervision and withdrawal, through the UI', async () => {
  // Runs on the flow the first test saved for 泽州县市场监督管理局.
  const res = await e2e.t.call('POST', '/api/seal-applications', {
    as: 'zz-amr-clerk',
    body: applicationBody({ name: '泽州县市场监督管理局财务专用章' }),
  });
  expect(res.status).toBe(201);
  const processKey = `approval-seal_application-${res.body.id}`;

  // The applicant CCs the unit leader, who finds it under 抄送我的.
  const clerk = await openAction('zz-amr-clerk', processKey, '抄送');
  await clerk.fill('dialog.action[open] input[name=users] >> nth=0', 'zz-amr-leader');
  await submit(clerk, '确认抄送', 'cc');
  expect(await clerk.textContent('#cc-list')).toContain('郭志强');
  const leader = await as('zz-amr-leader');
  await leader.goto(`${e2e.t.url}/tasks?box=cc`);
  expect(await leader.textContent('#task-list')).toContain('泽州县市场监督管理局财务专用章');
  await clerk.goto(`${e2e.t.url}/tasks?box=started`);
  expect(await clerk.locator('#task-list tbody tr').count()).toBe(2);

  // The inbox filters: kind, due date.
  const reviewer = await as('zz-approval-reviewer');
  for (const [query, rows] of [
    ['', 1],
    ['&kind=seal_application&dueBefore=2099-12-31', 1],
    ['&kind=seal_use', 0],
    ['&dueBefore=2000-01-01', 0],
  ] as const) {
    await reviewer.goto(`${e2e.t.url}/tasks?box=pending${query}`);
    expect(await reviewer.locator('#task-list tbody tr').count()).toBe(rows);
  }

  // 委派: the reviewer delegates to 黄晓燕, who approves; the task comes back to the department.
  const wang = await openAction('zz-approval-reviewer', processKey, '委派');
  await wang.selectOption('dialog.action[open] select[name=to]', 'zz-approval-reviewer3');
  await submit(wang, '确认委派', 'delegate');
  expect(await wang.textContent('#current-tasks')).toContain('已委派');
  const huang = await as('zz-approval-reviewer3');
  await huang.goto(`${e2e.t.url}/tasks`);
  const delegated = huang.locator('#task-list tr', { hasText: '财务专用章' });
  expect(await delegated.textContent()).toContain('委派');
  await approve('zz-approval-reviewer3', processKey, '已核对材料。');

  // 前加签 杨帆, then 减签 him again: the reviewer may decide once more.
  await openAction('zz-approval-reviewer', processKey, '加签');
  await wang.selectOption('dialog.action[open] select[name=signer]', 'zz-approval-reviewer2');
  await wang.check('dialog.action[open] input[name=position][value=before]');
  await submit(wang, '确认加签', 'add-signer');
  expect(await wang.locator('a.action-open', { hasText: /^同意$/ }).count()).toBe(0);
  await wang.locator('a.action-open', { hasText: /^减签$/ }).click();
  expect(await wang.textContent('dialog.action[open] select[name=signerTaskId]')).toContain('杨帆');
  await e2e.screenshot(wang, '13-remove-signer');
  await submit(wang, '确认减签', 'remove-signer');
  expect(await wang.textContent('#timeline')).toContain('减签');

  // 后加签 何永刚: the reviewer's approval counts once he approved too.
  await openAction('zz-approval-reviewer', processKey, '加签');
  await wang.selectOption('dialog.action[open] select[name=signer]', 'zz-approval-leader');
  await wang.check('dialog.action[open] input[name=position][value=after]');
  await submit(wang, '确认加签', 'add-signer');
  await approve('zz-approval-reviewer', processKey);
  expect(await currentStep(wang)).toContain('县审批局初审');
  await approve('zz-approval-leader', processKey, '同意。');
  expect(await currentStep(await as('zz-approval-leader'))).toContain('县审批局会签');

  // 督办: the county supervisor sees the four countersign tasks, none overdue.
  const supervisor = await as('zz-approval-supervisor');
  await supervisor.click('nav >> text=督办');
  await supervisor.waitForURL('**/supervision');
  const rows = supervisor.locator('#supervision-list tr', { hasText: '财务专用章' });
  expect(await rows.count()).toBe(4);
  await e2e.screenshot(supervisor, '14-supervision');
  await supervisor.check('input[name=overdue]');
  await supervisor.click('button:has-text("筛选")');
  await supervisor.waitForURL(/overdue=true/);
  expect(await supervisor.locator('#supervision-list').count()).toBe(0);

  // The applicant withdraws, confirming it.
  await openAction('zz-amr-clerk', processKey, '撤回申请');
  await clerk.check('dialog.action[open] input[name=confirm]');
  await submit(clerk, '确认撤回', 'withdraw');
  expect(await clerk.textContent('#process-status')).toContain('已撤回');
  expect(await clerk.locator('.action-panel').count()).toBe(0);
  await e2e.screenshot(clerk, '15-withdrawn');
  await supervisor.goto(`${e2e.t.url}/supervision`);
  expect(await supervisor.locator('#supervision-list tr', { hasText: '财务专用章' }).count()).toBe(0);

  // The flow list and the editor, prefilled from the saved definition.
  const admin = await as('jc-admin');
  await admin.goto(`${e2e.t.url}/flows`);
  const flowRow = admin.locator('#flow-list tr', { hasText: '单位定制：泽州县市场监督管理局' });
  await flowRow.locator('text=编辑').click();
  await admin.waitForURL(/\/flows\/[0-9a-f-]{36}\/edit/);
  expect(JSON.parse(await admin.inputValue('#flow-json'))).toEqual(
    expect.objectContaining({ organisationId: 'zz-amr', name: FLOW.name }),
  );
  await e2e.screenshot(admin, '16-flow-edit');
});
