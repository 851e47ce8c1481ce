/** The Express application: JSON API under /api, health, OpenAPI with Swagger UI, and the web UI. */
import { pdfVerificationRoutes } from './routes/pdf-verification';
import { PdfVerificationService } from './services/pdf-verification';
import { pdfVerifyPageRoutes } from './web/pdf-verify-pages';
import { conversionRoutes } from './routes/conversions';
import { LicenceConversionService } from './services/licence-conversion';
import { ConversionCompletionService } from './services/conversion-completion';
import { conversionPageRoutes } from './web/conversion-pages';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { logger } from '../infra/logger';
import { httpRequestDuration } from '../infra/metrics';
import type { AppContext } from './context';
import { ApiError, errorBody, jsonErrorHandler } from './errors';
import { openApiDocument } from './openapi';
import { createRateLimiters } from './rate-limits';
import { approvalRoutes } from './routes/approvals';
import { authRoutes } from './routes/auth';
import { calendarRoutes } from './routes/calendar';
import { certificateStatusRoutes } from './routes/certificate-status';
import { documentRoutes } from './routes/documents';
import { noticeRoutes } from './routes/notices';
import { flowDefinitionRoutes } from './routes/flow-definitions';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { licenceTypeRoutes } from './routes/licence-types';
import { licenceRoutes } from './routes/licences';
import { disputeRoutes } from './routes/disputes';
import { forceMajeureRoutes } from './routes/force-majeure';
import { supervisionRoutes } from './routes/supervision';
import { reportRoutes } from './routes/reports';
import { AssessmentReportService } from './services/assessment-reports';
import { reportPageRoutes } from './web/report-pages';
import { SlaDashboardService } from './services/sla-dashboard';
import { randomCheckPageRoutes } from './web/random-check-pages';
import { announcedCasePageRoutes } from './web/announced-case-pages';
import { slaPageRoutes } from './web/sla-pages';
import { rectificationPageRoutes } from './web/rectification-pages';
import { AnnouncedCaseService } from './services/announced-cases';
import { SupervisionFindingService } from './services/supervision-findings';
import { RectificationOrderService } from './services/rectification-orders';
import { RandomCheckService } from './services/random-checks';
import { RandomSampleService } from './services/random-samples';
import { DisputeService } from './services/disputes';
import { ForceMajeureService } from './services/force-majeure';
import { designatedStaffRoutes } from './routes/designated-staff';
import { disputePageRoutes } from './web/dispute-pages';
import { paperComplaintPageRoutes } from './web/paper-complaint-pages';
import { paperComplaintRoutes } from './routes/paper-complaints';
import { PaperComplaintService } from './services/paper-complaints';
import { forceMajeurePageRoutes } from './web/force-majeure-pages';
import { DesignatedStaffService } from './services/designated-staff';
import { OrganisationRegistryService } from './services/organisation-registry';
import { PeopleService } from './services/people';
import { ReorganisationService } from './services/reorganisations';
import { organisationRoutes } from './routes/organisations';
import { organisationPageRoutes } from './web/organisation-pages';
import { sealRoutes } from './routes/seal-applications';
import { sealUseRoutes } from './routes/seal-use';
import { publicSealStatusRoutes, sealStatusRoutes } from './routes/seal-status';
import { verifyHandler } from './routes/verification';
import { transparencyLogRoutes } from './routes/transparency-log';
import { TransparencyLogService } from './services/transparency-log';
import { trustListRoutes } from './routes/trust-list';
import { TrustListService } from './services/trust-list';
import { trustListPageRoutes } from './web/trust-list-pages';
import { ApprovalService } from './services/approvals';
import { CalendarService } from './services/calendar';
import { DocumentStampingService } from './services/document-stamping';
import { NoticeService } from './services/notices';
import { FlowDefinitionService } from './services/flow-definitions';
import { LicenceTypeService } from './services/licence-types';
import { LicenceService } from './services/licences';
import { LicenceEventService } from './services/licence-events';
import { ExchangeService } from './services/exchange';
import { exchangeRoutes } from './routes/exchange';
import { SealApplicationService } from './services/seal-applications';
import { SealUseService } from './services/seal-use';
import { SealStatusService } from './services/seal-status';
import { SealCustodianService } from './services/seal-custodians';
import { sealCustodianRoutes } from './routes/seal-custodians';
import { sealUseHandoverRoutes } from './routes/seal-use-handovers';
import { SealUseHandoverService } from './services/seal-use-handovers';
import { sealCustodianPageRoutes } from './web/seal-custodian-pages';
import { sealUseHandoverPageRoutes } from './web/seal-use-handover-pages';
import { OrganisationCertificateService } from './services/organisation-certificates';
import { organisationCertificateRoutes } from './routes/organisation-certificates';
import { SealService } from './services/seals';
import { VerificationService } from './services/verification';
import { AuditLogService } from './services/audit-log';
import { auditPageRoutes } from './web/audit-pages';
import { calendarPageRoutes } from './web/calendar-pages';
import { licencePageRoutes } from './web/licence-pages';
import { licenceTypePageRoutes } from './web/licence-type-pages';
import { pageErrorHandler, pageRoutes } from './web/pages';
import { sealUsePageRoutes } from './web/seal-use-pages';
import { stampPageRoutes } from './web/stamp-pages';
import { verifyPageRoutes } from './web/verify-pages';
import { workbenchPageRoutes } from './web/workbench-pages';
import { sealStatusPageRoutes } from './web/seal-status-pages';
import { holderPortalRoutes, presentationPublicRoutes } from './routes/holder-portal';
import { LicenceArchiveService } from './services/licence-archives';
import { LicenceConsentService } from './services/licence-consents';
import { PresentationService } from './services/presentations';
import { holderPageRoutes } from './web/holder-pages';
import { serviceItemPageRoutes } from './web/service-item-pages';
import { usageListPageRoutes } from './web/usage-list-pages';
import { serviceItemRoutes } from './routes/service-items';
import { ServiceItemService } from './services/service-items';
import { licenceUsageRoutes } from './routes/licence-usage';
import { LicenceUsageRequestService } from './services/licence-usage-requests';
import { refuseNulCharacters } from './nul-characters';

