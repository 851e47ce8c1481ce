/** Server-rendered pages: handlebars templates under templates/pages inside templates/layout.hbs. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { shanghaiDate, shanghaiDateTime } from '../../domain/format';
import { ROLE_LABELS, UserRole } from '../../domain/roles';
import { SEAL_KIND_LABELS, SEAL_STATUS_LABELS, SealKind, SealStatus } from '../../domain/seal';
import { APPLICATION_STATUS_LABELS, ApplicationStatus } from '../../domain/seal-application';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../principal';
import { navFor } from './navigation';
import { distinguishedNameText } from '../../presentation/certificate-text';

const ROOT = path.join(__dirname, '..', '..', 'templates');
const hbs = Handlebars.create();

hbs.registerHelper('date', (d: unknown) => (d ? shanghaiDate(d as string) : ''));
hbs.registerHelper('datetime', (d: unknown) => (d ? shanghaiDateTime(d as string) : ''));
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('inc', (n: number) => n + 1);
hbs.registerHelper('kindLabel', (k: SealKind) => SEAL_KIND_LABELS[k] ?? k);
hbs.registerHelper('sealStatusLabel', (s: SealStatus) => SEAL_STATUS_LABELS[s] ?? s);
hbs.registerHelper('statusLabel', (s: ApplicationStatus) => APPLICATION_STATUS_LABELS[s] ?? s);
hbs.registerHelper('roleLabel', (r: UserRole) => ROLE_LABELS[r] ?? r);
hbs.registerHelper('algorithmLabel', (a: unknown) => algorithmLabel(String(a ?? '')));
// A certificate subject as the API prints it (`CN=…, O=…`) in words.
hbs.registerHelper('dnText', (dn: unknown) =>
  distinguishedNameText(String(dn ?? '').replace(/, (?=[A-Za-z][A-Za-z0-9.]*=)/g, '\n')),
);
hbs.registerHelper('actionLabel', (a: string) => ACTION_LABELS[a] ?? a);

/** A signature algorithm in words: `sha256WithRSAEncryption` is "RSA 签名（SHA-256 摘要）". */
export function algorithmLabel(name: string): string {
  const rsa = /^sha(\d+)WithRSA/i.exec(name);
  if (rsa) return `RSA 签名（SHA-${rsa[1]} 摘要）`;
  const ec = /^ecdsa-with-SHA(\d+)/i.exec(name);
  if (ec) return `椭圆曲线签名（SHA-${ec[1]} 摘要）`;
  if (/sm2/i.test(name)) return 'SM2 签名（SM3 摘要）';
  return name;
}

const ACTION_LABELS: Record<string, string> = {
  submitted: '提交申请',
  approved: '审核通过',
  rejected: '驳回',
  seal_made: '完成制章',
  failed: '制章失败',
};

for (const file of readdirSync(path.join(ROOT, 'partials'))) {
  hbs.registerPartial(path.basename(file, '.hbs'), readFileSync(path.join(ROOT, 'partials', file), 'utf8'));
}
const layout = hbs.compile(readFileSync(path.join(ROOT, 'layout.hbs'), 'utf8'));
const pages = new Map<string, HandlebarsTemplateDelegate>();

export interface PageContext {
  title: string;
  principal?: Principal;
  nav?: string;
  /** The signed-in user's pending tasks, shown beside 待办 in the nav. */
  navPending?: number;
  [key: string]: unknown;
}

export function renderPage(name: string, context: PageContext): string {
  let page = pages.get(name);
  if (!page) {
    page = hbs.compile(readFileSync(path.join(ROOT, 'pages', `${name}.hbs`), 'utf8'));
    pages.set(name, page);
  }
  const principal = context.principal;
  return layout({
    ...context,
    body: page(context),
    user: principal && {
      ...principal,
      roleLabels: principal.roles.map((r) => ROLE_LABELS[r] ?? r).join('、'),
    },
    menu: principal && navFor(principal, context.nav, context.navPending),
  });
}

/** A page handler for signed-in users only: others go to the login page and come back to where they were. */
export const signedIn =
  (handler: (req: Request, res: Response, p: Principal) => Promise<void>) =>
  async (req: Request, res: Response, next: NextFunction) => {
    if (!req.principal) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    try {
      await handler(req, res, req.principal);
    } catch (err) {
      next(err);
    }
  };

/** A posted urlencoded form as express reads it (`extended: false`): a name repeated gives a list. */
export type FormBody = Record<string, string | string[] | undefined>;

/**
 * A page's form post, for signed-in users: the action does it through a service and names the page to go to, which
 * follows with a 303. A refusal (ApiError) goes on to pageErrorHandler, which shows its Chinese message, unless
 * `refused` shows the form again itself (then it answers true).
 */
export const formAction = (
  action: (req: Request, principal: Principal, body: FormBody) => Promise<string>,
  refused?: (err: unknown, req: Request, res: Response, principal: Principal) => Promise<boolean>,
) =>
  signedIn(async (req, res, principal) => {
    let to: string;
    try {
      to = await action(req, principal, (req.body ?? {}) as FormBody);
    } catch (err) {
      if (refused && (await refused(err, req, res, principal))) return;
      throw err;
    }
    res.redirect(303, to);
  });
