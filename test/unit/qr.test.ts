/** QR codes round-trip: what infra/qr.ts encodes (UTF-8, Chinese included) is what a scanner reads back. */
import QRCode from 'qrcode';
import { qrDataUrl, qrSvg } from '../../infra/qr';
import { decodeQrFromPng } from '../support/documents';

const URL_WITH_CHINESE = 'https://zwfw.jcgov.cn/licences/verify?name=泽州县市场监督管理局&note=视同复印件';

it('a PNG rendered by qrcode decodes back to the URL with Chinese characters', async () => {
  const png = await QRCode.toBuffer(URL_WITH_CHINESE, { errorCorrectionLevel: 'M', margin: 2 });
  expect(decodeQrFromPng(png)).toBe(URL_WITH_CHINESE);
});

it('qrDataUrl gives a PNG data URL that decodes back to the text', async () => {
  const dataUrl = await qrDataUrl(URL_WITH_CHINESE);
  expect(dataUrl).toMatch(/^data:image\/png;base64,/);
  const png = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  expect(decodeQrFromPng(png)).toBe(URL_WITH_CHINESE);
});

it('qrSvg gives an inline <svg> element', async () => {
  const svg = await qrSvg(URL_WITH_CHINESE);
  expect(svg.trimStart()).toMatch(/^<svg[\s>]/);
  expect(svg.trimEnd()).toMatch(/<\/svg>$/);
});

it('decodeQrFromPng returns null when the image holds no QR code', async () => {
  const blank = await QRCode.toBuffer('x', { margin: 0, color: { dark: '#ffffffff', light: '#ffffffff' } });
  expect(decodeQrFromPng(blank)).toBeNull();
});
