/**
 * The web UI (zh-CN): login with a dev account picker, the seal application form and detail with its approval
 * steps and timeline, and seal detail; the approval engine's pages are in inbox-pages.ts (待办, 督办),
 * approval-pages.ts (a process and its actions) and flow-pages.ts (流程定义). Pages call the same services as the
 * JSON API, so rules live in one place.
 */
import { IMPRINT_SHAPES, purposeOf, standardImprint } from '../../presentation/seal-imprint';
import { NextFunction, Request, Response, Router } from 'express';
import multer from 'multer';
import { IMPRINT_MAX_BYTES } from '../../domain/imprint';
import { ROLE_LABELS } from '../../domain/roles';
import { SEAL_KIND_LABELS, SEAL_KINDS } from '../../domain/seal';
import { LOGIN_COOKIE, readCookie, SESSION_COOKIE, SESSION_HOURS } from '../auth';
import { Principal, requestMeta } from '../principal';
import type { AppContext } from '../context';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiError, auditDenial, FieldProblem, logInternalError, toApiError } from '../errors';
import type { ApprovalService, SubmissionForm } from '../services/approvals';
import type { SealUseService } from '../services/seal-use';
import type { SealStatusService } from '../services/seal-status';
import type { OrganisationCertificateService } from '../services/organisation-certificates';
import { FlowDefinitionService } from '../services/flow-definitions';
import { SealApplicationBody, SealApplicationService } from '../services/seal-applications';
import { DirectoryService } from '../services/directory';
import { SealService } from '../services/seals';
import { problemsOf } from '../validation';
import { approvalPageRoutes, approvalSummary } from './approval-pages';
import { approvalPrintRoutes } from './approval-print';
import { flowPageRoutes } from './flow-pages';
import { inboxPageRoutes } from './inbox-pages';
import { distinguishedNameText } from '../../presentation/certificate-text';
import { LIST_PAGE_SIZE, listSearchOf, pagerOf, searchParamsOf } from './list-search';
import { homeOf } from './navigation';
import { peoplePicker } from './people-picker';
import { pageWithPendingCount } from './pending-count';
import { renderPage, signedIn } from './render';
import { sealUseSection } from './seal-use-pages';
import { sealStatusSection } from './seal-status-pages';
import { sealCustodianSection } from './seal-custodian-pages';
import { pageRouter } from './page-router';
import type { SealCustodianService } from '../services/seal-custodians';
import { RENEWAL_WINDOW_DAYS, renewalWindowProblem } from '../../domain/seal-status';

const FIELD_LABELS: Record<string, string> = {
  kind: '印章类型',
  name: '印章名称',
  'imprint.data': '印模图片',
  'imprint.mediaType': '印模图片格式',
  'imprint.widthMm': '印模宽度',
  'imprint.heightMm': '印模高度',
  'custodian.name': '印章保管人',
  'custodian.phone': '保管人电话',
  reason: '申请事由',
  cc: '抄送',
};

/** Labels of fields the form builds per flow step (`approvers.<step>`) or per entry (`cc.0`). */
function fieldLabel(field: string, form: SubmissionForm): string {
  if (FIELD_LABELS[field]) return FIELD_LABELS[field];
  const [head, key] = field.split('.');
  if (head === 'approvers') {
    const step = form.flow?.steps.find((s) => s.key === key);
    return `审批人（${step?.name ?? key}）`;
  }
  return FIELD_LABELS[head!] ?? field;
}

/** The form's approver and CC selects, as the submission body takes them (only what was chosen). */
function approvalChoices(values: Record<string, unknown>): {
  approvers?: Record<string, string[]>;
  cc?: string[];
} {
  const approvers = Object.fromEntries(
    Object.keys(values)
      .filter((k) => k.startsWith('approvers.'))
      .map((k) => [k.slice('approvers.'.length), chosen(values[k])] as const)
      .filter(([, users]) => users.length > 0),
  );
  const cc = chosen(values.cc);
  return { ...(Object.keys(approvers).length ? { approvers } : {}), ...(cc.length ? { cc } : {}) };
}

/** The first problem of each field, keyed as the form's fields are (`imprint.widthMm` → `widthMm`). */
function fieldErrorsOf(errors: FieldProblem[]): Record<string, string> {
  const key = (field: string): string => {
    const [head, second] = field.split('.');
    if (head === 'imprint') return second === 'widthMm' || second === 'heightMm' ? second : 'imprint';
    if (head === 'custodian') return second === 'phone' ? 'custodianPhone' : 'custodianName';
    if (head === 'approvers') return `approvers.${second}`;
    return head!;
  };
  const out: Record<string, string> = {};
  for (const e of errors) out[key(e.field)] ??= e.message;
  return out;
}

