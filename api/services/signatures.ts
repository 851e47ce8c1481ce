/**
 * Handwritten signatures on approval (issue 10 build item 1, "Per step"): the approve body carries the drawing as a
 * PNG data URL; it is checked by its bytes (decoded as a PNG with pngjs, bounded in size and dimensions), stored
 * like an attachment (uploaded by the approver) and referenced by id in the approval's event. Anyone who may see
 * the process reads it at `GET /api/attachments/{id}` (attachments.ts).
 */
import { PNG } from 'pngjs';
import { SIGNATURE_MAX_BYTES } from '../../domain/approval-action-bodies';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import type { Principal } from '../principal';
import { storeAttachment } from './attachments';

/** A drawn signature fits in this box (pixels); a canvas is rarely larger than 1000 × 400. */
export const SIGNATURE_MAX_WIDTH = 2000;
export const SIGNATURE_MAX_HEIGHT = 1000;

const invalid = (message: string) => badRequest([{ field: 'signature', rule: 'png', message }]);

/** The PNG bytes of a signature data URL, or a 400 naming `signature`. */
export function signaturePng(dataUrl: string): Buffer {
  const match = /^data:image\/png;base64,([A-Za-z0-9+/]+={0,2})$/.exec(dataUrl);
  if (!match) throw invalid('签名应为 PNG 图片的 data URL（data:image/png;base64,…）');
  const bytes = Buffer.from(match[1]!, 'base64');
  if (bytes.length > SIGNATURE_MAX_BYTES) throw invalid('签名图片不能超过 200 KB');
  let image: { width: number; height: number };
  try {
    image = PNG.sync.read(bytes);
  } catch {
    throw invalid('签名不是有效的 PNG 图片');
  }
  if (image.width > SIGNATURE_MAX_WIDTH || image.height > SIGNATURE_MAX_HEIGHT) {
    throw invalid(`签名图片不能大于 ${SIGNATURE_MAX_WIDTH} × ${SIGNATURE_MAX_HEIGHT} 像素`);
  }
  return bytes;
}

/** Stores a checked signature as the approver's attachment (audited as an upload); answers its id. */
export async function storeSignature(
  ctx: AppContext,
  principal: Principal,
  dataUrl: string,
  meta: { requestId?: string; ip?: string },
): Promise<string> {
  const buffer = signaturePng(dataUrl);
  const stored = await storeAttachment(
    ctx,
    principal,
    { originalname: 'signature.png', mimetype: 'image/png', size: buffer.length, buffer },
    meta,
  );
  return stored.id;
}
