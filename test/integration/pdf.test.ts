/** infra/pdf.ts: Chinese text and an inline QR code survive HTML → PDF, and renders share one chromium. */
import { chromium } from 'playwright-core';
import { closePdfRenderer, renderPdf } from '../../infra/pdf';
import { qrSvg } from '../../infra/qr';
import { decodeQrFromPng, pdfFirstPagePng, pdfText } from '../support/documents';

const VERIFY_URL = 'https://zwfw.jcgov.cn/licences/verify?id=1.2.156.3005.2.11100000000013338W032&查验=是';

async function html(): Promise<string> {
  return `<!doctype html>
<html lang="zh-CN">
  <head><meta charset="utf-8" /><style>body { font-family: sans-serif; } .qr svg { width: 40mm; }</style></head>
  <body>
    <h1>营业执照</h1>
    <p>视同复印件</p>
    <div class="qr">${await qrSvg(VERIFY_URL)}</div>
  </body>
</html>`;
}

afterAll(async () => {
  await closePdfRenderer();
});

it('renders Chinese text and a scannable QR code into the PDF, reusing one browser', async () => {
  const launch = jest.spyOn(chromium, 'launch');
  try {
    const pdf = await renderPdf(await html());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await pdfText(pdf)).toContain('视同复印件');
    expect(decodeQrFromPng(await pdfFirstPagePng(pdf))).toBe(VERIFY_URL);

    const landscape = await renderPdf(await html(), { landscape: true });
    expect(await pdfText(landscape)).toContain('视同复印件');
    expect(launch).toHaveBeenCalledTimes(1);
  } finally {
    launch.mockRestore();
  }
});
