/**
 * Issue 18 Build 3 (SM-11): the public page `/verify/pdf` (zh-CN, no login): upload a stamped PDF and read, per
 * signature, the seal, the organisation, the signing time and timestamp, whether the document changed after it,
 * the checks and the seal's status at signing and now. The same service as `POST /api/verify/pdf`.
 */
import { Request, Router } from 'express';
import { shanghaiDateTimeSeconds } from '../../domain/format';
import type { Coverage } from '../../domain/pdf-verification';
import type { AppContext } from '../context';
import { toApiError } from '../errors';
import { pdfUpload } from '../routes/pdf-verification';
import { PdfVerificationReport, PdfVerificationService } from '../services/pdf-verification';
import { renderPage } from './render';
import { pageRouter } from './page-router';

const RESULT_CLASS = { PASSED: 'passed', FAILED: 'failed', INDETERMINATE: 'indeterminate' } as const;
const VERDICT_MARK = { PASSED: '✓', FAILED: '✗', INDETERMINATE: '?' } as const;
const CHECK_MARK = { true: '✓', false: '✗', null: '—' } as const;
const COVERAGE_TEXT: Record<Coverage, string> = {
  ENTIRE_FILE: '未修改（签章覆盖整个文件）',
  SIGNATURES_ADDED: '签章后只追加了其他签章，签章覆盖的内容未变',
  CHANGED: '文件在签章后被修改',
};

function reportModel(report: PdfVerificationReport, fileName: string) {
  return {
    report,
    fileName,
    resultClass: RESULT_CLASS[report.indication],
    mark: VERDICT_MARK[report.indication],
    verifiedAtText: shanghaiDateTimeSeconds(report.verifiedAt),
    signatures: report.signatures.map((s, i) => ({
      ...s,
      number: i + 1,
      signingTimeText: s.signingTime ? shanghaiDateTimeSeconds(s.signingTime) : null,
      coverageText: COVERAGE_TEXT[s.coverage],
      statusChanged: !!s.statusNow && s.statusNow.status !== s.statusAtSigning?.status,
      checks: s.checks.map((c) => ({
        ...c,
        mark: CHECK_MARK[String(c.passed) as keyof typeof CHECK_MARK],
        state: c.passed === true ? 'ok' : c.passed === false ? 'bad' : 'skipped',
      })),
    })),
  };
}

export function pdfVerifyPageRoutes(ctx: AppContext, service: PdfVerificationService): Router {
  const { router, auth } = pageRouter(ctx);
  const page = (req: Request, extra: Record<string, unknown>) =>
    renderPage('verify-pdf', { title: '盖章文件核验', principal: req.principal, ...extra });

  router.get('/verify/pdf', auth, (req, res) => {
    res.send(page(req, {}));
  });

  router.post('/verify/pdf', auth, async (req, res) => {
    const upload = pdfUpload();
    try {
      for (const step of upload) {
        await new Promise<void>((resolve, reject) =>
          step(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
        );
      }
      const pdf = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const fileName = Buffer.from(req.file?.originalname ?? '', 'latin1').toString('utf8');
      const report = await service.verifyPdf(pdf, {
        principal: req.principal,
        requestId: req.requestId,
        ip: req.ip,
        channel: 'page',
      });
      res.send(page(req, reportModel(report, fileName)));
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.status >= 500) throw err;
      const details = Array.isArray(apiError.details)
        ? apiError.details.map((d) => d.message).join('；')
        : '';
      res.status(apiError.status).send(page(req, { error: details || apiError.message }));
    }
  });

  return router;
}
