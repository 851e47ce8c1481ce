/**
 * Issue 18 Build 1: stamping a PDF — the seal's imprint as the appearance of a new signature field at the placed
 * position, at its true size in millimetres, and a PAdES signature (subfilter ETSI.CAdES.detached) in it.
 *
 * Every stamp is an incremental update (ISO 32000-1 §7.5.6): the document's bytes stay as they were and the new and
 * changed objects (the signature dictionary, the widget and its appearance, the page's /Annots, the AcroForm) are
 * appended with a cross-reference section of their own, so signatures made earlier keep covering exactly their
 * revision and stay valid. pdf-lib reads the document and builds the objects, `@signpdf/signpdf` fills the signature's
 * placeholders; the update itself is written here, because pdf-lib only writes whole files.
 *
 * Limit: the update's cross-reference is a classic table, so a document whose own cross-reference is a stream
 * (PDF 1.5 object streams) gets a hybrid file that strict readers may refuse.
 */
import { createHash } from 'node:crypto';
import { SignPdf } from '@signpdf/signpdf';
import {
  ANNOTATION_FLAGS,
  DEFAULT_BYTE_RANGE_PLACEHOLDER,
  SIG_FLAGS,
  Signer,
  SUBFILTER_ETSI_CADES_DETACHED,
} from '@signpdf/utils';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFPage,
  PDFRef,
  PDFString,
} from 'pdf-lib';
import { addValidationData, ValidationData } from './pades-dss';

const POINTS_PER_MM = 72 / 25.4;

export interface ImprintPlacement {
  /** 0-based page index. */
  page: number;
  /** The imprint's centre, in millimetres from the page's left edge. */
  xMm: number;
  /** The imprint's centre, in millimetres from the page's top edge. */
  yMm: number;
}

export interface StampAppearance {
  /** The imprint as PNG. */
  png: Buffer;
  widthMm: number;
  heightMm: number;
  /** Shown as the signature's name and reason by PDF readers. */
  signerName: string;
  reason: string;
  signingTime: Date;
  /** Bytes reserved for the CMS signature (its DER, not hex). */
  signatureBytes: number;
}

export class PdfStampError extends Error {}

function bytesOf(obj: { sizeInBytes(): number; copyBytesInto(b: Uint8Array, o: number): number }): Buffer {
  const buffer = new Uint8Array(obj.sizeInBytes());
  obj.copyBytesInto(buffer, 0);
  return Buffer.from(buffer);
}

function fingerprints(doc: PDFDocument): Map<string, string> {
  return new Map(
    doc.context
      .enumerateIndirectObjects()
      .map(([ref, obj]) => [ref.tag, createHash('sha256').update(bytesOf(obj)).digest('hex')]),
  );
}

/** The number after the file's last `startxref`: where its last cross-reference section starts. */
function lastStartXref(pdf: Buffer): number {
  const at = pdf.lastIndexOf('startxref');
  const match = at < 0 ? null : /^startxref\s+(\d+)/.exec(pdf.subarray(at, at + 40).toString('latin1'));
  if (!match) throw new PdfStampError('PDF 文件缺少交叉引用表位置（startxref）');
  return Number(match[1]);
}

