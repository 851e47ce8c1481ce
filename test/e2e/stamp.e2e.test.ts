/**
 * Issue 18 Build 1 in the browser (SM-9, SM-12): the grantee opens the approved request, goes to 文件盖章, uploads a
 * PDF, places the imprint by dragging it on the rendered page preview and downloads the stamped PDF; the download
 * validates with pyHanko and pdfsig, its rendered page (pdftoppm) shows the imprint where it was dropped, and the
 * public page /verify/pdf (no login, issue 18 Build 3, SM-11) reports it verified. Screenshots in
 * test-artifacts/e2e-stamp.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CertificateAuthority } from '../../db/entities';
import { CA_ID } from '../../usecases/certificate-store';
import { DESK_VIEWPORT, PHONE_VIEWPORT, useBrowserPlatform } from '../support/browser';
import { pdfFirstPagePng } from '../support/documents';
import { pdfsig, pyhanko } from '../support/pades-validators';
import { makeTestSeal } from '../support/seals';
import { contractPdf, grant, imprintOnPage } from '../support/stamping';

const e2e = useBrowserPlatform('e2e-stamp');

it('uploads a PDF, drags the imprint into place, downloads the stamped file, which validates, shows the imprint there and verifies on the public page', async () => {
  const sealId = await makeTestSeal(e2e.t, 'business', '泽州县市场监督管理局合同专用章');
  const original = await contractPdf('Procurement contract (e2e.browser)');
  await grant(e2e.t, sealId, 'zz-amr-clerk', original);
  const caPem = (await e2e.t.em().findOneOrFail(CertificateAuthority, { id: CA_ID })).certificatePem;

  const page = await e2e.login('zz-amr-clerk');
  await page.goto(`${e2e.t.url}/seals/${sealId}/stamp`);
  await page.waitForSelector('#stamp-form');
  expect(await page.textContent('#authorisationId')).toContain('政府采购合同');
  await page.setInputFiles('#document', {
    name: '政府采购合同.pdf',
    mimeType: 'application/pdf',
    buffer: original,
  });
  // Placing by dragging the imprint frame on the rendered page preview (A4: 210 × 297 mm) to (60 mm, 80 mm).
  await page.waitForSelector('#stamp-sheet[data-ready=true]');
  await e2e.screenshot(page, '01-preview');
  const sheet = (await page.locator('#stamp-sheet').boundingBox())!;
  const at = (xMm: number, yMm: number) =>
    [sheet.x + (xMm / 210) * sheet.width, sheet.y + (yMm / 297) * sheet.height] as const;
  await page.mouse.move(...at(150, 230));
  await page.mouse.down();
  await page.mouse.move(...at(100, 150), { steps: 5 });
  await page.mouse.move(...at(60, 80), { steps: 5 });
  await page.mouse.up();
  const xMm = Number(await page.inputValue('#xMm'));
  const yMm = Number(await page.inputValue('#yMm'));
  expect(xMm).toBeCloseTo(60, -0.5); // within a pixel of the preview
  expect(yMm).toBeCloseTo(80, -0.5);
  await e2e.screenshot(page, '01-placed');
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
  mkdirSync(e2e.dir, { recursive: true });
  writeFileSync(path.join(e2e.dir, '02-stamped-page.png'), rendered);
  const imprint = imprintOnPage(rendered, 150);
  expect(imprint!.xMm).toBeCloseTo(xMm, 0);
  expect(imprint!.yMm).toBeCloseTo(yMm, 0);

  // SM-11: anyone, without a login, verifies the downloaded file on the public page (linked from /verify).
  const visitor = await e2e.browser.newPage({ viewport: PHONE_VIEWPORT });
  await visitor.goto(`${e2e.t.url}/verify`);
  await visitor.click('#verify-pdf-link');
  await visitor.setInputFiles('#document', {
    name: '政府采购合同（已盖章）.pdf',
    mimeType: 'application/pdf',
    buffer: stamped,
  });
  await visitor.click('#verify-pdf-form button[type=submit]');
  await visitor.waitForSelector('#verify-result');
  expect(await visitor.getAttribute('#verify-result', 'data-indication')).toBe('PASSED');
  const report = await visitor.textContent('main, body');
  expect(report).toContain('核验通过');
  expect(report).toContain('泽州县市场监督管理局合同专用章');
  expect(report).toContain('可信时间戳');
  expect(report).toContain('未修改（签章覆盖整个文件）');
  await e2e.screenshot(visitor, '04-verified-390');
  await visitor.setViewportSize(DESK_VIEWPORT);
  await e2e.screenshot(visitor, '05-verified-1366');
  await visitor.close();

  // The authorisation is used up: the page says there is none left to use.
  await page.goto(`${e2e.t.url}/seals/${sealId}/stamp`);
  expect(await page.textContent('main, body')).toContain('您没有该印章可用的用印授权');
  await e2e.screenshot(page, '03-used-up');
});
