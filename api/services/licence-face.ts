/**
 * The licence face (证照照面): a type's handlebars face template inside the platform's frame — background, title,
 * the data items, the issuer's seal imprint, the identifier and, on every copy, the words 视同复印件 and a QR code
 * that opens the public verification page (SM-10). One renderer serves the issuing unit's view, the public page,
 * the printable copy, the PDF and the catalogue editor's preview.
 *
 * Face templates are written by catalogue administrators, so they are compiled in their own handlebars
 * environment with no helpers beyond a few formatting ones and with escaping on: a template can lay out data but
 * cannot inject markup from a licence's data. And a template itself can hold only layout: at save time anything
 * outside an allowlist of elements and attributes (`sanitize-html`) — a script, an event attribute, a link, a
 * `javascript:` URL — and the unescaped `{{{…}}}` / `{{&…}}` and partials are refused with the field named, and
 * the stored template is the sanitiser's output; rendering sanitises again, so a row saved before these rules
 * cannot carry script either. The faces appear on public pages (`/verify/:id`), so this is what keeps stored
 * script off them (with the pages' CSP, api/app.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import sanitizeHtml from 'sanitize-html';
import type { LicenceMetadata } from '../../domain/licence';
import {
  HOLDER_CODE_TYPE_LABELS,
  LicenceData,
  LicenceTypeDefinition,
  maskData,
  maskHolderCode,
  maskHolderName,
} from '../../domain/licence-type';

const faceHbs = Handlebars.create();
faceHbs.registerHelper('or', (a: unknown, b: unknown) => (a === undefined || a === null || a === '' ? b : a));
faceHbs.registerHelper('yesno', (v: unknown) => (v === true ? '是' : v === false ? '否' : ''));

const frameHbs = Handlebars.create();
const readTemplate = (name: string) =>
  frameHbs.compile(readFileSync(path.join(__dirname, '..', '..', 'templates', 'licence', name), 'utf8'));
const frame = readTemplate('face-frame.hbs');
const faceDocument = readTemplate('face-document.hbs');
const faceCss = readFileSync(path.join(__dirname, '..', '..', 'templates', 'static', 'licence.css'), 'utf8');

/** The elements a face may use: text and table layout, nothing that loads, links, runs or submits. */
export const FACE_ELEMENTS = [
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'caption',
  'colgroup',
  'col',
  'div',
  'span',
  'p',
  'br',
  'hr',
  'strong',
  'b',
  'em',
  'i',
  'u',
  'small',
  'sub',
  'sup',
  'h1',
  'h2',
  'h3',
  'h4',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'section',
  'header',
  'footer',
] as const;

/** The attributes a face may use, per element (`*`: any of the elements above). */
export const FACE_ATTRIBUTES: Record<string, string[]> = {
  '*': ['class'],
  th: ['class', 'colspan', 'rowspan', 'scope'],
  td: ['class', 'colspan', 'rowspan'],
  col: ['class', 'span'],
  colgroup: ['class', 'span'],
};

const SANITISE: sanitizeHtml.IOptions = {
  allowedTags: [...FACE_ELEMENTS],
  allowedAttributes: FACE_ATTRIBUTES,
  allowedSchemes: [],
  disallowedTagsMode: 'discard',
  // Keep handlebars' quoted arguments (`{{or data.x "—"}}`) as written: entities are not decoded and re-encoded.
  parser: { decodeEntities: false },
};

