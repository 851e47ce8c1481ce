/** Reading generated documents back in tests: PDF text and pages via poppler-utils, QR codes via jsQR. */
import { spawn } from 'node:child_process';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/** Runs a command with `input` on stdin and resolves its stdout; rejects with its stderr on a non-zero exit. */
function pipe(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject); // e.g. ENOENT: poppler-utils not installed (.ci/run installs it)
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${command} exited with ${code}: ${Buffer.concat(err).toString('utf8')}`));
    });
    child.stdin.end(input);
  });
}

/** The PDF's text, laid out roughly as printed (`-layout`), so tests can match lines. */
export async function pdfText(pdf: Buffer): Promise<string> {
  return (await pipe('pdftotext', ['-layout', '-', '-'], pdf)).toString('utf8');
}

/** The first page as a 150 dpi PNG: enough resolution for jsQR to read a printed QR code. */
export function pdfFirstPagePng(pdf: Buffer): Promise<Buffer> {
  // `-` reads the PDF from stdin; with no output root, pdftoppm writes the page to stdout.
  return pipe('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', '-'], pdf);
}

/** The text of the first QR code found in the PNG, or null if none can be read. */
export function decodeQrFromPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
  return jsQR(pixels, image.width, image.height)?.data ?? null;
}