/** Appends the objects that are new or changed since `before` as an incremental update of `original`. */
function incrementalUpdate(original: Buffer, doc: PDFDocument, before: Map<string, string>): Buffer {
  const after = fingerprints(doc);
  const changed = doc.context
    .enumerateIndirectObjects()
    .filter(([ref]) => before.get(ref.tag) !== after.get(ref.tag))
    .sort(([a], [b]) => a.objectNumber - b.objectNumber);
  const head = original.at(-1) === 0x0a ? original : Buffer.concat([original, Buffer.from('\n')]);
  const parts: Buffer[] = [head];
  let offset = head.length;
  const offsets: Array<[PDFRef, number]> = [];
  for (const [ref, obj] of changed) {
    const bytes = Buffer.concat([
      Buffer.from(`${ref.objectNumber} ${ref.generationNumber} obj\n`),
      bytesOf(obj),
      Buffer.from('\nendobj\n'),
    ]);
    offsets.push([ref, offset]);
    parts.push(bytes);
    offset += bytes.length;
  }
  const xref = ['xref'];
  for (const [ref, at] of offsets) {
    xref.push(
      `${ref.objectNumber} 1`,
      `${String(at).padStart(10, '0')} ${String(ref.generationNumber).padStart(5, '0')} n\r`,
    );
  }
  const info = doc.context.trailerInfo;
  const trailer = doc.context.obj({
    Size: doc.context.largestObjectNumber + 1,
    Root: info.Root,
    ...(info.Info ? { Info: info.Info } : {}),
    ...(info.ID ? { ID: info.ID } : {}),
    Prev: lastStartXref(original),
  });
  parts.push(
    Buffer.from(
      `${xref.join('\n')}\ntrailer\n${trailer.toString()}\nstartxref\n${offset}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

async function loadPdf(pdf: Buffer): Promise<PDFDocument> {
  try {
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    // A file with a PDF header but no catalog or page tree loads, yet has nothing to stamp.
    doc.getPages();
    return doc;
  } catch (err) {
    if (/encrypted/i.test(String(err))) throw new PdfStampError('PDF 文件已加密，无法加盖电子印章');
    throw new PdfStampError('文件不是可读取的 PDF 文档');
  }
}

/** A signature field name not used yet in the document. */
function freshFieldName(doc: PDFDocument): string {
  const acroForm = doc.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  const fields = acroForm?.lookupMaybe(PDFName.of('Fields'), PDFArray);
  return `Seal${(fields?.size() ?? 0) + 1}`;
}

/**
 * A signature field whose widget shows the imprint, and its signature dictionary with the placeholders
 * `@signpdf/signpdf` fills: /ByteRange (names of asterisks) and /Contents (zeros, two hex digits per byte). Texts
 * are UTF-16 hex strings (PDF text strings), so Chinese names survive.
 */
function addSignatureField(
  doc: PDFDocument,
  page: PDFPage,
  field: { name: string; rect: number[]; appearance: PDFRef },
  appearance: StampAppearance,
): void {
  const { context } = doc;
  const placeholder = PDFName.of(DEFAULT_BYTE_RANGE_PLACEHOLDER);
  const signature = context.register(
    context.obj({
      Type: 'Sig',
      Filter: 'Adobe.PPKLite',
      SubFilter: SUBFILTER_ETSI_CADES_DETACHED,
      ByteRange: [PDFNumber.of(0), placeholder, placeholder, placeholder],
      Contents: PDFHexString.of('0'.repeat(appearance.signatureBytes * 2)),
      Name: PDFHexString.fromText(appearance.signerName),
      Reason: PDFHexString.fromText(appearance.reason),
      M: PDFString.fromDate(appearance.signingTime),
    }),
  );
  const widget = context.register(
    context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      T: PDFHexString.fromText(field.name),
      Rect: field.rect,
      V: signature,
      F: ANNOTATION_FLAGS.PRINT,
      P: page.ref,
      AP: { N: field.appearance },
    }),
  );
  const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
  if (annots) annots.push(widget);
  else page.node.set(PDFName.of('Annots'), context.obj([widget]));

  let acroForm = doc.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  if (!acroForm) {
    acroForm = context.obj({ Fields: [] });
    doc.catalog.set(PDFName.of('AcroForm'), context.register(acroForm));
  }
  const flags = acroForm.lookupMaybe(PDFName.of('SigFlags'), PDFNumber)?.asNumber() ?? 0;
  acroForm.set(
    PDFName.of('SigFlags'),
    PDFNumber.of(flags | SIG_FLAGS.SIGNATURES_EXIST | SIG_FLAGS.APPEND_ONLY),
  );
  const fields = acroForm.lookupMaybe(PDFName.of('Fields'), PDFArray);
  if (fields) fields.push(widget);
  else acroForm.set(PDFName.of('Fields'), context.obj([widget]));
}

/**
 * The document with the imprint and an empty signature field at the placed position, as an incremental update;
 * its /Contents is a placeholder that `signPreparedPdf` fills. With `validation`, the same update adds it to the
 * document's DSS (PAdES B-LT, pki/pades-dss.ts).
 */
export async function preparePdfStamp(
  pdf: Buffer,
  placement: ImprintPlacement,
  appearance: StampAppearance,
  validation?: ValidationData,
): Promise<Buffer> {
  const doc = await loadPdf(pdf);
  const before = fingerprints(doc);
  const pages = doc.getPages();
  const page = pages[placement.page];
  if (!page) throw new PdfStampError(`页码超出范围：该文件共 ${pages.length} 页`);
  const box = page.getMediaBox();
  const width = appearance.widthMm * POINTS_PER_MM;
  const height = appearance.heightMm * POINTS_PER_MM;
  const cx = box.x + placement.xMm * POINTS_PER_MM;
  const cy = box.y + box.height - placement.yMm * POINTS_PER_MM;
  const rect = [cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2];
  const name = freshFieldName(doc);

  const image = await doc.embedPng(appearance.png);
  await doc.flush();
  const imprint = doc.context.stream(`q ${width.toFixed(3)} 0 0 ${height.toFixed(3)} 0 0 cm /Imprint Do Q`, {
    Type: 'XObject',
    Subtype: 'Form',
    BBox: [0, 0, width, height],
    Resources: { XObject: { Imprint: image.ref } },
  });
  addSignatureField(doc, page, { name, rect, appearance: doc.context.register(imprint) }, appearance);
  if (validation) addValidationData(doc, validation);
  return incrementalUpdate(pdf, doc, before);
}

/** A signer that is handed the ByteRange's SHA-256 and answers the CMS SignedData (DER) over it. */
class DigestSigner extends Signer {
  constructor(private readonly signDigest: (digest: Buffer) => Promise<Buffer>) {
    super();
  }

  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    return this.signDigest(createHash('sha256').update(pdfBuffer).digest());
  }
}

/** Fills the placeholder of a prepared PDF: ByteRange, then the CMS `signDigest` makes over the ByteRange digest. */
export async function signPreparedPdf(
  prepared: Buffer,
  signDigest: (digest: Buffer) => Promise<Buffer>,
): Promise<Buffer> {
  return new SignPdf().sign(prepared, new DigestSigner(signDigest));
}

/** The DER size to reserve for a CMS signature carrying the seal information. */
export function signatureBytesFor(sealInformation: string): number {
  return 12_288 + Buffer.byteLength(sealInformation, 'utf8');
}
