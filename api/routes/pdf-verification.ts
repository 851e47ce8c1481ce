/**
 * Issue 18 Build 3 (SM-11), public (no login; a signed-in caller is audited): `POST /api/verify/pdf` takes a PDF —
 * the raw body as `application/pdf`, or multipart/form-data with the file as `document` — at most 10 MB, and answers
 * the report per signature; `POST /api/verify/signature` takes `{ signature, document | documentSha256 }` (a
 * detached record as `POST /api/seals/:id/sign` answers it). Not a PDF, no signature, too large: 400 naming
 * `document`.
 */
import express, { NextFunction, Request, Response, Router } from 'express';
import multer from 'multer';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { PdfVerificationService, VERIFY_PDF_MAX_BYTES } from '../services/pdf-verification';

const TOO_LARGE = badRequest([{ field: 'document', rule: 'max_size', message: 'PDF 文件不能超过 10 MB' }]);

/** The uploaded PDF as `req.body` (a Buffer): raw application/pdf or the multipart file `document`. */
export function pdfUpload(): Array<(req: Request, res: Response, next: NextFunction) => void> {
  const raw = express.raw({ type: 'application/pdf', limit: VERIFY_PDF_MAX_BYTES });
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: VERIFY_PDF_MAX_BYTES, files: 1, fields: 5 },
  });
  return [
    (req, res, next) =>
      raw(req, res, (err?: unknown) => {
        const status = (err as { status?: number } | undefined)?.status;
        if (status === 413) return next(TOO_LARGE);
        next(err);
      }),
    (req, res, next) => {
      if (!req.is('multipart/form-data')) return next();
      upload.single('document')(req, res, (err: unknown) => {
        if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE') return next(TOO_LARGE);
        if (err) {
          const message = '请求体不是合法的 multipart/form-data（须含 PDF 文件 document）';
          return next(badRequest([{ field: 'document', rule: 'multipart', message }]));
        }
        req.body = req.file?.buffer ?? Buffer.alloc(0);
        next();
      });
    },
  ];
}

export function pdfVerificationRoutes(ctx: AppContext, service: PdfVerificationService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: true });
  const meta = (req: Request) => ({
    principal: req.principal,
    requestId: req.requestId,
    ip: req.ip,
    channel: 'api' as const,
  });

  router.post('/verify/pdf', auth, ...pdfUpload(), async (req, res) => {
    const pdf = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    res.json(await service.verifyPdf(pdf, meta(req)));
  });

  router.post('/verify/signature', auth, async (req, res) => {
    res.json(await service.verifySignature(req.body, meta(req)));
  });

  return router;
}
