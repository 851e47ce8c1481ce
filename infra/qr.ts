/** QR codes for printed licences (verification links); in infra/ because domain/ stays free of I/O libraries. */
import QRCode from 'qrcode';

// Level M (~15 % recovery) survives print and scan wear while keeping the code small; margin 2 modules is
// enough quiet zone on a page that is otherwise white around the code.
const OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/** An inline `<svg>` element (viewBox only, no size: the page's CSS sizes it), to embed in HTML. */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { ...OPTIONS, type: 'svg' });
}

/** A PNG data URL (`data:image/png;base64,…`), for <img> in pages and e-mails. */
export function qrDataUrl(text: string): Promise<string> {
  return QRCode.toDataURL(text, { ...OPTIONS, type: 'image/png' });
}

/**
 * Issue 16: a 亮证 token's link is long (an SD-JWT); level L (~7 %) fits the most data into a screen's QR code,
 * and the standard 4-module quiet zone helps a scanner find so dense a code (the page sizes it, my-licences.js).
 */
export function denseQrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { errorCorrectionLevel: 'L', margin: 4, type: 'svg' });
}