export function createApp(ctx: AppContext) {
  const app = express();
  const approvals = new ApprovalService(ctx);
  const flows = new FlowDefinitionService(ctx);
  const sealApplications = new SealApplicationService(ctx, approvals);
  const seals = new SealService(ctx);
  const calendar = new CalendarService(ctx);
  const sealUse = new SealUseService(ctx, approvals);
  const sealStatus = new SealStatusService(ctx, approvals);
  const sealCustodians = new SealCustodianService(ctx, approvals);
  const certificates = new OrganisationCertificateService(ctx, approvals);
  const verification = new VerificationService(ctx);
  const licenceTypes = new LicenceTypeService(ctx);
  const licences = new LicenceService(ctx);
  const licenceEvents = new LicenceEventService(ctx, licences, approvals);
  const exchange = new ExchangeService(ctx);
  const presentations = new PresentationService(ctx);
  const consents = new LicenceConsentService(ctx);
  const archives = new LicenceArchiveService(ctx, verification);
  const disputes = new DisputeService(ctx);
  const conversions = new LicenceConversionService(ctx);
  const conversionCompletion = new ConversionCompletionService(ctx);
  const serviceItems = new ServiceItemService(ctx);
  const usageRequests = new LicenceUsageRequestService(ctx, approvals, serviceItems);
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use((req, res, next) => {
    req.requestId = boundedRequestId(req.header('X-Request-Id'));
    res.set('X-Request-Id', req.requestId);
    next();
  });
  app.use(observeRequests);
  app.use(securityHeaders(ctx.config.publicUrl));
  app.use(sameOriginForCookies);
  // Rate limits (api/rate-limits.ts), before the routers they guard.
  const limits = createRateLimiters(ctx.config.rateLimits);
  // `POST /api/verify` (public, LM-19), the hot path, on its own short chain right after the headers and the
  // same-origin check every request passes, and its rate limit (issue 19 Build 4): the same body limit, NUL check
  // and optional sign-in as below, without passing the static files, health, metrics, OpenAPI, Swagger, sign-in,
  // calendar and notice routers it does not use. Errors go on to the /api error handler as before.
  app.post(
    '/api/verify',
    limits.verify,
    express.json({ limit: jsonBodyLimit('/api/verify') }),
    refuseNulCharacters,
    verifyHandler(ctx, verification),
  );
  app.use('/static', express.static(path.join(__dirname, '..', 'templates', 'static'), { maxAge: '1h' }));
  app.get('/favicon.ico', (_req, res) =>
    res.sendFile(path.join(__dirname, '..', 'templates', 'static', 'favicon.ico'), { maxAge: '1d' }),
  );
  app.use(healthRoutes(ctx));
  app.use(metricsRoutes(ctx));

  // The login form's body is parsed before its limit, so that the limit counts per account name.
  app.post('/api/auth/dev-login', express.json({ limit: '4kb' }), limits.login);
  app.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), limits.login);
  app.post(['/api/licenses/:identifier/disputes', '/disputes/new'], limits.disputes);
  app.post(['/api/paper-complaints', '/complaints/paper/new'], limits.complaints);
  app.post(['/api/verify/pdf', '/api/verify/signature', '/verify/pdf'], limits.verify);
  app.use(['/verify/:identifier/copy', '/verify/:identifier/copy.pdf'], limits.copies);
  app.get(
    ['/api/service-items', '/api/service-items/:code', '/service-items', '/service-items/:code'],
    limits.publicReads,
  );
  const document = openApiDocument(ctx.config.publicUrl);
  app.get('/api/openapi.json', (_req, res) => res.json(document));
  app.use(
    '/api/docs',
    swaggerUi.serve,
    swaggerUi.setup(document, { customSiteTitle: '接口文档 · 电子证照与电子印章平台' }),
  );

  // JSON bodies are limited per endpoint, to what their content needs (a larger body is a 413); the first
  // matching parser reads the body, the others skip it.
  for (const [prefix, limit] of JSON_BODY_LIMITS) app.use(prefix, express.json({ limit }));
  app.use(refuseNulCharacters);
  app.use('/api', authRoutes(ctx));
  // Before the routers that require a login for everything under /api: the deadline is public.
  app.use('/api', calendarRoutes(ctx, calendar));
  app.use('/api', noticeRoutes(ctx, new NoticeService(ctx)));
  // Public too: anyone may verify a licence (LM-19): `POST /api/verify` is mounted above, on its own chain.
  app.use('/api', presentationPublicRoutes(presentations));
  // Public too: the service items and the licences each needs (WP-(一)1, LM-15).
  app.use('/api', serviceItemRoutes(serviceItems));
  // Public too: anyone may challenge a licence (LM-23); the rest of the dispute routes need a login.
  app.use('/api', disputeRoutes(ctx, disputes));
  // Public too: anyone may complain that paper was demanded (LM-28).
  const paperComplaints = new PaperComplaintService(ctx, serviceItems);
  app.use('/api', paperComplaintRoutes(ctx, paperComplaints));
  // Issue 15: organisations and people kept in the platform.
  const registry = new OrganisationRegistryService(ctx);
  const people = new PeopleService(ctx);
  const designatedStaff = new DesignatedStaffService(ctx);
  app.use('/api', designatedStaffRoutes(ctx, designatedStaff));
  const reorganisations = new ReorganisationService(ctx, registry);
  app.use('/api', organisationRoutes(ctx, registry, people, reorganisations));
  app.use('/api', forceMajeureRoutes(ctx, new ForceMajeureService(ctx)));
  const findings = new SupervisionFindingService(ctx);
  const rectificationOrders = new RectificationOrderService(ctx);
  const announcedCases = new AnnouncedCaseService(ctx);
  const randomSamples = new RandomSampleService(ctx, findings);
  const randomChecks = new RandomCheckService(ctx, findings, verification);
  app.use(
    '/api',
    supervisionRoutes(ctx, announcedCases, findings, rectificationOrders, randomSamples, randomChecks),
  );
  const assessment = new AssessmentReportService(ctx, findings);
  app.use('/api', reportRoutes(ctx, assessment));
  const pdfVerification = new PdfVerificationService(ctx, verification);
  app.use('/api', pdfVerificationRoutes(ctx, pdfVerification));
  app.use('/api', certificateStatusRoutes(ctx));
  // Public too: anyone may audit the transparency log (issue 20).
  app.use('/api', transparencyLogRoutes(ctx, new TransparencyLogService(ctx)));
  // Issue 20 Build 3: the trust list (anchors beyond the city) the verification reads.
  const trustList = new TrustListService(ctx);
  app.use('/api', trustListRoutes(ctx, trustList));
  // Public too: a seal's status by its code (SM-15, SM-16).
  app.use('/api', publicSealStatusRoutes(sealStatus));
  app.use('/api', sealStatusRoutes(ctx, sealStatus));
  app.use('/api', sealCustodianRoutes(ctx, sealCustodians));
  const sealUseHandovers = new SealUseHandoverService(ctx);
  app.use('/api', sealUseHandoverRoutes(ctx, sealUseHandovers));
  app.use('/api', organisationCertificateRoutes(ctx, certificates));
  app.use('/api', sealRoutes(ctx, sealApplications, seals));
  app.use('/api', approvalRoutes(ctx, approvals));
  app.use('/api', flowDefinitionRoutes(ctx, flows));
  app.use('/api', sealUseRoutes(ctx, sealUse));
  const stamping = new DocumentStampingService(ctx);
  app.use('/api', documentRoutes(ctx, stamping));
  app.use('/api', licenceTypeRoutes(ctx, licenceTypes));
  app.use('/api', holderPortalRoutes(ctx, presentations, consents, archives));
  app.use('/api', licenceUsageRoutes(ctx, usageRequests));
  app.use('/api', licenceRoutes(ctx, licences, licenceEvents));
  app.use('/api', exchangeRoutes(ctx, exchange));
  app.use('/api', conversionRoutes(ctx, conversions, conversionCompletion));
  app.use('/api', (_req, _res, next) => next(new ApiError('NOT_FOUND', '接口不存在')));
  app.use('/api', jsonErrorHandler(ctx.em));

  app.use(calendarPageRoutes(ctx, calendar));
  app.use(auditPageRoutes(ctx, new AuditLogService(ctx)));
  app.use(trustListPageRoutes(ctx, trustList));
  // Before /verify/:identifier, which would take "pdf" for an identifier.
  app.use(pdfVerifyPageRoutes(ctx, pdfVerification));
  app.use(verifyPageRoutes(ctx, verification));
  app.use(disputePageRoutes(ctx, disputes));
  app.use(paperComplaintPageRoutes(ctx, paperComplaints));
  app.use(forceMajeurePageRoutes(ctx));
  app.use(sealUsePageRoutes(ctx, sealUse));
  app.use(stampPageRoutes(ctx, stamping, sealUse));
  app.use(sealStatusPageRoutes(ctx, sealStatus));
  app.use(sealCustodianPageRoutes(ctx, sealCustodians));
  app.use(sealUseHandoverPageRoutes(ctx, sealUseHandovers, approvals));
  app.use(licenceTypePageRoutes(ctx, licenceTypes, approvals));
  app.use(serviceItemPageRoutes(ctx, serviceItems));
  app.use(holderPageRoutes(ctx, { licences, presentations, consents, archives, serviceItems }));
  app.use(usageListPageRoutes(ctx, usageRequests, serviceItems));
  app.use(licencePageRoutes(ctx, licences, licenceTypes, approvals, licenceEvents));
  app.use(
    organisationPageRoutes(ctx, {
      registry,
      people,
      designated: designatedStaff,
      seals,
      reorganisations,
      sealCustodians,
    }),
  );
  app.use(conversionPageRoutes(ctx, conversions, conversionCompletion));
  app.use(reportPageRoutes(ctx, assessment, findings));
  app.use(slaPageRoutes(ctx, new SlaDashboardService(ctx, findings, approvals)));
  app.use(rectificationPageRoutes(ctx, findings, rectificationOrders));
  app.use(randomCheckPageRoutes(ctx, findings, randomSamples, randomChecks));
  app.use(announcedCasePageRoutes(ctx, announcedCases));
  app.use(workbenchPageRoutes(ctx, approvals, licences));
  app.use(
    pageRoutes(ctx, {
      sealApplications,
      seals,
      approvals,
      flows,
      sealUse,
      sealStatus,
      certificates,
      sealCustodians,
    }),
  );
  app.use((req: Request, _res: Response, next: NextFunction) =>
    next(new ApiError('NOT_FOUND', `页面 ${req.path} 不存在`)),
  );
  app.use(pageErrorHandler(ctx.em));
  return {
    app,
    verification,
    sealApplications,
    approvals,
    sealUse,
    sealStatus,
    certificates,
    licences,
    exchange,
    usageRequests,
    sealCustodians,
  };
}

