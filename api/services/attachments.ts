/**
 * Attachments to approval actions (意见附件): one code path for `POST /api/attachments` and the web forms that
 * upload a file together with an action. Checks the type, stores the bytes with their SHA-256, and audits; and
 * reads one back for its uploader or anyone who may see a process it was attached to.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Attachment } from '../../db/approval-entities';
import { recordAudit } from '../../db/audit';
import { contentMatchesType } from '../../domain/attachment-type';
import type { AppContext } from '../context';
import { ApiError, badRequest, forbidden, notFound } from '../errors';
import { actorOf, Principal } from '../principal';
import type { ApprovalService } from './approvals';

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
  if (!contentMatchesType(file.mimetype, file.buffer)) {
    throw badRequest([
      { field: 'file', rule: 'content_type', message: `附件内容不是所声明的格式（${file.mimetype}）` },
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

/** An attachment's bytes, for its uploader or anyone who may see a process it was attached to (else 403). */
export async function readAttachment(
  ctx: AppContext,
  approvals: ApprovalService,
  principal: Principal,
  id: string,
): Promise<{ fileName: string; mediaType: string; content: Buffer }> {
  const em = ctx.em();
  const attachment = await em.findOne(Attachment, { id }, { populate: ['content'] });
  if (!attachment) throw notFound('附件');
  if (attachment.uploadedBy !== principal.userId) {
    // Others see an attachment through a process it was attached to (or that holds it as a signature).
    const rows: Array<{ process_key: string }> = await em
      .getConnection()
      .execute(
        `select distinct process_key from approval_event where attachments @> ?::jsonb or signature_id = ?`,
        [JSON.stringify([{ id: attachment.id }]), attachment.id],
      );
    let allowed = false;
    for (const r of rows) {
      try {
        await approvals.view(principal, r.process_key);
        allowed = true;
        break;
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
      }
    }
    if (!allowed) throw forbidden('无权查看此附件');
  }
  return { fileName: attachment.fileName, mediaType: attachment.mediaType, content: attachment.content };
}
