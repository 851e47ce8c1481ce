/**
 * Issue 18 Build 5: a standard seal imprint drawn as SVG from the seal's data — the official round seal (red ring, a
 * five-pointed star in the middle, the unit's name arched along the ring with each character placed on the arc and
 * turned to follow it, the purpose across the bottom and the seal's code), and an oval and a square variant.
 *
 * Pure: the SVG and the placed name characters (for tests and for anyone who draws it elsewhere). The elements are
 * those the imprint allowlist accepts (domain/imprint.ts); sizes are in millimetres (the viewBox is the seal's size).
 */
export const IMPRINT_SHAPES = ['round', 'oval', 'square'] as const;
export type ImprintShape = (typeof IMPRINT_SHAPES)[number];

export interface StandardImprintInput {
  shape: ImprintShape;
  /** The unit's name, arched along the ring (round, oval) or across the top (square). */
  organisationName: string;
  /** The seal's purpose, e.g. 合同专用章, across the bottom. */
  purpose: string;
  /** The seal's code (18 digits), small along the bottom edge. */
  code?: string;
}

/** One character of the name: its centre (mm) and its rotation (degrees, clockwise; 0 = upright). */
export interface PlacedGlyph {
  char: string;
  x: number;
  y: number;
  rotate: number;
}

export interface StandardImprint {
  svg: string;
  widthMm: number;
  heightMm: number;
  glyphs: PlacedGlyph[];
  /** The arc the name follows: centre and radii (mm). */
  arc: { cx: number; cy: number; rx: number; ry: number };
}

const RED = '#d0021b';
const SIZES: Record<ImprintShape, { w: number; h: number }> = {
  round: { w: 42, h: 42 },
  oval: { w: 45, h: 30 },
  square: { w: 30, h: 30 },
};
const round = (n: number) => Math.round(n * 1000) / 1000;
const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The characters of `text` spread over the upper arc of the ellipse, each turned to the tangent there. */
export function glyphsOnArc(
  text: string,
  arc: { cx: number; cy: number; rx: number; ry: number },
  spanDegrees: number,
): PlacedGlyph[] {
  const chars = [...text];
  const step = chars.length > 1 ? spanDegrees / (chars.length - 1) : 0;
  return chars.map((char, i) => {
    // t: the angle from the top, clockwise; the point (cx + rx sin t, cy − ry cos t).
    const t = ((-spanDegrees / 2 + i * step) * Math.PI) / 180;
    const x = arc.cx + arc.rx * Math.sin(t);
    const y = arc.cy - arc.ry * Math.cos(t);
    // The tangent (rx cos t, ry sin t): the character's baseline runs along it.
    const rotate = (Math.atan2(arc.ry * Math.sin(t), arc.rx * Math.cos(t)) * 180) / Math.PI;
    return { char, x: round(x), y: round(y), rotate: round(rotate) };
  });
}

/** A five-pointed star centred at (cx, cy) with outer radius r, one point up. */
function star(cx: number, cy: number, r: number): string {
  const points: string[] = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? r : r * 0.382;
    const a = (i * Math.PI) / 5;
    points.push(`${round(cx + radius * Math.sin(a))},${round(cy - radius * Math.cos(a))}`);
  }
  return `<polygon points="${points.join(' ')}" fill="${RED}"/>`;
}

const glyphText = (g: PlacedGlyph, size: number) =>
  `<text x="0" y="0" font-size="${round(size)}" text-anchor="middle" dominant-baseline="central" ` +
  `transform="translate(${g.x} ${g.y}) rotate(${g.rotate})" fill="${RED}">${escape(g.char)}</text>`;

const straightText = (text: string, x: number, y: number, size: number) =>
  `<text x="${round(x)}" y="${round(y)}" font-size="${round(size)}" text-anchor="middle" ` +
  `dominant-baseline="central" fill="${RED}">${escape(text)}</text>`;

/** The name's span on the ring: wider for longer names, at most 240°. */
const spanFor = (length: number) => Math.min(240, Math.max(90, length * 22));

function ringed(input: StandardImprintInput, shape: 'round' | 'oval'): StandardImprint {
  const { w, h } = SIZES[shape];
  const cx = w / 2;
  const cy = h / 2;
  const stroke = shape === 'round' ? 1.2 : 1;
  const nameSize = shape === 'round' ? 5 : 4;
  const arc = { cx, cy, rx: cx - stroke - nameSize * 0.75, ry: cy - stroke - nameSize * 0.75 };
  const glyphs = glyphsOnArc(input.organisationName, arc, spanFor([...input.organisationName].length));
  const parts = [
    `<ellipse cx="${cx}" cy="${cy}" rx="${round(cx - stroke / 2)}" ry="${round(cy - stroke / 2)}" fill="none" stroke="${RED}" stroke-width="${stroke}"/>`,
    star(cx, cy - (shape === 'round' ? 1 : 0.5), shape === 'round' ? 6.5 : 4.5),
    ...glyphs.map((g) => glyphText(g, nameSize)),
    ...(input.purpose ? [straightText(input.purpose, cx, cy + h * 0.22, shape === 'round' ? 4.2 : 3.4)] : []),
    ...(input.code ? [straightText(input.code, cx, cy + h * 0.36, shape === 'round' ? 1.8 : 1.6)] : []),
  ];
  return { svg: document(w, h, parts), widthMm: w, heightMm: h, glyphs, arc };
}

function square(input: StandardImprintInput): StandardImprint {
  const { w, h } = SIZES.square;
  const chars = [...input.organisationName];
  const perRow = Math.ceil(chars.length / 2);
  const size = Math.min(5, (w - 6) / Math.max(perRow, 1));
  const rows = [chars.slice(0, perRow).join(''), chars.slice(perRow).join('')].filter(Boolean);
  const parts = [
    `<rect x="0.6" y="0.6" width="${w - 1.2}" height="${h - 1.2}" fill="none" stroke="${RED}" stroke-width="1.2"/>`,
    ...rows.map((row, i) => straightText(row, w / 2, 6 + i * (size + 1.5), size)),
    ...(input.purpose ? [straightText(input.purpose, w / 2, h - 8, 3.6)] : []),
    ...(input.code ? [straightText(input.code, w / 2, h - 3.5, 1.6)] : []),
  ];
  return {
    svg: document(w, h, parts),
    widthMm: w,
    heightMm: h,
    glyphs: [],
    arc: { cx: 0, cy: 0, rx: 0, ry: 0 },
  };
}

function document(w: number, h: number, parts: string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}mm" height="${h}mm" viewBox="0 0 ${w} ${h}" ` +
    `font-family="SimSun, 'Noto Serif CJK SC', 'WenQuanYi Micro Hei', serif">${parts.join('')}</svg>`
  );
}

/** The purpose a seal's name states after the unit's name (合同专用章 in 某某局合同专用章); '' for the name alone. */
export function purposeOf(sealName: string, organisationName: string): string {
  return sealName.startsWith(organisationName) ? sealName.slice(organisationName.length).trim() : '';
}

/** The standard imprint of a seal as SVG. */
export function standardImprint(input: StandardImprintInput): StandardImprint {
  return input.shape === 'square' ? square(input) : ringed(input, input.shape);
}
