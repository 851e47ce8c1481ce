/**
 * Issue 18 Build 1: stamping a PDF under a seal-use authorisation (SM-9, SM-12). `POST /api/seals/:id/stamp` takes
 * multipart/form-data — the PDF as `document` and the fields `authorisationId`, `page` (1-based), `xMm`, `yMm` (the
 * imprint's centre in millimetres from the page's top-left corner) — and answers the stamped PDF. Refusals are as
 * for `POST /api/seals/:id/sign` (403/409/422 with the reason in `details.reason`).
 *
 * Batch mode: `POST /api/seals/:id/stamp-batch` takes up to STAMP_BATCH_MAX_DOCUMENTS PDFs as `documents` with the
 * same fields (one placement rule for all) and answers 201 with each archived stamped document (download
 * `GET /api/stamped-documents/:id/pdf`); one use each, the batch refused whole when the authorisation does not
 * cover it.
 */
import express, { Router } from 'express';
import multer from 'multer';
import {
  STAMP_BATCH_MAX_DOCUMENTS,
  STAMP_PDF_MAX_BYTES,
  StampRequestBody,
} from '../../domain/document-stamp';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { requestMeta } from '../principal';
import { DocumentBatchStampingService } from '../services/document-batch-stamping';
import { DocumentStampingService } from '../services/document-stamping';
import { parse } from '../validation';

export function documentRoutes(ctx: AppContext, stamping: DocumentStampingService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: STAMP_PDF_MAX_BYTES, files: 1, fields: 10 },
  });

  const batchUpload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: STAMP_PDF_MAX_BYTES, files: STAMP_BATCH_MAX_DOCUMENTS, fields: 10 },
  });
  const batch = new DocumentBatchStampingService(ctx, stamping);

  /** The multipart upload as a 400 naming `field` when it is too large, has too many files or is malformed. */
  const multipart =
    (handler: express.RequestHandler, field: string): express.RequestHandler =>
    (req, res, next) =>
      handler(req, res, (err: unknown) => {
        if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE') {
          return next(badRequest([{ field, rule: 'max_size', message: 'PDF 文件不能超过 10 MB' }]));
        }
        if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_COUNT') {
          const message = `一批最多 ${STAMP_BATCH_MAX_DOCUMENTS} 份 PDF 文件`;
          return next(badRequest([{ field, rule: 'max_items', message }]));
        }
        if (err) {
          const message = `请求体不是合法的 multipart/form-data（须含 PDF 文件 ${field}）`;
          return next(badRequest([{ field, rule: 'multipart', message }]));
        }
        next();
      });

  router.post('/seals/:id/stamp', auth, multipart(upload.single('document'), 'document'));

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

  router.post(
    '/seals/:id/stamp-batch',
    auth,
    multipart(batchUpload.array('documents', STAMP_BATCH_MAX_DOCUMENTS), 'documents'),
  );

  router.post('/seals/:id/stamp-batch', async (req, res) => {
    const principal = requirePrincipal(req);
    const body = parse(StampRequestBody, req.body ?? {});
    const files = (req.files ?? []) as Express.Multer.File[];
    if (files.length === 0)
      throw badRequest([{ field: 'documents', rule: 'required', message: '请上传要盖章的 PDF 文件' }]);
    const uploads = files.map((f) => ({
      bytes: f.buffer,
      fileName: Buffer.from(f.originalname, 'latin1').toString('utf8'),
    }));
    const stamped = await batch.stampBatch(principal, req.params.id, body, uploads, requestMeta(req));
    res.status(201).json({
      ...stamped,
      documents: stamped.documents.map((d) => ({
        ...d,
        pdfUrl: `/api/stamped-documents/${d.documentId}/pdf`,
      })),
    });
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
