/**
 * Seal imprints (印模, SM-6): PNG or SVG only, recognised by their bytes, at most IMPRINT_MAX_BYTES, and an SVG
 * may hold no scripting and no external reference (it is text a browser may execute).
 */
import { IMPRINT_MAX_BYTES, imprintProblem, sniffImprint } from '../../domain/imprint';
import { pngImprint } from '../support/fixtures';

/** A complete 1×1 RGBA PNG (ISO/IEC 15948): signature, IHDR, IDAT, IEND. */
const minimalPng = () => pngImprint(1);

const SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">';
const RING = '<circle cx="100" cy="100" r="92" fill="none" stroke="#c00" stroke-width="6"/>';
const svg = (inner = RING, open = SVG_OPEN) => Buffer.from(`${open}${inner}</svg>`, 'utf8');

const SVG_REFUSED = 'SVG 印模只能包含图形和文字，不得包含脚本、事件属性、样式表、动画、字符引用或外部引用';
const NOT_AN_IMAGE = '印模图片必须是 PNG 或 SVG 格式';

describe('sniffImprint: the real format, whatever is declared', () => {
  it('recognises a PNG by its 8-byte signature', () => {
    expect(sniffImprint(minimalPng())).toBe('image/png');
  });

  it('does not take a truncated PNG signature for a PNG', () => {
    expect(sniffImprint(minimalPng().subarray(0, 7))).toBeUndefined();
  });

  it('recognises a bare SVG root element', () => {
    expect(sniffImprint(svg())).toBe('image/svg+xml');
    expect(sniffImprint(Buffer.from('<svg>'))).toBe('image/svg+xml');
  });

  it('recognises an SVG after an XML declaration, comments and an SVG DOCTYPE', () => {
    const text =
      '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' +
      '<!-- 由印模制作软件生成 -->\n<!-- second comment -->\n' +
      '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' +
      `${SVG_OPEN}${RING}</svg>`;
    expect(sniffImprint(Buffer.from(text))).toBe('image/svg+xml');
  });

  it('recognises an SVG after leading white space or a UTF-8 byte order mark', () => {
    expect(sniffImprint(Buffer.from(`\n\t  ${SVG_OPEN}</svg>`))).toBe('image/svg+xml');
    expect(sniffImprint(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), svg()]))).toBe('image/svg+xml');
  });

  it('recognises an upper-case root element name (the match ignores case)', () => {
    expect(sniffImprint(Buffer.from('<SVG></SVG>'))).toBe('image/svg+xml');
  });

  it.each([
    ['GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')],
    ['JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00])],
    ['PDF', Buffer.from('%PDF-1.7\n')],
    ['HTML holding an SVG', Buffer.from('<html><body><svg></svg></body></html>')],
    ['an element whose name only begins with svg', Buffer.from('<svgx></svgx>')],
    ['text before the root element', Buffer.from(`hello ${SVG_OPEN}</svg>`)],
    ['empty bytes', Buffer.alloc(0)],
    ['random bytes', Buffer.from([0x13, 0x37, 0x00, 0xfe, 0x42, 0x99, 0x01, 0x02, 0x03, 0x04])],
  ])('recognises nothing in %s', (_what, bytes) => {
    expect(sniffImprint(bytes)).toBeUndefined();
  });
});

