/**
 * The public verification pages (LM-19, WP-(二)1, SM-10), open without a login: `/verify/:identifier` shows the
 * DSS-style report in Chinese with the licence's current state; with the licence's access code (`?code=`, printed
 * in the copies' QR codes, pki/licence-access-code.ts) also its masked face, without it only the status, type,
 * issuer, the holder's masked name and the labels of the data items (issue 11: the register cannot be harvested by
 * walking identifiers). `/verify/:identifier/copy` and `/verify/:identifier/copy.pdf` give the printable masked
 * copy (视同复印件 + the QR code that leads back here) to a caller with the access code, recorded and throttled.
 * `/ca.pem` and `/ca.der` publish the CA certificate, the trust anchor of every offline verification; its
 * SHA-256 fingerprint is on every verification page.
 *
 * An unknown or malformed identifier still shows its report (INDETERMINATE/SIGNED_DATA_NOT_FOUND or
 * FAILED/FORMAT_FAILURE) so that a person learns why, but with status 404: the address names a licence that does
 * not exist, and link checkers and scripts following a QR code should see that without reading the page.
 */
import { Router } from 'express';
import { shanghaiDateTime } from '../../domain/format';
import type { VerificationReport } from '../../domain/licence-verification';
import { SUSPENSION_LABELS } from '../../domain/licence-lifecycle';
import { licenceCopyPath, licenceVerifyPath } from '../../domain/licence';
import type { AppContext } from '../context';
import type { Principal } from '../principal';
import { licenceCopyFilename, licenceFaceHtml, LicenceCopyService } from '../services/licence-copies';
import { PublishedCaCertificate, VerificationService } from '../services/verification';
import { renderPage } from './render';
import { pageRouter } from './page-router';

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
      detailParts: detailParts(c.detail),
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

/** A check's detail with its machine codes (`jincheng-elicence/1`, `licence.issuance`) marked as code. */
function detailParts(detail: string): Array<{ text: string; code: boolean }> {
  return detail
    .split(/([a-z][a-z0-9]*(?:[-/_.][a-z0-9]+)+)/)
    .filter(Boolean)
    .map((text) => ({ text, code: /^[a-z][a-z0-9]*(?:[-/_.][a-z0-9]+)+$/.test(text) }));
}

function caModel(ca: PublishedCaCertificate) {
  return { fingerprint: ca.fingerprintSha256, subject: ca.subject, pemUrl: '/ca.pem', derUrl: '/ca.der' };
}

export function verifyPageRoutes(ctx: AppContext, service: VerificationService): Router {
  // Sign-in is optional: the page is public, but a signed-in user keeps the navigation and is named in the audit log.
  const { router, auth } = pageRouter(ctx);
  const copies = new LicenceCopyService(ctx);
  const meta = (req: { principal?: Principal; requestId?: string; ip?: string }) => ({
    principal: req.principal,
    requestId: req.requestId,
    ip: req.ip,
    channel: 'page' as const,
  });

  // The trust anchor (issue 11): the same certificate every verification here uses, at stable addresses.
  router.get('/ca.pem', async (_req, res) => {
    const ca = await service.caCertificate();
    res
      .type('application/x-pem-file')
      .set('Content-Disposition', 'inline; filename="ca.pem"')
      .set('Cache-Control', 'public, max-age=3600')
      .send(ca.pem);
  });
  router.get('/ca.der', async (_req, res) => {
    const ca = await service.caCertificate();
    res
      .type('application/pkix-cert')
      .set('Content-Disposition', 'attachment; filename="ca.der"')
      .set('Cache-Control', 'public, max-age=3600')
      .send(ca.der);
  });

  router.get('/verify', auth, async (req, res) => {
    const typed = typeof req.query.identifier === 'string' ? req.query.identifier.trim() : '';
    if (typed) return res.redirect(303, licenceVerifyPath(typed));
    const ca = caModel(await service.caCertificate());
    res.send(renderPage('verify', { title: '电子证照核验', principal: req.principal, form: true, ca }));
  });

  router.get('/verify/:identifier', auth, async (req, res) => {
    const asked = String(req.params.identifier);
    const report = await service.verifyIdentifier(asked, meta(req));
    const ca = caModel(await service.caCertificate());
    let face: string | null = null;
    let dataItemLabels: string[] = [];
    let accessCode: string | null = null;
    const codeGiven = typeof req.query.code === 'string' && req.query.code.length > 0;
    if (report.licence && report.identifier) {
      const source = await copies.face(report.identifier);
      if (source) {
        // Without the access code: the labels of the data items, never their values (issue 11).
        dataItemLabels = source.definition.dataItems.map((item) => item.label);
        if (copies.codeMatches(report.identifier, req.query.code)) {
          accessCode = copies.accessCode(report.identifier);
          face = licenceFaceHtml(source, { masked: true, publicUrl: ctx.config.publicUrl });
        }
      }
    }
    // Issue 12: a suspended licence shows each suspension (挂失, 暂扣, 质押) with its reason and since when.
    const lifecycle = report.licence ? await service.lifecycle(report, undefined) : null;
    res.status(report.licence ? 200 : 404).send(
      renderPage('verify', {
        title: report.licence ? `核验：${report.licence.name}` : '电子证照核验',
        principal: req.principal,
        ...pageModel(report, asked),
        suspensions: (lifecycle?.now.suspensions ?? []).map((x) => ({
          label: `已${SUSPENSION_LABELS[x.kind]}`,
          reason: x.reason,
          sinceText: shanghaiDateTime(x.since),
        })),
        // Issue 15 Build 4: after a reorganisation, the unit now responsible for the licence.
        responsibleUnit: report.licence ? await service.responsibleUnit(report) : null,
        ca,
        face,
        unlocked: !!face,
        restricted: !!report.licence && !face,
        wrongCode: codeGiven && !face && !!report.licence,
        dataItemLabels,
        formAction: report.identifier ? licenceVerifyPath(report.identifier) : null,
        copyUrl: face && accessCode ? licenceCopyPath(report.identifier!, accessCode, 'html') : null,
        pdfUrl: face && accessCode ? licenceCopyPath(report.identifier!, accessCode, 'pdf') : null,
      }),
    );
  });

  // Copies are throttled per address by `limits.copies` (api/rate-limits.ts, mounted in api/app.ts).
  router.get('/verify/:identifier/copy', auth, async (req, res) => {
    const html = await copies.publicCopy(String(req.params.identifier), req.query.code, 'html', meta(req));
    res.type('html').send(html);
  });

  router.get('/verify/:identifier/copy.pdf', auth, async (req, res) => {
    const pdf = await copies.publicCopy(String(req.params.identifier), req.query.code, 'pdf', meta(req));
    res
      .type('application/pdf')
      .set('Content-Disposition', `inline; filename="${licenceCopyFilename(String(req.params.identifier))}"`)
      .send(pdf);
  });

  return router;
}
