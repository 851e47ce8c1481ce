/**
 * Issue 18 Build 1: the "文件盖章" page (zh-CN) — the grantee of a live seal-use authorisation uploads a PDF, says
 * where the imprint goes (page and millimetres from the top-left corner) and downloads the stamped PDF. The rules
 * and the signing are DocumentStampingService's, shared with `POST /api/seals/:id/stamp`.
 */
import { Router } from 'express';
import multer from 'multer';
import { STAMP_PDF_MAX_BYTES, StampRequestBody } from '../../domain/document-stamp';
import type { AppContext } from '../context';
import { toApiError } from '../errors';
import { Principal, requestMeta } from '../principal';
import { DocumentStampingService } from '../services/document-stamping';
import { SealUseService } from '../services/seal-use';
import { pagePreview, PdfPreviewError } from '../../infra/pdf-preview';
import { renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

type Values = { page: string; xMm: string; yMm: string };

export function stampPageRoutes(
  ctx: AppContext,
  stamping: DocumentStampingService,
  sealUse: SealUseService,
): Router {
  const { router, auth } = pageRouter(ctx);
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: STAMP_PDF_MAX_BYTES, files: 1 },
  });

  const render = async (principal: Principal, sealId: string, values: Values, error?: string) => {
    const seal = await stamping.sealForStamping(principal, sealId);
    const live = (await sealUse.ownAuthorisations(principal, { sealId })).filter((a) => a.live);
    return renderPage('stamp', {
      title: `文件盖章：${seal.name}`,
      principal,
      nav: 'seals',
      seal,
      authorisations: live.map((a) => ({ ...a, documentTitles: a.documents.map((d) => d.title).join('、') })),
      values,
      error,
    });
  };

  router.get(
    '/seals/:id/stamp',
    auth,
    signedIn(async (req, res, principal) => {
      res.send(await render(principal, String(req.params.id), { page: '1', xMm: '150', yMm: '230' }));
    }),
  );

  router.post(
    '/seals/:id/stamp',
    auth,
    // A refused upload (too large, malformed) leaves no file: the form says so below.
    (req, res, next) => upload.single('document')(req, res, () => next()),
    signedIn(async (req, res, principal) => {
      const sealId = String(req.params.id);
      const raw = (req.body ?? {}) as Record<string, string | undefined>;
      const values = { page: raw.page ?? '', xMm: raw.xMm ?? '', yMm: raw.yMm ?? '' };
      const parsed = StampRequestBody.safeParse({ ...values, authorisationId: raw.authorisationId ?? '' });
      const fail = async (status: number, message: string) =>
        res.status(status).send(await render(principal, sealId, values, message));
      if (!parsed.success)
        return void (await fail(400, parsed.error.issues.map((i) => i.message).join('；')));
      if (!req.file) return void (await fail(400, '请选择要盖章的 PDF 文件（不超过 10 MB）'));
      const fileName = Buffer.from(req.file.originalname, 'latin1').toString('utf8');
      try {
        const stamped = await stamping.stamp(
          principal,
          sealId,
          parsed.data,
          { bytes: req.file.buffer, fileName },
          requestMeta(req),
        );
        const downloadName = `${fileName.replace(/\.pdf$/i, '')}（已盖章）.pdf`;
        res
          .type('application/pdf')
          .set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(downloadName)}`)
          .send(stamped.pdf);
      } catch (err) {
        const apiError = toApiError(err);
        if (apiError.status >= 500) throw err;
        const details = Array.isArray(apiError.details)
          ? apiError.details.map((d) => d.message).join('；')
          : '';
        await fail(apiError.status, details || apiError.message);
      }
    }),
  );

  // The page as a picture to drag the imprint on (Build 1: "drag on a rendered preview"); 400 text when unreadable.
  router.post(
    '/seals/:id/stamp/preview',
    auth,
    (req, res, next) => upload.single('document')(req, res, () => next()),
    signedIn(async (req, res, principal) => {
      await stamping.sealForStamping(principal, String(req.params.id)); // 404 unless the unit's own seal
      const page = Number((req.body as Record<string, string> | undefined)?.page ?? '1');
      if (!req.file || !Number.isInteger(page) || page < 1)
        return void res.status(400).type('text').send('请选择 PDF 文件和页码');
      try {
        const preview = await pagePreview(req.file.buffer, page);
        res
          .type('image/png')
          .set('X-Page-Width-Mm', preview.widthMm.toFixed(2))
          .set('X-Page-Height-Mm', preview.heightMm.toFixed(2))
          .set('X-Pages', String(preview.pages))
          .set('Cache-Control', 'no-store')
          .send(preview.png);
      } catch (err) {
        if (!(err instanceof PdfPreviewError)) throw err;
        res.status(400).type('text').send(err.message);
      }
    }),
  );

  return router;
}
