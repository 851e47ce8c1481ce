/**
 * Issue 19 (LM-10) in the browser: 存量转换 — an issuer uploads a ledger, maps the columns the platform could not
 * guess, sees the preview with the bad rows, starts the conversion, follows the progress bar to the report and
 * downloads the rejected rows (read back with csv-parse). The job page is checked at 390 px too. Screenshots in
 * test-artifacts/e2e-conversion.
 */
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { PHONE_VIEWPORT, useBrowserPlatform } from '../support/browser';
import { grantConversionSealUse, ledgerCsv, makeLedger } from '../support/conversions';
import { BUSINESS_LICENCE_CODE } from '../support/licences';

jest.setTimeout(900_000);

const e2e = useBrowserPlatform('e2e-conversion');

async function noHorizontalOverflow(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(client);
}

it('uploads a ledger, maps the columns, previews, converts with the progress bar and downloads the rejected rows', async () => {
  const ledger = makeLedger(1_200, 7);
  await grantConversionSealUse(e2e.t, 1_500);
  const page = await e2e.login('zz-amr-issuer');
  await page.goto(`${e2e.t.url}/conversions`);
  await page.selectOption('#licenceType', BUSINESS_LICENCE_CODE);
  await page.setInputFiles('#file', {
    name: '泽州县营业执照存量台账.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(ledgerCsv(ledger.rows)),
  });
  await e2e.screenshot(page, '01-upload');
  await Promise.all([
    page.waitForURL(/\/conversions\/[0-9a-f-]{36}$/),
    page.click('#conversion-upload button'),
  ]);

  // The fields whose column names differ from their labels are mapped by hand.
  await page.waitForSelector('select[data-target=holderName]');
  expect(await page.inputValue('select[data-target=licenceNumber]')).toBe('原证照编号');
  await page.selectOption('select[data-target=holderName]', '企业名称');
  await page.selectOption('select[data-target=holderCode]', '统一社会信用代码');
  await page.selectOption('select[data-target=issueDate]', '发证日期');
  await e2e.screenshot(page, '02-mapping');
  await page.click('#mapping-form button[type=submit]');
  await page.waitForSelector('#preview-card:not([hidden])');
  expect(await page.textContent('#preview-summary')).toContain('1193 行通过校验，7 行未通过');
  expect(await page.locator('#problems-table tbody tr').count()).toBe(7);
  expect(await page.textContent('#problems-table tbody tr:first-child td:first-child')).toBe(
    String(ledger.bad[0]!.rowNumber),
  );
  await e2e.screenshot(page, '03-preview');

  await page.click('#start-conversion');
  await page.waitForSelector('#progress-card:not([hidden])');
  expect(await page.textContent('#progress-text')).toMatch(/已处理 \d+ \/ 1200 行/);
  await e2e.screenshot(page, '04-progress');
  await page.waitForSelector('#report:not([hidden])', { timeout: 300_000 });
  expect(await page.getAttribute('#conversion', 'data-status')).toBe('completed');
  expect(await page.getAttribute('#conversion-progress', 'value')).toBe('100');
  expect(await page.textContent('#report-converted')).toBe('1193 份');
  expect(await page.textContent('#report-rejected')).toBe('7 行');
  await e2e.screenshot(page, '05-report');

  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 180_000 }),
    page.click('#download-rejected'),
  ]);
  const records = parseCsv(readFileSync((await download.path())!), { bom: true, columns: true }) as Array<
    Record<string, string>
  >;
  expect(records.map((r) => Number(r['原文件行号']))).toEqual(ledger.bad.map((b) => b.rowNumber));
  expect(records.every((r) => r['问题'].length > 0)).toBe(true);

  // On a phone: the same page, nothing sticking out sideways.
  const phone = await e2e.login('zz-amr-issuer', { viewport: PHONE_VIEWPORT });
  await phone.goto(page.url());
  await phone.waitForSelector('#report:not([hidden])');
  await noHorizontalOverflow(phone);
  await e2e.screenshot(phone, '06-report-390');
  await phone.goto(`${e2e.t.url}/conversions`);
  await noHorizontalOverflow(phone);
  await e2e.screenshot(phone, '07-jobs-390');
});
