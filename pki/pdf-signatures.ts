/**
 * Issue 18 Build 3 (SM-11): the signatures in a PDF as bytes — each signature dictionary's /ByteRange, the CMS in
 * its /Contents and its claimed signing time /M — and what changed in the document after each signature: nothing
 * (the ByteRange covers the whole file), only later signatures (incremental updates that add signature fields, their
 * widgets and appearances, and the page /Annots and AcroForm entries that point at them, and validation data in the
 * document security store, PAdES B-LT), or anything else.
 */
import { createHash } from 'node:crypto';
import type { Coverage } from '../domain/pdf-verification';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';

export interface PdfSignatureBytes {
  byteRange: [number, number, number, number];
  /** The CMS (DER, with the zero padding of the placeholder). */
  contents: Buffer;
  /** The claimed signing time (/M), or null. */
  claimedTime: Date | null;
  /** The signed revision's end: byteRange[2] + byteRange[3]. */
  revisionEnd: number;
}

export type { Coverage };

export class PdfFormatError extends Error {}

const BYTE_RANGE = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;

/** A PDF date `D:YYYYMMDDHHmmSS+HH'mm'` as a Date, or null. */
export function pdfDate(text: string): Date | null {
  const m = /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|([+-])(\d{2})'?(\d{2})'?)?/.exec(text);
  if (!m) return null;
  const offset = m[8] ? `${m[8]}${m[9]}:${m[10]}` : 'Z';
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Every signature dictionary's ByteRange and contents, in file order. */
export function pdfSignatures(pdf: Buffer): PdfSignatureBytes[] {
  const text = pdf.toString('latin1');
  const found: PdfSignatureBytes[] = [];
  for (const m of text.matchAll(BYTE_RANGE)) {
    const range = m.slice(1, 5).map(Number) as [number, number, number, number];
    const [a, b, c, d] = range;
    if (a !== 0 || b <= 0 || c <= b + 1 || c + d > pdf.length) continue;
    if (pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e) continue; // < … >
    const hex = text.slice(b + 1, c - 1);
    if (!/^[0-9a-fA-F]*$/.test(hex)) continue;
    const objectStart = text.lastIndexOf(' obj', m.index);
    const objectEnd = text.indexOf('endobj', m.index);
    const dict = text.slice(Math.max(objectStart, 0), objectEnd < 0 ? undefined : objectEnd);
    const time = /\/M\s*\((D:[^)]*)\)/.exec(dict)?.[1];
    found.push({
      byteRange: range,
      contents: Buffer.from(hex, 'hex'),
      claimedTime: time ? pdfDate(time) : null,
      revisionEnd: c + d,
    });
  }
  return found;
}

/** The bytes a signature covers: the file without its /Contents hex string. */
export function signedBytes(pdf: Buffer, [a, b, c, d]: PdfSignatureBytes['byteRange']): Buffer {
  return Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
}

const tagOf = (obj: PDFObject) => obj.toString();
const nameOf = (dict: PDFDict, key: string) => dict.get(PDFName.of(key))?.toString();

function fingerprint(obj: PDFObject): string {
  if (obj instanceof PDFRawStream)
    return createHash('sha256').update(obj.dict.toString()).update(obj.contents).digest('hex');
  return createHash('sha256').update(tagOf(obj)).digest('hex');
}

/** The keys (without the slash) whose values differ between two dictionaries. */
function changedKeys(before: PDFDict, after: PDFDict): Set<string> {
  const keys = new Map([...before.keys(), ...after.keys()].map((k) => [k.toString(), k]));
  return new Set(
    [...keys]
      .filter(([, k]) => before.get(k)?.toString() !== after.get(k)?.toString())
      .map(([text]) => text.slice(1)),
  );
}

const DSS_KEYS = ['Type', 'Certs', 'OCSPs', 'CRLs', 'VRI'];
const DATA_STREAM_KEYS = ['Length', 'Filter', 'DecodeParms'];
const onlyKeys = (dict: PDFDict, allowed: string[]) =>
  dict.keys().every((k) => allowed.includes(k.toString().slice(1)));

/** A document security store (PAdES B-LT) or a plain data stream in it (a certificate, OCSP response, CRL). */
function isValidationData(obj: PDFObject): boolean {
  if (obj instanceof PDFRawStream) return onlyKeys(obj.dict, DATA_STREAM_KEYS);
  return obj instanceof PDFDict && (nameOf(obj, 'Type') === '/DSS' || obj.has(PDFName.of('Certs')))
    ? onlyKeys(obj, DSS_KEYS)
    : false;
}

/**
 * What a later update may add: a signature, its widget, an appearance or image XObject, an AcroForm, validation
 * data.
 */
function isSignatureAddition(obj: PDFObject): boolean {
  if (isValidationData(obj)) return true;
  const dict = obj instanceof PDFRawStream ? obj.dict : obj instanceof PDFDict ? obj : null;
  if (!dict) return obj instanceof PDFArray; // an indirect /Annots or /Fields array
  if (nameOf(dict, 'Type') === '/Sig') return true;
  if (nameOf(dict, 'Subtype') === '/Widget' && nameOf(dict, 'FT') === '/Sig') return true;
  if (obj instanceof PDFRawStream) return ['/Form', '/Image'].includes(nameOf(dict, 'Subtype') ?? '');
  return dict.has(PDFName.of('Fields')) && !dict.has(PDFName.of('Type'));
}

/**
 * What a later update may change in an existing object: a page's /Annots, the catalog's AcroForm and DSS, the
 * form's, the DSS's lists.
 */
function isSignatureChange(before: PDFObject, after: PDFObject): boolean {
  if (before instanceof PDFArray && after instanceof PDFArray) {
    const old = before.asArray().map(tagOf);
    return after.size() >= old.length && old.every((v, i) => tagOf(after.get(i)) === v);
  }
  if (!(before instanceof PDFDict) || !(after instanceof PDFDict)) return false;
  if (before instanceof PDFRawStream || after instanceof PDFRawStream) return false;
  if (isValidationData(before) && isValidationData(after)) return true;
  const changed = changedKeys(before, after);
  const type = nameOf(after, 'Type');
  const allowed =
    type === '/Page'
      ? ['Annots']
      : type === '/Catalog'
        ? ['AcroForm', 'DSS']
        : after.has(PDFName.of('Fields'))
          ? ['Fields', 'SigFlags']
          : [];
  return [...changed].every((k) => allowed.includes(k));
}

async function load(pdf: Buffer): Promise<PDFDocument> {
  try {
    return await PDFDocument.load(pdf, { updateMetadata: false, ignoreEncryption: true });
  } catch {
    throw new PdfFormatError('文件不是可读取的 PDF 文档');
  }
}

/** What changed after the revision that ends at `revisionEnd`. */
export async function coverageOf(pdf: Buffer, revisionEnd: number): Promise<Coverage> {
  if (revisionEnd === pdf.length) return 'ENTIRE_FILE';
  const before = await load(pdf.subarray(0, revisionEnd));
  const after = await load(pdf);
  const old = new Map<string, PDFObject>(
    before.context.enumerateIndirectObjects().map(([ref, obj]) => [ref.tag, obj]),
  );
  const onlySignatures = after.context.enumerateIndirectObjects().every(([ref, obj]: [PDFRef, PDFObject]) => {
    const earlier = old.get(ref.tag);
    if (!earlier) return isSignatureAddition(obj);
    return fingerprint(earlier) === fingerprint(obj) || isSignatureChange(earlier, obj);
  });
  return onlySignatures ? 'SIGNATURES_ADDED' : 'CHANGED';
}