/** Handlebars constructs that write unescaped output or pull in other templates. */
const UNESCAPED = /\{\{\{|\{\{~?\s*&|\{\{~?\s*#?>/;
/**
 * A script URL, as a browser reads it: character references decoded (the sanitiser's parser leaves them as
 * written), then white space and control characters removed.
 */
const SCRIPT_URL = /^(?:javascript|vbscript|data):/i;
const scriptUrl = (value: string) =>
  SCRIPT_URL.test(
    [
      ...value.replace(/&#(x[0-9a-f]{1,8}|\d{1,10});?/gi, (_m, n: string) => {
        const code = n[0] === 'x' || n[0] === 'X' ? parseInt(n.slice(1), 16) : Number(n);
        return code <= 0x10ffff ? String.fromCodePoint(code) : '';
      }),
    ]
      .filter((c) => c.charCodeAt(0) > 0x20)
      .join(''),
  );

/** The face template as stored and rendered: only the allowlisted elements and attributes survive. */
export function sanitizeFaceTemplate(template: string): string {
  return sanitizeHtml(template, SANITISE);
}

/**
 * What in a face template is not allowed, in Chinese (at most a few lines); empty when nothing is. Found with the
 * sanitiser's own parser, so that what is refused is exactly what it would remove.
 */
export function faceTemplateSafetyProblems(template: string): string[] {
  const problems = new Set<string>();
  if (UNESCAPED.test(template)) {
    problems.add('不允许使用不转义的输出 {{{…}}} / {{&…}} 或引用其他模板 {{> …}}');
  }
  const allowedHere = (tag: string) => [...(FACE_ATTRIBUTES['*'] ?? []), ...(FACE_ATTRIBUTES[tag] ?? [])];
  sanitizeHtml(template, {
    ...SANITISE,
    onOpenTag: (tag: string, attributes: Record<string, string>) => {
      const name = tag.toLowerCase();
      if (!(FACE_ELEMENTS as readonly string[]).includes(name)) problems.add(`不允许使用元素 <${name}>`);
      for (const [attribute, value] of Object.entries(attributes)) {
        const a = attribute.toLowerCase();
        if (a.startsWith('on')) problems.add(`不允许使用事件属性 ${a}`);
        else if (scriptUrl(value)) problems.add(`属性 ${a} 不允许使用 javascript: 等脚本地址`);
        else if (!allowedHere(name).includes(a)) problems.add(`元素 <${name}> 不允许使用属性 ${a}`);
      }
    },
  } as sanitizeHtml.IOptions);
  return [...problems].slice(0, 5);
}

/** For rendering a row saved before the rules: unescaped output becomes escaped output. */
function neutralised(template: string): string {
  return sanitizeFaceTemplate(
    template
      .replace(/\{\{\{\{?/g, '{{')
      .replace(/\}\}\}\}?/g, '}}')
      .replace(/\{\{(~?)\s*&/g, '{{$1'),
  );
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Compiles a face template (sanitised); throws with handlebars' message when it does not parse. */
export function compileFaceTemplate(template: string): HandlebarsTemplateDelegate {
  let fn = compiled.get(template);
  if (!fn) {
    fn = faceHbs.compile(neutralised(template), {
      strict: false,
      knownHelpersOnly: true,
      knownHelpers: { or: true, yesno: true },
    });
    fn({ meta: {}, data: {} }); // compile eagerly, so a syntax error surfaces here and not on first use
    if (compiled.size > 500) compiled.clear();
    compiled.set(template, fn);
  }
  return fn;
}

/** The problem with a face template's syntax, in Chinese, or undefined when it compiles. */
export function faceTemplateProblem(template: string): string | undefined {
  try {
    compileFaceTemplate(template);
    return undefined;
  } catch (err) {
    return `照面模板语法错误：${(err as Error).message.split('\n')[0]}`;
  }
}

export interface FaceInput {
  definition: Pick<LicenceTypeDefinition, 'name' | 'dataItems' | 'face' | 'holderCategory'>;
  metadata: Omit<LicenceMetadata, 'serviceItems' | 'typeVersion'> &
    Partial<Pick<LicenceMetadata, 'serviceItems'>>;
  data: LicenceData;
  /** Sensitive items and a natural person's name and ID masked (public page, copies, using units, SM-10). */
  masked: boolean;
  /** A printed or converted form: says 视同复印件 and carries the QR code (SM-10). */
  copy: boolean;
  /** The public verification URL the QR code opens. */
  verifyUrl: string;
  /** Inline SVG of the QR code for verifyUrl (infra/qr.ts qrSvg); required when copy is true. */
  qrSvg?: string;
  /** The issuer's seal imprint as a data URL, drawn over the issuer's name. */
  sealImprintDataUrl?: string;
  /** A preview from the catalogue editor: marked as a sample. */
  sample?: boolean;
}

/** The face as an HTML fragment (a `<section class="licence-face">`). */
export function renderFace(input: FaceInput): string {
  const { definition, metadata } = input;
  const data = input.masked ? maskData(definition.dataItems, input.data) : input.data;
  const holderName = input.masked
    ? maskHolderName(metadata.holder.name, definition.holderCategory)
    : metadata.holder.name;
  const holderCode = input.masked
    ? maskHolderCode(metadata.holder.code, metadata.holder.codeType)
    : metadata.holder.code;
  const meta = {
    name: metadata.name,
    identifier: metadata.identifier,
    licenceNumber: metadata.licenceNumber,
    version: String(metadata.version).padStart(3, '0'),
    issuerName: metadata.issuer.name,
    issuerCode: metadata.issuer.code,
    issueDate: metadata.issueDate,
    holderName,
    holderCode,
    holderCodeTypeLabel: HOLDER_CODE_TYPE_LABELS[metadata.holder.codeType],
    validFrom: metadata.validFrom,
    validTo: metadata.validTo ?? '长期',
  };
  const body = compileFaceTemplate(definition.face.template)({ meta, data });
  return frame({
    body: new frameHbs.SafeString(body),
    background: definition.face.background,
    meta,
    copy: input.copy,
    sample: input.sample ?? false,
    masked: input.masked,
    verifyUrl: input.verifyUrl,
    qr: input.qrSvg ? new frameHbs.SafeString(input.qrSvg) : null,
    sealImprint: input.sealImprintDataUrl ?? null,
  });
}

/** A whole printable document around one face (for the copy view and the PDF). */
export function renderFaceDocument(input: FaceInput & { title: string }): string {
  return faceDocument({ title: input.title, css: faceCss, face: new frameHbs.SafeString(renderFace(input)) });
}
