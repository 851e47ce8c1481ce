/**
 * Issue 18 Build 1: stamping a PDF under a seal-use authorisation (SM-9, SM-12). `POST /api/seals/:id/stamp` takes
 * multipart/form-data — the PDF as `document` and the fields `authorisationId`, `page` (1-based), `xMm`, `yMm` (the
 * imprint's centre in millimetres from the page's top-left corner) — and answers the stamped PDF. Refusals are as
 * for `POST /api/seals/:id/sign` (403/409/422 with the reason in `details.reason`).
 */
import { Router } from 'express';
import multer from 'multer';
import { STAMP_PDF_MAX_BYTES, StampRequestBody } from '../../domain/document-stamp';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { requestMeta } from '../principal';
import { DocumentStampingService } from '../services/document-stamping';
import { parse } from '../validation';

export function documentRoutes(ctx: AppContext, stamping: DocumentStampingService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: STAMP_PDF_MAX_BYTES, files: 1, fields: 10 },
  });

  router.post('/seals/:id/stamp', auth, (req, res, next) => {
    upload.single('document')(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE') {
        return next(badRequest([{ field: 'document', rule: 'max_size', message: 'PDF 文件不能超过 10 MB' }]));
      }
      if (err) {
        const message = '请求体不是合法的 multipart/form-data（须含 PDF 文件 document）';
        return next(badRequest([{ field: 'document', rule: 'multipart', message }]));
      }
      next();
    });
  });

  router.post('/seals/:id/stamp', async (req, res) => {
    const principal = requirePrincipal(req);
    const body = parse(StampRequestBody, req.body ?? {});
    if (!req.file)
      throw badRequest([{ field: 'document', rule: 'required', message: '请上传要盖章的 PDF 文件' }]);
    const fileName = Buffer.from(req.file.originalname, 'latin1').toString('utf8');
    const stamped = await stamping.stamp(
      principal,
      req.params.id,
      body,
      { bytes: req.file.buffer, fileName },
      requestMeta(req),
    );
    const downloadName = `${fileName.replace(/\.pdf$/i, '')}（已盖章）.pdf`;
    res
      .status(201)
      .type('application/pdf')
      .set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(downloadName)}`)
      .location(`/api/stamped-documents/${stamped.documentId}`)
      .set('X-Stamped-Document-Id', stamped.documentId)
      .set('X-Seal-Signature-Id', stamped.signatureId)
      .set('X-Document-Sha256', stamped.documentHash)
      .set('X-Remaining-Uses', String(stamped.remainingUses))
      .send(stamped.pdf);
  });

  // Build 4 (SM-13): the archive, for the seal's organisation and the units overseeing it.
  router.get('/stamped-documents/:id', auth, async (req, res) => {
    const { content, ...record } = await stamping.archived(requirePrincipal(req), String(req.params.id));
    res.json({ ...record, size: content.length });
  });

  router.get('/stamped-documents/:id/pdf', auth, async (req, res) => {
    const document = await stamping.archived(requirePrincipal(req), String(req.params.id));
    res
      .type('application/pdf')
      .set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(document.fileName)}`)
      .send(document.content);
  });

  return router;
}
