/**
 * The public verification pages (LM-19, WP-(二)1, SM-10), open without a login: `/verify/:identifier` shows the
 * DSS-style report in Chinese with the licence's current state and its masked face; `/verify/:identifier/copy` and
 * `/verify/:identifier/copy.pdf` give the printable masked copy (视同复印件 + the QR code that leads back here).
 *
 * An unknown or malformed identifier still shows its report (INDETERMINATE/SIGNED_DATA_NOT_FOUND or
 * FAILED/FORMAT_FAILURE) so that a person learns why, but with status 404: the address names a licence that does
 * not exist, and link checkers and scripts following a QR code should see that without reading the page.
 */
import { Router } from 'express';
import { shanghaiDateTime } from '../../domain/format';
import type { VerificationReport } from '../../domain/licence-verification';
import { licenceVerifyPath } from '../../domain/licence';
import type { AppContext } from '../context';
import type { Principal } from '../principal';
import { licenceCopyFilename, licenceFaceHtml, LicenceCopyService } from '../services/licence-copies';
import { VerificationService } from '../services/verification';
import { renderPage } from './render';

const RESULT_CLASS = { PASSED: 'passed', FAILED: 'failed', INDETERMINATE: 'indeterminate' } as const;
const MARKS = { true: '✓', false: '✗', null: '—' } as const;

function pageModel(report: VerificationReport, asked: string) {
  const licence = report.licence;
  return {
    report,
    asked,
    resultClass: RESULT_CLASS[report.indication],
    checks: report.checks.map((c) => ({
      ...c,
      mark: MARKS[String(c.passed) as keyof typeof MARKS],
      state: c.passed === true ? 'ok' : c.passed === false ? 'bad' : 'skipped',
    })),
    signingTimeText: report.signature ? shanghaiDateTime(report.signature.signingTime) : null,
    verifiedAtText: shanghaiDateTime(report.verifiedAt),
    licence: licence && {
      ...licence,
      versionText: String(licence.version).padStart(3, '0'),
      latestVersionText: String(licence.latestVersion).padStart(3, '0'),
      latestUrl: licenceVerifyPath(licence.latestIdentifier),
      isValid: licence.state === 'valid',
      isSuperseded: licence.state === 'superseded',
      validToText: licence.validTo ?? '长期',
    },
  };
}

export function verifyPageRoutes(ctx: AppContext, service: VerificationService): Router {
  const router = Router();
  const copies = new LicenceCopyService(ctx);
  // Optional: the page is public, but a signed-in user keeps the navigation and is named in the audit log.
  const auth = ctx.auth.middleware({ optional: true });
  const meta = (req: { principal?: Principal; requestId?: string; ip?: string }) => ({
    principal: req.principal,
    requestId: req.requestId,
    ip: req.ip,
    channel: 'page' as const,
  });

  router.get('/verify', auth, (req, res) => {
    const typed = typeof req.query.identifier === 'string' ? req.query.identifier.trim() : '';
    if (typed) return res.redirect(303, licenceVerifyPath(typed));
    res.send(renderPage('verify', { title: '电子证照核验', principal: req.principal, form: true }));
  });

  router.get('/verify/:identifier', auth, async (req, res) => {
    const asked = String(req.params.identifier);
    const report = await service.verifyIdentifier(asked, meta(req));
    let face: string | null = null;
    if (report.licence && report.identifier) {
      const source = await copies.face(report.identifier);
      if (source) face = licenceFaceHtml(source, { masked: true, publicUrl: ctx.config.publicUrl });
    }
    res.status(report.licence ? 200 : 404).send(
      renderPage('verify', {
        title: report.licence ? `核验：${report.licence.name}` : '电子证照核验',
        principal: req.principal,
        ...pageModel(report, asked),
        face,
        copyUrl: report.identifier ? `${licenceVerifyPath(report.identifier)}/copy` : null,
        pdfUrl: report.identifier ? `${licenceVerifyPath(report.identifier)}/copy.pdf` : null,
      }),
    );
  });

  router.get('/verify/:identifier/copy', async (req, res) => {
    const html = await copies.copyHtml(String(req.params.identifier));
    res.type('html').send(html);
  });

  router.get('/verify/:identifier/copy.pdf', async (req, res) => {
    const pdf = await copies.copyPdf(String(req.params.identifier));
    res
      .type('application/pdf')
      .set('Content-Disposition', `inline; filename="${licenceCopyFilename(String(req.params.identifier))}"`)
      .send(pdf);
  });

  return router;
}
