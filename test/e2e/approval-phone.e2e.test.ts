/**
 * Issue 17 Build 4, in real chromium on a 390 px phone: the reviewer reads the seal application on the approval page
 * itself (fields, imprint, attachments), approves in a modal dialog (a step that requires a reason refuses an empty
 * one, next to the field, in Chinese), sees decisions apart from system events, and prints the 审批单, whose PDF
 * text (pdftotext, an independent reader) carries the 办件编号 and the decision.
 * Screenshots go to test-artifacts/e2e-approval-phone/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { AuditEvent } from '../../db/entities';
import { approvalHelpers, step } from '../support/approvals';
import { PHONE_VIEWPORT, useBrowserPlatform } from '../support/browser';

const e2e = useBrowserPlatform('e2e-approval-phone');

async function fitsPhone(page: Page): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
}

it('approves a seal application at 390 px from the inline material in a modal dialog, and prints the 审批单', async () => {
  const h = approvalHelpers(e2e.t);
  // One step whose approval needs a written opinion (the flow's reasonRequired option).
  await h.saveFlow([step('review', { name: '县审批局审核', reasonRequired: { approve: true } })]);
  const { applicationId, key } = await h.start();
  // The process is under way once the reviewer has the task.
  for (let i = 0; (await h.openTasksOf(key, 'zz-approval-reviewer')).length === 0; i++) {
    if (i > 100) throw new Error('the review task did not appear');
    await new Promise((r) => setTimeout(r, 100));
  }

  // Without JavaScript an action link brings the page back with its dialog open in place.
  const plain = await e2e.t.call('GET', `/approvals/${key}?action=t0-approve`, {
    as: 'zz-approval-reviewer',
  });
  expect(plain.body).toMatch(/<dialog class="action ?" id="t0-approve"[^>]*\bopen>/);
  const closed = await e2e.t.call('GET', `/approvals/${key}`, { as: 'zz-approval-reviewer' });
  expect(closed.body).toMatch(/<dialog class="action ?" id="t0-approve"[^>]*-title" >/);

  const phone = await e2e.login('zz-approval-reviewer', {
    viewport: PHONE_VIEWPORT,
    hasTouch: true,
    isMobile: true,
    next: `/approvals/${key}`,
  });
  await phone.waitForURL(`**/approvals/${key}`);

  // The material on the page: the application's fields, the imprint, the link to the original.
  const caseNumber = (await phone.textContent('#case-number'))!.trim();
  expect(caseNumber).toMatch(/^YZ-\d{4}-\d{6}$/);
  const fields = await phone.textContent('#material-fields');
  for (const text of [
    '泽州县市场监督管理局合同专用章',
    '张丽（13800000000）',
    '签订政府采购合同需要使用电子合同专用章',
    '42 × 42 毫米',
  ])
    expect(fields).toContain(text);
  await phone.waitForFunction(
    () => (document.querySelector('#material-imprint') as HTMLImageElement).complete,
  );
  expect(
    await phone.$eval('#material-imprint', (img) => (img as HTMLImageElement).naturalWidth),
  ).toBeGreaterThan(0);
  expect(await phone.getAttribute('#material a.attachment-link', 'href')).toBe(
    `/api/seal-applications/${applicationId}/imprint`,
  );
  await fitsPhone(phone);
  await e2e.screenshot(phone, '01-material-on-phone');

  // 同意 opens a modal dialog with one confirm button.
  await phone.locator('a.action-open', { hasText: /^同意$/ }).click();
  const dialog = phone.locator('dialog.action[open]');
  expect(await dialog.evaluate((d) => d.matches(':modal'))).toBe(true);
  expect(await dialog.locator('.dialog-title').textContent()).toBe('同意');
  expect(await dialog.locator('button[type=submit]').allTextContents()).toEqual(['确认同意']);
  expect(await dialog.locator('label[for$=-comment]').textContent()).toContain('必填');
  await fitsPhone(phone);
  await e2e.screenshot(phone, '02-approve-dialog');

  // Without an opinion the step refuses: the dialog comes back open, the objection next to the field.
  await dialog.locator('button[type=submit]').click();
  await phone.waitForSelector('dialog.action[open] .field-error');
  expect(await phone.evaluate(() => document.querySelector('dialog.action[open]')!.matches(':modal'))).toBe(
    true,
  );
  expect(await phone.textContent('dialog.action[open] .field-error')).toBe('本步骤同意时必须填写审批意见');
  expect(
    await phone.$eval('dialog.action[open] .field-error', (e) =>
      e.previousElementSibling?.getAttribute('name'),
    ),
  ).toBe('comment');
  expect((await h.view(key)).status).toBe('running');
  await e2e.screenshot(phone, '03-reason-required');

  // With the opinion and an attachment it is approved.
  await phone.fill('dialog.action[open] textarea[name=comment]', '材料齐全，同意制发。');
  await phone.setInputFiles('dialog.action[open] input[type=file]', {
    name: '审核意见.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('印章名称与单位名称一致。'),
  });
  await phone.locator('dialog.action[open] button[type=submit]').click();
  await phone.waitForURL(/done=approve/);
  expect(await phone.textContent('.flash.ok')).toContain('已同意');
  await h.waitForStatus(key, 'approved');
  await phone.goto(`${e2e.t.url}/approvals/${key}`);
  expect(await phone.textContent('#process-status')).toContain('已通过');
  // Decisions apart from the platform's events.
  const decision = phone.locator('#timeline-decisions li[data-action=approved]');
  expect(await decision.textContent()).toContain('材料齐全，同意制发。');
  expect(await phone.locator('#timeline-decisions li[data-action=step_started]').count()).toBe(0);
  expect(await phone.locator('#timeline-system li').count()).toBeGreaterThan(0);
  // The attachment is part of the material, with a link that answers.
  const attachment = phone.locator('#material-attachments a.attachment-link', { hasText: '审核意见.txt' });
  const file = await phone.request.get(`${e2e.t.url}${await attachment.getAttribute('href')}`);
  expect(await file.text()).toBe('印章名称与单位名称一致。');
  await fitsPhone(phone);
  await e2e.screenshot(phone, '04-approved');

  // 打印审批单: a PDF whose text carries the case number, the material and the decision.
  const [download] = await Promise.all([phone.waitForEvent('download'), phone.click('#print-link')]);
  expect(download.suggestedFilename()).toBe(`审批单-${caseNumber}.pdf`);
  mkdirSync(e2e.dir, { recursive: true });
  const pdf = path.join(e2e.dir, '05-approval-form.pdf');
  await download.saveAs(pdf);
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
  expect(text).toContain('审批单');
  expect(text).toMatch(new RegExp(`办件编号：\\s*${caseNumber}`));
  expect(text).toContain('泽州县市场监督管理局合同专用章');
  expect(text).toMatch(/同意[\s\S]*材料齐全，同意制发。/);
  expect(text).toContain('审核意见.txt');
  expect(text).toContain('已通过');
  expect(await e2e.t.em().count(AuditEvent, { action: 'approval.printed', targetId: key })).toBe(1);
  // Only those who may read the process may print it.
  expect((await e2e.t.call('GET', `/approvals/${key}/print.pdf`, { as: 'jc-hrss-verifier' })).status).toBe(
    403,
  );
  // The first page as a picture beside the screenshots.
  execFileSync('pdftoppm', [
    '-png',
    '-r',
    '50',
    '-f',
    '1',
    '-l',
    '1',
    '-singlefile',
    pdf,
    path.join(e2e.dir, '06-approval-form'),
  ]);
});
