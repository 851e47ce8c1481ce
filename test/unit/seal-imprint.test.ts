/**
 * Issue 18 Build 5: the standard imprint — the unit's name follows the ring. Checked on the SVG itself (parsed with
 * fast-xml-parser: each character's position lies on the arc and its rotation is the arc's tangent there) and on
 * the SVG rendered by resvg (red ink where each character is placed, and at the star).
 */
import { Resvg } from '@resvg/resvg-js';
import { XMLParser } from 'fast-xml-parser';
import { PNG } from 'pngjs';
import { imprintProblem } from '../../domain/imprint';
import { standardImprint } from '../../presentation/seal-imprint';

const NAME = '泽州县市场监督管理局';

interface TextNode {
  '#text': string;
  '@_transform'?: string;
  '@_x': string;
  '@_y': string;
}

function texts(svg: string): TextNode[] {
  const parsed = new XMLParser({ ignoreAttributes: false }).parse(svg) as { svg: { text: TextNode[] } };
  return parsed.svg.text;
}

describe('issue 18 Build 5: the standard round seal imprint', () => {
  const imprint = standardImprint({
    shape: 'round',
    organisationName: NAME,
    purpose: '合同专用章',
    code: '140525000000000001',
  });

  it('is an SVG the imprint rules accept, at 42 mm', () => {
    expect(imprintProblem('image/svg+xml', Buffer.from(imprint.svg))).toBeUndefined();
    expect([imprint.widthMm, imprint.heightMm]).toEqual([42, 42]);
  });

  it('places each character of the name on the arc, turned to follow the tangent (checked on the SVG)', () => {
    const arched = texts(imprint.svg).filter((t) => t['@_transform']);
    expect(arched.map((t) => t['#text']).join('')).toBe(NAME);
    const { cx, cy, rx, ry } = imprint.arc;
    let previous = -Infinity;
    for (const node of arched) {
      const m = /translate\(([\d.-]+) ([\d.-]+)\) rotate\(([\d.-]+)\)/.exec(node['@_transform']!)!;
      const [x, y, rotate] = [Number(m[1]), Number(m[2]), Number(m[3])];
      // On the ring's arc.
      expect(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2).toBeCloseTo(1, 3);
      // The angle from the top, clockwise, and the tangent's direction there.
      const t = Math.atan2((x - cx) / rx, (cy - y) / ry);
      const tangent = (Math.atan2(ry * Math.sin(t), rx * Math.cos(t)) * 180) / Math.PI;
      expect(rotate).toBeCloseTo(tangent, 2);
      expect(t).toBeGreaterThan(previous); // read clockwise, left to right over the top
      previous = t;
    }
    // Not a straight line across the top: the middle characters sit higher than the ends, the ends turned outwards.
    const ys = arched.map((n) => Number(/translate\([\d.-]+ ([\d.-]+)\)/.exec(n['@_transform']!)![1]));
    expect(Math.min(...ys)).toBeLessThan(ys[0]! - 5);
    expect(Number(/rotate\(([\d.-]+)\)/.exec(arched[0]!['@_transform']!)![1])).toBeLessThan(-45);
    expect(Number(/rotate\(([\d.-]+)\)/.exec(arched.at(-1)!['@_transform']!)![1])).toBeGreaterThan(45);
    // The purpose across the bottom and the code, upright.
    const straight = texts(imprint.svg).filter((t) => !t['@_transform']);
    expect(straight.map((t) => t['#text'])).toEqual(['合同专用章', '140525000000000001']);
    expect(Number(straight[0]!['@_y'])).toBeGreaterThan(imprint.arc.cy);
  });

  it('renders (resvg) with red ink at each placed character and at the star', () => {
    const pxPerMm = 20;
    const png = PNG.sync.read(
      new Resvg(imprint.svg, {
        fitTo: { mode: 'width', value: 42 * pxPerMm },
        font: { loadSystemFonts: true, defaultFontFamily: 'WenQuanYi Micro Hei' },
      })
        .render()
        .asPng(),
    );
    const redAround = (xMm: number, yMm: number, radiusMm: number) => {
      let red = 0;
      const r = Math.round(radiusMm * pxPerMm);
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const x = Math.round(xMm * pxPerMm) + dx;
          const y = Math.round(yMm * pxPerMm) + dy;
          const i = (y * png.width + x) * 4;
          if (png.data[i + 3]! > 128 && png.data[i]! > 150 && png.data[i + 1]! < 90) red++;
        }
      }
      return red;
    };
    for (const glyph of imprint.glyphs) expect(redAround(glyph.x, glyph.y, 1.5)).toBeGreaterThan(20);
    expect(redAround(imprint.arc.cx, imprint.arc.cy - 1, 1)).toBeGreaterThan(100); // the star's centre
    // Between the arched name and the star there is no ink (the name does not run straight across).
    expect(redAround(21, 9.5, 0.8)).toBe(0);
  });
});

describe('issue 18 Build 5: oval and square variants', () => {
  it('the oval seal arches the name along its ellipse; the square one sets it in rows', () => {
    const oval = standardImprint({ shape: 'oval', organisationName: NAME, purpose: '财务专用章' });
    expect([oval.widthMm, oval.heightMm]).toEqual([45, 30]);
    for (const g of oval.glyphs) {
      const { cx, cy, rx, ry } = oval.arc;
      expect(((g.x - cx) / rx) ** 2 + ((g.y - cy) / ry) ** 2).toBeCloseTo(1, 3);
    }
    expect(imprintProblem('image/svg+xml', Buffer.from(oval.svg))).toBeUndefined();
    const square = standardImprint({ shape: 'square', organisationName: NAME, purpose: '法人章' });
    expect(texts(square.svg).map((t) => t['#text'])).toEqual(['泽州县市场', '监督管理局', '法人章']);
    expect(imprintProblem('image/svg+xml', Buffer.from(square.svg))).toBeUndefined();
  });
});
