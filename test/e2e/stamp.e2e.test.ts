/**
 * Issue 18 Build 1 in the browser (SM-9, SM-12): the grantee opens the approved request, goes to 文件盖章, uploads a
 * PDF, places the imprint (page and millimetres) and downloads the stamped PDF; the download validates with
 * pyHanko and pdfsig, and its rendered page (pdftoppm) shows the imprint where it was placed. Screenshots in
 * test-artifacts/e2e-stamp.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { CertificateAuthority } from '../../db/entities';
import { CA_ID } from '../../usecases/certificate-store';
import { ARTIFACTS, launchChromium, loginPage, screenshot } from '../support/browser';
import { pdfFirstPagePng } from '../support/documents';
import { pdfsig, pyhanko } from '../support/pades-validators';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';
import { contractPdf, grant, imprintOnPage } from '../support/stamping';

const SUITE = 'e2e-stamp';
let t: TestPlatform;
let browser: Browser;

beforeAll(async () => {
  t = await startTestPlatform();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

it('uploads a PDF, places the imprint, downloads the stamped file, which validates and shows the imprint there', async () => {
  const sealId = await makeTestSeal(t, 'business', '泽州县市场监督管理局合同专用章');
  const original = await contractPdf('Procurement contract (browser)');
  await grant(t, sealId, 'zz-amr-clerk', original);
  const caPem = (await t.em().findOneOrFail(CertificateAuthority, { id: CA_ID })).certificatePem;

  const page = await loginPage(browser, t.url, 'zz-amr-clerk');
  await page.goto(`${t.url}/seals/${sealId}/stamp`);
  await page.waitForSelector('#stamp-form');
  expect(await page.textContent('#authorisationId')).toContain('政府采购合同');
  await page.setInputFiles('#document', {
    name: '政府采购合同.pdf',
    mimeType: 'application/pdf',
    buffer: original,
  });
  await page.fill('#page', '1');
  await page.fill('#xMm', '60');
  await page.fill('#yMm', '80');
  await screenshot(page, SUITE, '01-placed');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('#stamp-form button[type=submit]'),
  ]);
  expect(download.suggestedFilename()).toBe('政府采购合同（已盖章）.pdf');
  const stamped = readFileSync((await download.path())!);

  const [byHanko] = await pyhanko(stamped, caPem);
  expect(byHanko).toMatchObject({ intact: true, valid: true, trusted: true, bottomLine: true });
  const [bySig] = await pdfsig(stamped, caPem);
  expect(bySig).toMatchObject({
    signatureValidation: 'Signature is Valid.',
    certificateValidation: 'Certificate is Trusted.',
  });

  const rendered = await pdfFirstPagePng(stamped);
  mkdirSync(path.join(ARTIFACTS, SUITE), { recursive: true });
  writeFileSync(path.join(ARTIFACTS, SUITE, '02-stamped-page.png'), rendered);
  const imprint = imprintOnPage(rendered, 150);
  expect(imprint!.xMm).toBeCloseTo(60, 0);
  expect(imprint!.yMm).toBeCloseTo(80, 0);

  // The authorisation is used up: the page says there is none left to use.
  await page.goto(`${t.url}/seals/${sealId}/stamp`);
  expect(await page.textContent('main, body')).toContain('您没有该印章可用的用印授权');
  await screenshot(page, SUITE, '03-used-up');
});
