/**
 * Issue 18 Build 1: a page of an uploaded PDF as a PNG, for placing the imprint by dragging it on the stamping page.
 * Rendered by poppler's `pdftoppm` (Debian `poppler-utils`), with a time limit; the page's size in millimetres comes
 * from its MediaBox (pdf-lib), so the browser can turn a position on the picture into millimetres.
 */
import { spawn } from 'node:child_process';
import { PDFDocument } from 'pdf-lib';

const MM_PER_POINT = 25.4 / 72;
const PREVIEW_DPI = 72;
const TIMEOUT_MS = 20_000;

export class PdfPreviewError extends Error {}

export interface PagePreview {
  png: Buffer;
  widthMm: number;
  heightMm: number;
  pages: number;
}

function pdftoppm(pdf: Buffer, page: number): Promise<Buffer> {
  const args = [
    '-png',
    '-r',
    String(PREVIEW_DPI),
    '-f',
    String(page),
    '-l',
    String(page),
    '-singlefile',
    '-',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('pdftoppm', args, { stdio: ['pipe', 'pipe', 'ignore'], timeout: TIMEOUT_MS });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.on('error', () => reject(new PdfPreviewError('无法生成页面预览')));
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new PdfPreviewError('无法生成页面预览')),
    );
    child.stdin.on('error', () => undefined); // pdftoppm may exit before reading everything
    child.stdin.end(pdf);
  });
}

/** Page `page` (1-based) of the PDF, with the page's size. */
export async function pagePreview(pdf: Buffer, page: number): Promise<PagePreview> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { updateMetadata: false });
  } catch {
    throw new PdfPreviewError('文件不是可读取的 PDF 文档');
  }
  const pages = doc.getPages();
  const target = pages[page - 1];
  if (!target) throw new PdfPreviewError(`页码超出范围：该文件共 ${pages.length} 页`);
  const box = target.getMediaBox();
  return {
    png: await pdftoppm(pdf, page),
    widthMm: box.width * MM_PER_POINT,
    heightMm: box.height * MM_PER_POINT,
    pages: pages.length,
  };
}
