/**
 * The licence face (证照照面): a type's handlebars face template inside the platform's frame — background, title,
 * the data items, the issuer's seal imprint, the identifier and, on every copy, the words 视同复印件 and a QR code
 * that opens the public verification page (SM-10). One renderer serves the issuing unit's view, the public page,
 * the printable copy, the PDF and the catalogue editor's preview.
 *
 * Face templates are written by catalogue administrators, so they are compiled in their own handlebars
 * environment with no helpers beyond a few formatting ones and with escaping on: a template can lay out data but
 * cannot inject markup from a licence's data.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
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

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Compiles a face template; throws with handlebars' message when it does not parse. */
export function compileFaceTemplate(template: string): HandlebarsTemplateDelegate {
  let fn = compiled.get(template);
  if (!fn) {
    fn = faceHbs.compile(template, {
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

/** The problem with a face template, in Chinese, or undefined when it compiles. */
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
