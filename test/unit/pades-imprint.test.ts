/** Issue 18 Build 1: the imprint a stamp embeds — PNG as it is, SVG rendered to PNG at 600 dpi of its size. */
import { PNG } from 'pngjs';
import { imprintPng } from '../../pki/pades-imprint';

const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="42mm" height="42mm" viewBox="0 0 100 100">' +
    '<circle cx="50" cy="50" r="45" fill="none" stroke="#c00" stroke-width="4"/></svg>',
);

describe('issue 18 Build 1: imprint as PNG for the PDF appearance', () => {
  it('renders an SVG imprint at 600 dpi of its width in millimetres, red ring on transparency', () => {
    const png = PNG.sync.read(imprintPng({ mediaType: 'image/svg+xml', data: SVG, widthMm: 42 }));
    expect(png.width).toBe(Math.round((42 * 600) / 25.4));
    const at = (x: number, y: number) => [
      ...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4),
    ];
    const c = png.width / 2;
    expect(at(Math.round(c), Math.round(c))[3]).toBe(0); // the centre is transparent
    const ring = at(Math.round(c + 0.45 * png.width), Math.round(c));
    expect(ring[0]).toBeGreaterThan(150);
    expect(ring[3]).toBeGreaterThan(200);
  });

  it('passes a PNG imprint through and refuses other media types', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    expect(imprintPng({ mediaType: 'image/png', data: png, widthMm: 40 })).toBe(png);
    expect(() => imprintPng({ mediaType: 'image/gif', data: png, widthMm: 40 })).toThrow();
  });
});
