/**
 * Issue 18 Build 1: the seal's imprint as the PNG a stamp's appearance embeds (PDF has no SVG): a PNG imprint as it
 * is, an SVG one rendered by resvg (a Rust SVG renderer, `@resvg/resvg-js`) at 600 dpi of its size in millimetres.
 */
import { Resvg } from '@resvg/resvg-js';

const DOTS_PER_MM = 600 / 25.4;

export function imprintPng(imprint: { mediaType: string; data: Buffer; widthMm: number }): Buffer {
  if (imprint.mediaType === 'image/png') return imprint.data;
  if (imprint.mediaType !== 'image/svg+xml') throw new Error(`imprint media type ${imprint.mediaType}`);
  const width = Math.round(imprint.widthMm * DOTS_PER_MM);
  return new Resvg(imprint.data, { fitTo: { mode: 'width', value: width } }).render().asPng();
}