describe('imprintProblem: format and size (SM-6)', () => {
  it('accepts a real PNG declared as image/png', () => {
    expect(imprintProblem('image/png', minimalPng())).toBeUndefined();
  });

  it('accepts a plain SVG declared as image/svg+xml', () => {
    expect(imprintProblem('image/svg+xml', svg())).toBeUndefined();
  });

  it('refuses empty bytes', () => {
    expect(imprintProblem('image/png', new Uint8Array(0))).toBe('印模图片为空');
  });

  it('accepts exactly IMPRINT_MAX_BYTES and refuses one byte more', () => {
    const png = minimalPng();
    const atLimit = Buffer.concat([png, Buffer.alloc(IMPRINT_MAX_BYTES - png.length)]);
    expect(atLimit).toHaveLength(IMPRINT_MAX_BYTES);
    expect(imprintProblem('image/png', atLimit)).toBeUndefined();
    const overLimit = Buffer.concat([atLimit, Buffer.alloc(1)]);
    expect(imprintProblem('image/png', overLimit)).toBe('印模图片不能超过 512 KB');
  });

  it.each([
    ['GIF', 'image/gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')],
    ['JPEG', 'image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46])],
    ['random bytes', 'image/png', Buffer.from([0x13, 0x37, 0x00, 0xfe, 0x42, 0x99, 0x01, 0x02, 0x03])],
  ])('refuses %s as neither PNG nor SVG', (_what, declared, bytes) => {
    expect(imprintProblem(declared, bytes)).toBe(NOT_AN_IMAGE);
  });

  it('refuses a PNG declared as SVG and an SVG declared as PNG, naming both types', () => {
    expect(imprintProblem('image/svg+xml', minimalPng())).toBe(
      '印模图片的实际格式（image/png）与声明的格式（image/svg+xml）不一致',
    );
    expect(imprintProblem('image/png', svg())).toBe(
      '印模图片的实际格式（image/svg+xml）与声明的格式（image/png）不一致',
    );
  });

  it('refuses a declared type outside the accepted ones even when the bytes are a PNG', () => {
    expect(imprintProblem('image/jpeg', minimalPng())).toContain('不一致');
  });
});

describe('imprintProblem: SVG content (SM-6: no scripting, no external reference)', () => {
  it.each([
    ['a <script> element', '<script>alert(1)</script>'],
    ['an upper-case <SCRIPT> element', '<SCRIPT type="text/ecmascript">alert(1)</SCRIPT>'],
    ['an onload= attribute on an element', '<rect width="10" height="10" onload="alert(1)"/>'],
    ['an onclick attribute with spaces around =', '<rect width="10" height="10" onclick = "alert(1)"/>'],
    ['an event attribute after a line break', '<rect width="10"\n\tonmouseover="alert(1)"/>'],
    ['a javascript: URL outside href', '<set attributeName="fill" to="javascript:alert(1)"/>'],
    ['a javascript: link', '<a href="javascript:alert(1)"><text>x</text></a>'],
    ['an external href', '<image href="https://evil.example/seal.png" width="10" height="10"/>'],
    ['an external xlink:href', '<use xlink:href="http://evil.example/defs.svg#ring"/>'],
    ['a relative href to another file', '<use href="defs.svg#ring"/>'],
    ['a src attribute', '<image src="https://evil.example/a.png"/>'],
    ['a data: URL that is not an image', '<image href="data:text/html;base64,PHNjcmlwdD4="/>'],
    ['a foreignObject', '<foreignObject width="10" height="10"><div>x</div></foreignObject>'],
    ['an entity declaration', '<!-- <!ENTITY x SYSTEM "file:///etc/passwd"> -->'],
    ['a style sheet importing another', '<style>@import url("https://evil.example/x.css")</style>'],
    ['a fill that loads a paint server from elsewhere', '<rect fill="url(https://evil.example/p.svg#g)"/>'],
    ['an inline style with an external url()', '<rect style="fill: url(\'//evil.example/p.svg#g\')"/>'],
    [
      'an animation that rewrites href, hidden behind a character reference',
      '<a><animate attributeName="href" values="jav&#x61;script:alert(1)"/><text>x</text></a>',
    ],
    ['an animateTransform element', '<animateTransform attributeName="transform" type="rotate"/>'],
  ])('refuses an SVG with %s', (_what, inner) => {
    expect(imprintProblem('image/svg+xml', svg(inner))).toBe(SVG_REFUSED);
  });

  it('refuses an event attribute on the root element itself', () => {
    expect(
      imprintProblem('image/svg+xml', svg(RING, '<svg xmlns="http://www.w3.org/2000/svg" onload="x()">')),
    ).toBe(SVG_REFUSED);
  });

  it('refuses an SVG whose DOCTYPE declares entities (it is not even taken for an SVG)', () => {
    const text =
      '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol">]>' +
      '<svg xmlns="http://www.w3.org/2000/svg">&lol;</svg>';
    expect(imprintProblem('image/svg+xml', Buffer.from(text))).toBeDefined();
  });

  it('refuses forbidden content placed beyond the first kilobyte that sniffing reads', () => {
    const padding = `<!-- ${'x'.repeat(4096)} -->`;
    expect(imprintProblem('image/svg+xml', svg(`${RING}${padding}<script>alert(1)</script>`))).toBe(
      SVG_REFUSED,
    );
  });

  it('accepts an internal reference href="#id" and xlink:href="#id"', () => {
    const inner =
      `<defs><path id="arc" d="M 30 100 A 70 70 0 0 1 170 100"/></defs>` +
      `<text><textPath href="#arc">晋城市行政审批服务管理局</textPath></text>` +
      `<use xlink:href="#arc"/>`;
    expect(imprintProblem('image/svg+xml', svg(inner))).toBeUndefined();
  });

  it('accepts a fill that references a gradient in the same document', () => {
    const inner = `<defs><radialGradient id="g"/></defs><circle r="40" fill="url(#g)"/>`;
    expect(imprintProblem('image/svg+xml', svg(inner))).toBeUndefined();
  });

  it('accepts an embedded raster image as a data:image URL', () => {
    const data = minimalPng().toString('base64');
    const inner = `<image width="10" height="10" href="data:image/png;base64,${data}"/>`;
    expect(imprintProblem('image/svg+xml', svg(inner))).toBeUndefined();
  });

  it('accepts words that merely contain "on" and "script" without being markup', () => {
    // "Helvetica" has no "on…=" attribute; "description" is not "<script".
    const inner = `<desc>seal description, version 2</desc><text font-family="Helvetica" stroke-linejoin="round">章</text>`;
    expect(imprintProblem('image/svg+xml', svg(inner))).toBeUndefined();
  });
});

