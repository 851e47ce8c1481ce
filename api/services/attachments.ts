/**
 * Attachments to approval actions (意见附件): one code path for `POST /api/attachments` and the web forms that
 * upload a file together with an action. Checks the type, stores the bytes with their SHA-256, and audits.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Attachment } from '../../db/approval-entities';
import { recordAudit } from '../../db/audit';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { actorOf, Principal } from '../principal';

export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
export const ATTACHMENT_TYPES = [
  'application/pdf',
  'application/ofd',
  'image/png',
  'image/jpeg',
  'text/plain',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
] as const;

export interface UploadedFile {
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

export interface StoredAttachment {
  id: string;
  fileName: string;
  size: number;
  sha256: string;
  mediaType: string;
}

export async function storeAttachment(
  ctx: AppContext,
  principal: Principal,
  file: UploadedFile | undefined,
  meta: { requestId?: string; ip?: string },
): Promise<StoredAttachment> {
  if (!file) throw badRequest([{ field: 'file', rule: 'required', message: '请选择要上传的附件' }]);
  if (!(ATTACHMENT_TYPES as readonly string[]).includes(file.mimetype)) {
    throw badRequest([
      { field: 'file', rule: 'media_type', message: '附件只能是 PDF、OFD、PNG、JPEG、TXT、DOCX 或 XLSX' },
    ]);
  }
  const id = randomUUID();
  const sha256 = createHash('sha256').update(file.buffer).digest('hex');
  // Browsers send UTF-8 file names that multer reads as latin1.
  const fileName = Buffer.from(file.originalname, 'latin1').toString('utf8').slice(0, 200);
  const em = ctx.em();
  em.create(Attachment, {
    id,
    fileName,
    mediaType: file.mimetype,
    size: file.size,
    sha256,
    content: file.buffer,
    uploadedBy: principal.userId,
    uploadedAt: new Date(),
  });
  await em.flush();
  await recordAudit(ctx.em(), {
    actor: actorOf(principal),
    action: 'attachment.upload',
    targetType: 'attachment',
    targetId: id,
    outcome: 'success',
    details: { fileName, size: file.size, sha256 },
    requestId: meta.requestId,
    ip: meta.ip,
  });
  return { id, fileName, size: file.size, sha256, mediaType: file.mimetype };
}
