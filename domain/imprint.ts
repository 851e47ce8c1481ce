/**
 * Seal imprints (印模, SM-6): the image the applicant supplies, identical to the physical seal. Accepted as PNG or
 * SVG. SVG is text that a browser may execute, so any scripting or external reference is refused: the document is
 * parsed as XML by a real sanitiser's parser (`sanitize-html`, htmlparser2) and every element and attribute must be
 * on an allowlist of drawing ones — a namespaced `<x:script>` is an element outside it, whatever its prefix — on
 * top of the textual checks below.
 */
import sanitizeHtml from 'sanitize-html';

export const IMPRINT_MEDIA_TYPES = ['image/png', 'image/svg+xml'] as const;
export type ImprintMediaType = (typeof IMPRINT_MEDIA_TYPES)[number];
export const IMPRINT_MAX_BYTES = 512 * 1024;
/** Physical seals measure from about 10 mm (personal) to 60 mm (legal-name); leave headroom. */
export const IMPRINT_MIN_MM = 5;
export const IMPRINT_MAX_MM = 100;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/**
 * An imprint is a drawing of a seal: shapes, paths and text. Anything that can run code, load something from
 * elsewhere or rewrite a link later is refused: scripts, event attributes, `javascript:`, foreign objects, entity
 * declarations, style sheets (`@import`, `url()`), SMIL animation (which can rewrite `href`), and character
 * references (which can hide any of these from a textual check).
 */
const SVG_FORBIDDEN = [
  /<script/i,
  /\son[a-z]+\s*=/i,
  /javascript:/i,
  /<foreignObject/i,
  /<!ENTITY/i,
  /<style/i,
  /@import/i,
  /url\(\s*["']?(?!#)/i,
  /<(animate|animateMotion|animateTransform|set)\b/i,
  /&#/,
];
const SVG_EXTERNAL_REF = /(?:href|src)\s*=\s*["'](?!#|data:image\/)/i;

/** The SVG elements an imprint may hold: shapes, paths, text and the definitions they reference (lower case). */
const SVG_ELEMENTS = new Set([
  'svg',
  'g',
  'defs',
  'title',
  'desc',
  'symbol',
  'use',
  'path',
  'circle',
  'ellipse',
  'rect',
  'line',
  'polyline',
  'polygon',
  'text',
  'tspan',
  'textpath',
  'lineargradient',
  'radialgradient',
  'stop',
  'clippath',
  'mask',
  'pattern',
  'image',
]);

/** The attributes an imprint's elements may carry: geometry, paint, text and references (checked below). */
const SVG_ATTRIBUTES = new Set([
  'xmlns',
  'xmlns:xlink',
  'xmlns:svg',
  'xml:space',
  'xml:lang',
  'version',
  'id',
  'class',
  'style',
  'width',
  'height',
  'x',
  'y',
  'x1',
  'y1',
  'x2',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'fx',
  'fy',
  'dx',
  'dy',
  'd',
  'points',
  'pathlength',
  'transform',
  'viewbox',
  'preserveaspectratio',
  'fill',
  'fill-opacity',
  'fill-rule',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-linecap',
  'stroke-linejoin',
  'stroke-miterlimit',
  'stroke-dasharray',
  'stroke-dashoffset',
  'opacity',
  'color',
  'visibility',
  'display',
  'clip-path',
  'clip-rule',
  'mask',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'font-stretch',
  'font-variant',
  'letter-spacing',
  'word-spacing',
  'text-anchor',
  'dominant-baseline',
  'alignment-baseline',
  'baseline-shift',
  'writing-mode',
  'text-decoration',
  'textlength',
  'lengthadjust',
  'startoffset',
  'side',
  'rotate',
  'method',
  'spacing',
  'offset',
  'stop-color',
  'stop-opacity',
  'gradientunits',
  'gradienttransform',
  'spreadmethod',
  'patternunits',
  'patterncontentunits',
  'patterntransform',
  'clippathunits',
  'maskunits',
  'maskcontentunits',
  'href',
  'xlink:href',
  'xlink:title',
]);

/** Whether every element and attribute of the SVG is on the allowlists (parsed as XML, names compared lower case). */
function svgWithinAllowlist(text: string): boolean {
  let within = true;
  sanitizeHtml(text, {
    // Only the parse is used (the output is discarded), so keeping everything raises no XSS warning's concern.
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    parser: { xmlMode: true, decodeEntities: false },
    onOpenTag: (name: string, attributes: Record<string, string>) => {
      if (!SVG_ELEMENTS.has(name.toLowerCase())) within = false;
      for (const attribute of Object.keys(attributes)) {
        if (!SVG_ATTRIBUTES.has(attribute.toLowerCase())) within = false;
      }
    },
  });
  return within;
}

/** Which imprint format the bytes really are, whatever the declared type says. */
export function sniffImprint(bytes: Uint8Array): ImprintMediaType | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'image/png';
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 1024)).trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) {
    return 'image/svg+xml';
  }
  return undefined;
}

/** Returns a problem (in Chinese, for the applicant) or undefined when the imprint is acceptable. */
export function imprintProblem(declared: string, bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return '印模图片为空';
  if (bytes.length > IMPRINT_MAX_BYTES) return `印模图片不能超过 ${IMPRINT_MAX_BYTES / 1024} KB`;
  const actual = sniffImprint(bytes);
  if (!actual) return '印模图片必须是 PNG 或 SVG 格式';
  if (actual !== declared) return `印模图片的实际格式（${actual}）与声明的格式（${declared}）不一致`;
  if (actual === 'image/svg+xml') {
    const text = new TextDecoder().decode(bytes);
    if (
      SVG_FORBIDDEN.some((re) => re.test(text)) ||
      SVG_EXTERNAL_REF.test(text) ||
      !svgWithinAllowlist(text)
    ) {
      return 'SVG 印模只能包含图形和文字，不得包含脚本、事件属性、样式表、动画、字符引用或外部引用';
    }
  }
  return undefined;
}
