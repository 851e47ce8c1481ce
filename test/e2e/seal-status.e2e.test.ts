/**
 * In real chromium (issue 12 Build 7, seal part): the unit's seal applicant reports a seal lost on the seal page;
 * the page shows it suspended at once with the loss in its history, the 挂失 form is gone and 注销 / 解除挂失 are
 * offered; the public status page shows the loss without a login.
 * Screenshots go to test-artifacts/e2e-seal-status/.
 */
import { Seal } from '../../db/entities';
import { newPage, useBrowserPlatform } from '../support/browser';
import { makeTestSeal } from '../support/seals';

const e2e = useBrowserPlatform('e2e-seal-status');

it('issue 12 Build 7: reports a seal lost on the seal page; suspended at once, shown publicly', async () => {
  const sealId = await makeTestSeal(e2e.t, 'business', '泽州县市场监督管理局档案专用章');
  const page = await e2e.login('zz-amr-clerk');
  await page.goto(`${e2e.t.url}/seals/${sealId}`);
  await page.waitForSelector('#seal-loss-form');
  expect(await page.textContent('#seal-status-now')).toContain('有效');
  await e2e.screenshot(page, '01-seal-active');

  await page.fill('#seal-loss-form textarea[name=reason]', '保管人外出时存放印章密钥的介质遗失');
  await page.click('#seal-loss-form button[type=submit]');
  await page.waitForSelector('#seal-status-now:has-text("已挂失")', { timeout: 10_000 });
  const now = await page.textContent('#seal-status-now');
  expect(now).toContain('已挂失');
  expect(now).toContain('保管人外出时存放印章密钥的介质遗失');
  const lossRow = page.locator('#seal-status-history tr', { hasText: '保管人外出时存放印章密钥的介质遗失' });
  expect(await lossRow.textContent()).toMatch(/挂失\s*已挂失/);
  expect(await page.$('#seal-loss-form')).toBeNull();
  expect(await page.$('#seal-cancel-form')).not.toBeNull();
  expect(await page.$('#seal-restore-form')).not.toBeNull();
  await e2e.screenshot(page, '02-seal-lost');
  const seal = await e2e.t.em().findOneOrFail(Seal, { id: sealId }, { disableIdentityMap: true });
  expect(seal.status).toBe('lost');

  const visitor = await newPage(e2e.browser);
  const res = await visitor.goto(`${e2e.t.url}/seals/status/${seal.esId}`);
  expect(res?.status()).toBe(200);
  expect(await visitor.textContent('#seal-status')).toContain('已挂失');
  expect(await visitor.textContent('#seal-status-history')).toMatch(/挂失\s*已挂失/);
  await e2e.screenshot(visitor, '03-public-status');
});