describe('imprintProblem: the allowlist parse (a real XML parser, not a textual check)', () => {
  it.each([
    ['a namespaced <x:script>', '<x:script xmlns:x="http://www.w3.org/2000/svg">alert(1)</x:script>'],
    ['an svg:script', '<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(1)</svg:script>'],
    [
      'a namespaced handler element',
      '<x:handler xmlns:x="http://www.w3.org/2001/xml-events">alert(1)</x:handler>',
    ],
    ['an element outside the allowlist', '<iframe width="10" height="10"/>'],
    ['an attribute outside the allowlist', '<rect width="10" height="10" formaction="x"/>'],
    ['a namespaced event attribute', '<rect width="10" height="10" x:onload="alert(1)"/>'],
  ])('refuses an SVG with %s', (_what, inner) => {
    expect(imprintProblem('image/svg+xml', svg(inner))).toBe(SVG_REFUSED);
  });

  it('still accepts a typical imprint: ring, star, arc text and a gradient', () => {
    const inner =
      `${RING}<defs><path id="arc" d="M 30 100 A 70 70 0 0 1 170 100"/>` +
      `<linearGradient id="g"><stop offset="0" stop-color="#c00"/></linearGradient></defs>` +
      `<polygon points="100,60 110,90 140,90 115,110 125,140 100,120 75,140 85,110 60,90 90,90" fill="url(#g)"/>` +
      `<text font-size="16" text-anchor="middle"><textPath href="#arc" startOffset="50%">泽州县市场监督管理局</textPath></text>`;
    expect(imprintProblem('image/svg+xml', svg(inner))).toBeUndefined();
  });
});
