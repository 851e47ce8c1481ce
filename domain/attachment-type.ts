/**
 * Attachment types recognised by their bytes (magic numbers), never trusted as declared: a declared type is
 * accepted only when the content is of that kind. OFD, DOCX and XLSX are ZIP containers, so for them the ZIP
 * signature is what can be checked here; plain text must be UTF-8 without control characters other than
 * white space.
 */
const startsWith = (bytes: Uint8Array, signature: readonly number[]) =>
  bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);

const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const ZIP = [0x50, 0x4b, 0x03, 0x04]; // PK\3\4: OFD (GB/T 33190), DOCX and XLSX (OOXML)

function isPlainText(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
}

const CONTENT_CHECKS: Record<string, (bytes: Uint8Array) => boolean> = {
  'application/pdf': (b) => startsWith(b, PDF),
  'image/png': (b) => startsWith(b, PNG),
  'image/jpeg': (b) => startsWith(b, JPEG),
  'application/ofd': (b) => startsWith(b, ZIP),
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': (b) => startsWith(b, ZIP),
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': (b) => startsWith(b, ZIP),
  'text/plain': isPlainText,
};

/** Whether the bytes are of the declared type (false for a type not listed). */
export function contentMatchesType(declared: string, bytes: Uint8Array): boolean {
  const check = CONTENT_CHECKS[declared];
  return !!check && bytes.length > 0 && check(bytes);
}