/** A multi-select arrives as a string (one chosen) or an array (several); absent when none is chosen. */
function chosen(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  return typeof value === 'string' && value ? [value] : [];
}

const FLASH: Record<string, { kind: string; text: string }> = {
  submitted: { kind: 'ok', text: '申请已提交，等待审批。审批进度见下方，也可在“待办 › 我发起的”中查看。' },
};

/** The services the pages call: the same instances the JSON API uses. */
export interface PageServices {
  sealApplications: SealApplicationService;
  seals: SealService;
  approvals: ApprovalService;
  flows: FlowDefinitionService;
  sealUse: SealUseService;
  sealStatus: SealStatusService;
  certificates: OrganisationCertificateService;
  sealCustodians: SealCustodianService;
}

export function pageRoutes(ctx: AppContext, services: PageServices): Router {
  const { sealApplications: service, seals, approvals, flows, sealUse, sealStatus, certificates } = services;
  const { sealCustodians } = services;
  const directory = new DirectoryService(ctx);
  const { router, auth, form } = pageRouter(ctx, { limit: '64kb' });
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: IMPRINT_MAX_BYTES + 1, files: 1 },
  });
  router.use(form);
  router.use(auth);

  /** A page for a signed-in user carries the count of their 待办 in the nav. */
  const page = pageWithPendingCount(approvals);

  router.get('/', (req, res) => {
    if (!req.principal) return res.redirect(303, '/login');
    res.redirect(303, homeOf(req.principal));
  });

  const loginPage = async (next: string | undefined, error?: string) => {
    // Under the embedded provider (npm start, tests) the page lists its demo accounts and their password scheme;
    // signing in still takes the password at the provider.
    const accounts = ctx.config.oidc.embedded
      ? (await directory.activeAccounts()).map((u) => ({
          username: u.username,
          displayName: u.displayName,
          organisationName: u.organisationName,
          roleLabels: u.roles.map((r) => ROLE_LABELS[r] ?? r).join('、'),
        }))
      : [];
    return page('login', {
      title: '登录',
      accounts,
      embedded: ctx.config.oidc.embedded,
      error,
      action: next ? `/login?next=${encodeURIComponent(next)}` : '/login',
    });
  };

  router.get('/login', async (req, res) => {
    res.send(await loginPage(localPath(req.query.next)));
  });

  /** Starts the OIDC sign-in (code + PKCE): the login in progress goes into a short-lived signed cookie. */
  router.post('/login', async (req, res) => {
    const { url, cookie } = await ctx.auth.startLogin(localPath(req.query.next));
    res.cookie(LOGIN_COOKIE, cookie, {
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies(req),
      path: '/auth/callback',
      maxAge: 10 * 60 * 1000,
    });
    res.redirect(303, url);
  });

  /** The provider sends the browser back here with the code; the session cookie is set, and the login page left. */
  router.get('/auth/callback', async (req, res) => {
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    res.clearCookie(LOGIN_COOKIE, { path: '/auth/callback' });
    try {
      const { token, principal, next } = await ctx.auth.finishLogin(
        query,
        readCookie(req, LOGIN_COOKIE),
        requestMeta(req),
      );
      // Lax, not Strict: the callback is reached by a redirect from the provider's site, and the page it
      // redirects to must see the session.
      res.cookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies(req),
        path: '/',
        maxAge: SESSION_HOURS * 3600 * 1000,
      });
      res.redirect(303, localPath(next) ?? homeOf(principal));
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'UNAUTHENTICATED') throw err;
      res.status(401).send(await loginPage(undefined, err.message));
    }
  });

  router.post('/logout', async (req, res) => {
    const p = req.principal;
    if (p) await ctx.auth.logout(p, { requestId: req.requestId, ip: req.ip });
    res.clearCookie(SESSION_COOKIE, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies(req),
    });
    res.redirect(303, '/login');
  });

  // 待办/已办/抄送/我发起的 and 督办, a process and its actions, and 流程定义.
  router.use(inboxPageRoutes(ctx, approvals));
  router.use(approvalPageRoutes(ctx, approvals, { sealApplications: service, sealUse }));
  router.use(approvalPrintRoutes(ctx, approvals, { sealApplications: service, sealUse }));
  router.use(flowPageRoutes(ctx, approvals, flows));

  router.get(
    '/seal-applications',
    signedIn(async (req, res, principal) => {
      // Issue 17 Build 5: keyword (办件编号 included) and dates, paged; the unit is always the user's own.
      const search = listSearchOf(req.query as Record<string, unknown>);
      const { q, from, to } = search.query;
      const result = await service.search(principal, {
        q,
        from,
        to,
        page: search.page,
        pageSize: LIST_PAGE_SIZE,
      });
      const params = searchParamsOf({ ...search.form, kind: '', unit: '', overdue: false, dueBefore: '' });
      res.send(
        await page('applications', {
          title: '我的申请',
          principal,
          nav: 'applications',
          applications: result.items,
          filters: search.form,
          filtered: !!(q || from || to),
          errors: search.errors,
          found: result.total,
          pager: pagerOf('/seal-applications', params, search.page, result.total),
        }),
      );
    }),
  );

  const renderForm = async (
    principal: Principal,
    values: Record<string, unknown>,
    errors: FieldProblem[],
    duplicate: { esId: string; name: string } | null = null,
  ) => {
    const form = await approvals.submissionForm('seal_application', principal);
    // Issue 17 Build 6: each error beside its field (the first per field), in Chinese.
    const fieldErrors = fieldErrorsOf(errors);
    return page('application-new', {
      title: '申请电子印章',
      principal,
      nav: 'applications',
      values,
      errors: errors.map((e) => ({ label: fieldLabel(e.field, form), message: e.message })),
      fieldErrors,
      duplicate,
      kinds: SEAL_KINDS.map((k) => ({ value: k, label: SEAL_KIND_LABELS[k], selected: values.kind === k })),
      flow: form.flow && {
        ...form.flow,
        steps: form.flow.steps.map((s, i) => ({
          ...s,
          number: i + 1,
          picker: peoplePicker(`approvers.${s.key}`, form.people, chosen(values[`approvers.${s.key}`]), {
            many: s.chooseMany,
            required: true,
            error: fieldErrors[`approvers.${s.key}`],
          }),
        })),
      },
      ccPicker: peoplePicker('cc', form.people, chosen(values.cc), {
        many: true,
        required: false,
        error: fieldErrors.cc,
      }),
    });
  };

  // Issue 18 Build 5: the standard imprint offered beside the upload, drawn from the unit's name and the seal's name.
  router.get(
    '/seal-applications/standard-imprint.svg',
    signedIn(async (req, res, principal) => {
      const shape = IMPRINT_SHAPES.find((s) => s === req.query.shape) ?? 'round';
      const name = typeof req.query.name === 'string' ? req.query.name.slice(0, 60) : '';
      const imprint = standardImprint({
        shape,
        organisationName: principal.organisationName,
        purpose: purposeOf(name, principal.organisationName),
      });
      res
        .type('image/svg+xml')
        .set('X-Width-Mm', String(imprint.widthMm))
        .set('X-Height-Mm', String(imprint.heightMm))
        .send(imprint.svg);
    }),
  );

  router.get(
    '/seal-applications/new',
    signedIn(async (_req, res, principal) => {
      res.send(await renderForm(principal, { kind: 'business', widthMm: 42, heightMm: 42 }, []));
    }),
  );

  router.post(
    '/seal-applications/new',
    signedIn(async (req, res, principal) => {
      const uploaded = await new Promise<Express.Multer.File | undefined>((resolve, reject) =>
        upload.single('imprint')(req, res, (err: unknown) => (err ? reject(err) : resolve(req.file))),
      ).catch((err: { code?: string }) => {
        if (err.code === 'LIMIT_FILE_SIZE') return 'too-large' as const;
        throw err;
      });
      const values = req.body as Record<string, string>;
      const errors: FieldProblem[] = [];
      // A browser sends an empty part for an empty file input: that is "no file chosen".
      const file = uploaded && uploaded !== 'too-large' && uploaded.size > 0 ? uploaded : undefined;
      if (uploaded === 'too-large') {
        errors.push({
          field: 'imprint.data',
          rule: 'size',
          message: `不能超过 ${IMPRINT_MAX_BYTES / 1024} KB`,
        });
      } else if (!file) {
        errors.push({ field: 'imprint.data', rule: 'required', message: '请选择印模图片' });
      }
      const candidate = {
        kind: values.kind,
        name: values.name,
        imprint: {
          mediaType:
            file?.mimetype === 'image/svg+xml' || file?.originalname.endsWith('.svg')
              ? 'image/svg+xml'
              : 'image/png',
          data: file ? file.buffer.toString('base64') : 'AA==',
          widthMm: Number(values.widthMm),
          heightMm: Number(values.heightMm),
        },
        custodian: {
          name: values.custodianName,
          ...(values.custodianPhone ? { phone: values.custodianPhone } : {}),
        },
        reason: values.reason,
        ...approvalChoices(values),
      };
      const parsed = SealApplicationBody.safeParse(candidate);
      if (!parsed.success)
        errors.push(...problemsOf(parsed.error).filter((p) => !(p.field === 'imprint.data' && !file)));
      if (errors.length > 0 || !parsed.success) {
        res.status(400).send(await renderForm(principal, values, errors));
        return;
      }
      // Issue 17 Build 6: a second active seal of the same name only when the applicant confirms it.
      const duplicate = await service.activeSealNamed(principal, parsed.data.name);
      if (duplicate && values.confirmDuplicateName !== 'yes') {
        res.status(409).send(await renderForm(principal, values, [], duplicate));
        return;
      }
      try {
        const { application } = await service.submit(principal, parsed.data, requestMeta(req));
        res.redirect(303, `/seal-applications/${application.id}?flash=submitted`);
      } catch (err) {
        const apiError = toApiError(err);
        if (apiError.code !== 'VALIDATION_FAILED') throw err;
        res.status(400).send(await renderForm(principal, values, (apiError.details as FieldProblem[]) ?? []));
      }
    }),
  );

  router.get(
    '/seal-applications/:id',
    signedIn(async (req, res, principal) => {
      const app = await service.view(principal, String(req.params.id));
      const approval = app.approval ? approvalSummary(app.approval) : null;
      const canAct = !!app.approval?.tasks.some((t) => t.actions.length > 0);
      res.send(
        await page('application', {
          title: app.name,
          principal,
          nav: canAct || app.applicantId !== principal.userId ? 'tasks' : 'applications',
          app,
          approval,
          approvalUrl: app.approvalWorkflowId ? `/approvals/${app.approvalWorkflowId}` : null,
          canAct,
          flash: FLASH[String(req.query.flash)],
        }),
      );
    }),
  );

  router.get(
    '/seals',
    signedIn(async (_req, res, principal) => {
      const list = await seals.sealsOfOrganisation(principal);
      const now = new Date();
      res.send(
        await page('seals', {
          title: '本单位印章',
          principal,
          nav: 'seals',
          seals: list,
          // Issue 12 Build 5 (SM-8): the unit's home names the seals whose renewal window is open.
          renewalDue: list.filter((x) => x.status === 'active' && !renewalWindowProblem(x.validTo, now)),
          renewalWindowDays: RENEWAL_WINDOW_DAYS,
          // SM-5(1), SM-8: and its organisation certificates, those nearing expiry first.
          ...(await certificates.home(principal)),
        }),
      );
    }),
  );

  router.get(
    '/seals/:id',
    signedIn(async (req, res, principal) => {
      const seal = await seals.seal(principal, String(req.params.id));
      res.send(
        await page('seal', {
          title: seal.name,
          principal,
          nav: 'seals',
          seal: {
            ...seal,
            certificate: {
              ...seal.certificate,
              subjectLine: distinguishedNameText(seal.certificate.subject),
              issuerLine: distinguishedNameText(seal.certificate.issuer),
            },
          },
          // SM-12: the seal's use requests, authorisations and the 申请用印 form.
          sealUse: await sealUseSection(sealUse, principal, seal),
          // Issue 12 Build 5: the status, its history, 挂失 and 注销 (SM-15, SM-16).
          sealStatus: await sealStatusSection(sealStatus, principal, seal),
          // Issue 15 Build 5 (SM-14): the custodian and deputy, their history and the change form.
          sealCustodians: await sealCustodianSection(sealCustodians, principal, seal),
        }),
      );
    }),
  );

  return router;
}

/** Cookies are Secure when the platform is reached over https (directly, or through a proxy on this machine). */
function secureCookies(req: Request): boolean {
  return req.secure;
}

/** A path on this site to return to after login; anything else (`//host`, `/\\host`, a URL) is ignored. */
function localPath(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : undefined;
}

/** Errors on pages render as a page in Chinese, not as JSON. */
export function pageErrorHandler(em: () => EntityManager) {
  return async (err: unknown, req: Request, res: Response, _next: NextFunction): Promise<void> => {
    const apiError = toApiError(err);
    if (apiError.code === 'INTERNAL') logInternalError(req, err);
    if (apiError.code === 'UNAUTHENTICATED') return res.redirect(303, '/login');
    await auditDenial(em, req, apiError);
    res.status(apiError.status).send(
      renderPage('error', {
        title: '出错了',
        principal: req.principal,
        heading: apiError.status === 403 ? '无权访问' : apiError.status === 404 ? '页面不存在' : '出错了',
        message: apiError.message,
      }),
    );
  };
}