/**
 * One JSON log line and one latency observation per request, once it is answered: the route template (not the
 * path or query, which may carry holder codes), status, duration, request id and user id; no personal data.
 */
function observeRequests(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
    const status = String(res.statusCode);
    httpRequestDuration.observe({ method: req.method, route, status }, seconds);
    const line = {
      requestId: req.requestId,
      userId: req.principal?.userId,
      method: req.method,
      route,
      status: res.statusCode,
      ms: Math.round(seconds * 1000),
    };
    if (res.statusCode >= 500) logger.error(line, 'request failed');
    else logger.info(line, 'request');
  });
  next();
}

/**
 * JSON body limits, most specific first:
 * - a licence export to verify carries the seal's imprint (512 KiB decoded, base64 in JSON) and a certificate;
 * - a seal application carries the imprint: room up to about 1.8 MiB decoded (several times the 512 KiB allowed)
 *   so that an oversized image is answered with a 400 naming `imprint.data` rather than a bare 413;
 * - a licence's data (up to 100 items of 2,000 characters) and a licence type (a 20,000-character face template
 *   and up to 100 data items) are far smaller;
 * - everything else (approval actions, flows, calendar, seal use, sign-in) is a small form.
 * Attachments are multipart, limited by multer (api/routes/approvals.ts).
 */
const JSON_BODY_LIMITS: Array<[string, string]> = [
  ['/api/verify', '1536kb'],
  ['/api/seal-applications', '2560kb'],
  ['/api/licenses', '512kb'],
  ['/api/exchange', '4kb'],
  ['/api/license-types', '256kb'],
  ['/api', '100kb'],
];

function jsonBodyLimit(prefix: string): string {
  return JSON_BODY_LIMITS.find(([p]) => p === prefix)![1];
}

/** A client's X-Request-Id goes into logs and audit rows: kept only when short and plain, else a new one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
export function boundedRequestId(given: string | undefined): string {
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * helmet's headers on every response, with a strict Content-Security-Policy: scripts only from this origin (no
 * inline script, no eval; pages load their scripts from /static), no plugins, no framing, images from here or
 * data:/blob: URLs (imprints and the imprint preview). Inline styles stay allowed (the licence face's background
 * and the pages' layout use them); they cannot run code.
 */
function securityHeaders(publicUrl: string) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        // An http deployment (development, tests) must not have its own requests upgraded to https.
        ...(publicUrl.startsWith('https:') ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: publicUrl.startsWith('https:'),
  });
}

/**
 * CSRF defence for the web UI: the session cookie is SameSite=Lax, and a state-changing request that carries
 * the cookie must come from this origin. Bearer-token API calls are unaffected.
 */
function sameOriginForCookies(req: Request, res: Response, next: NextFunction): void {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method) || !req.headers.cookie || req.headers.authorization)
    return next();
  const origin = req.header('Origin');
  if (origin && origin !== 'null' && new URL(origin).host !== req.header('Host')) {
    res.status(403).json(errorBody(new ApiError('FORBIDDEN', '跨站请求被拒绝')));
    return;
  }
  next();
}
