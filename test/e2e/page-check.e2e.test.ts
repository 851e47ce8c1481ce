/**
 * Issue 17 Build 7: the page check. Real chromium visits every page reachable from each role's menu and from the
 * links on those pages (same origin, GET, de-duplicated by route pattern, at most PAGES_PER_ROLE per role), as one
 * account of each seeded role and as the public (verification pages, a licence's printable copy), at 1366 px and
 * at 390 px. A page fails on `[object Object]`, `undefined`, `null`, `NaN`, a regulation id, an HTTP verb with a
 * path, an English word outside the allowlist (test/support/page-check.ts), a horizontal overflow at 390 px, a
 * console error or a failed asset (favicon.ico included). The pages and roles covered go to
 * test-artifacts/page-check/summary.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { applicationBody } from '../support/fixtures';
import { DESK, newPage, PHONE_VIEWPORT, useBrowserPlatform } from '../support/browser';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { isPageLink, routePattern, textProblems } from '../support/page-check';

const PAGES_PER_ROLE = 12;

/**
 * Findings not yet mended (route pattern, then rule), each to be taken off this list as it is fixed; any other
 * finding fails the test. Listed in the session note (/work/notes/s4-17a-report.md) as open work.
 */
const KNOWN_FINDINGS = new Set<string>([]);
const knownSeen = new Set<string>();

/** One account of each role that signs in with a browser (the business-system account has no browser login). */
const ACCOUNTS = [
  'zz-amr-clerk', // seal_applicant
  'zz-approval-reviewer', // seal_reviewer
  'zz-amr-leader', // unit_leader
  'zz-amr-issuer', // licence_issuer
  'jc-hrss-verifier', // licence_verifier
  'zz-approval-supervisor', // supervisor
  'zz-admin', // platform_admin
  'holder-zhangwei', // licence_holder
  'jc-auditor', // auditor
  'zz-amr-disputes', // dispute_handler
];

const e2e = useBrowserPlatform('page-check', { reachablePublicUrl: true });
let identifier: string;
const failures: string[] = [];
const covered: Record<string, string[]> = {};

beforeAll(async () => {
  const { t } = e2e;
  // Something in the lists: an application waiting in 待办, and an issued licence to verify and copy.
  const submitted = await t.call('POST', '/api/seal-applications', {
    as: 'zz-amr-clerk',
    body: applicationBody(),
  });
  expect(submitted.status).toBe(201);
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  identifier = (await issueLicence(t, businessLicenceBody())).licence.identifier;
}, 180_000);

/**
 * Pages deeper than the first twelve a role reaches by links, opened first so that they are always checked: the
 * issuer's licence page (its signature block) and the administrator's flow list.
 */
function deepPages(username: string): string[] {
  if (username === 'zz-amr-issuer') return [`/licences/${identifier}`];
  // The calendar's month grids and editor, and the flow editor's people picker (issue 17 Build 6).
  if (username === 'zz-admin') return ['/flows', '/flows/new', '/calendar'];
  return [];
}

/** Watches a page for console errors and failed requests; `take` returns and clears what it saw. */
function watch(page: Page) {
  let seen: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') seen.push(`控制台错误：${m.text()}`);
  });
  page.on('pageerror', (e) => seen.push(`脚本错误：${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') {
      seen.push(`资源 ${r.status()}：${new URL(r.url()).pathname}`);
    }
  });
  return {
    take: () => {
      const out = seen;
      seen = [];
      return out;
    },
  };
}

/** Opens `url` and reports what is wrong with it; returns the page links on it. */
async function check(page: Page, watcher: ReturnType<typeof watch>, url: string, phone: boolean) {
  const res = await page.goto(url, { waitUntil: 'load' });
  const where = `${phone ? '手机' : '桌面'} ${new URL(page.url()).pathname}`;
  const problems: string[] = [];
  if (!res || res.status() >= 400) problems.push(`状态 ${res?.status()}`);
  const [text, words] = await page.evaluate(() => {
    // The visible text outside code elements (identifiers and codes shown as such, in a mono font).
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const parts: string[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('code, .mono, pre, script, style') || !el.checkVisibility()) continue;
      parts.push(n.textContent ?? '');
    }
    return [document.body.innerText, parts.join(' ')];
  });
  for (const p of textProblems(text, words)) problems.push(`${p.rule}：${p.sample}`);
  if (phone) {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > PHONE_VIEWPORT.width + 1) problems.push(`横向溢出：${width} px`);
  }
  problems.push(...watcher.take());
  const pattern = routePattern(page.url());
  const fresh = problems.filter((p) => {
    const key = `${pattern} ${p.split('：')[0]}`;
    if (!KNOWN_FINDINGS.has(key)) return true;
    knownSeen.add(key);
    return false;
  });
  if (fresh.length) failures.push(`${where}：${fresh.join('；')}`);
  return page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
}

/** Visits up to PAGES_PER_ROLE route patterns from `start`, each at desk and phone width. */
async function crawl(label: string, desk: BrowserContext, start: string[]) {
  const { t, browser } = e2e;
  const phoneContext = await browser.newContext({
    locale: 'zh-CN',
    viewport: PHONE_VIEWPORT,
    isMobile: true,
    hasTouch: true,
    storageState: await desk.storageState(),
  });
  const deskPage = desk.pages()[0] ?? (await desk.newPage());
  const phonePage = await phoneContext.newPage();
  const [deskWatch, phoneWatch] = [watch(deskPage), watch(phonePage)];
  const origin = new URL(t.url).origin;
  const queue = start.map((p) => new URL(p, t.url).href);
  const seen = new Set<string>();
  covered[label] = [];
  while (queue.length && covered[label].length < PAGES_PER_ROLE) {
    const url = queue.shift()!;
    const pattern = routePattern(url);
    if (seen.has(pattern)) continue;
    seen.add(pattern);
    covered[label].push(pattern);
    const links = await check(deskPage, deskWatch, url, false);
    await check(phonePage, phoneWatch, url, true);
    queue.push(...links.filter((l) => isPageLink(l, origin)).map((l) => l.split('#')[0]!));
  }
  await phoneContext.close();
}

it('every page of every role, and the public pages, at 1366 px and 390 px', async () => {
  for (const username of ACCOUNTS) {
    const page = await e2e.login(username, DESK);
    await crawl(username, page.context(), [new URL(page.url()).pathname, ...deepPages(username)]);
    await page.context().close();
  }
  const pub = (await newPage(e2e.browser, DESK)).context();
  await crawl('公众', pub, [
    '/verify',
    `/verify/${identifier}`,
    // Not the printable copy: without the holder's access code it answers 403 by design (the copy shows the face);
    // with the code it is covered by licence.e2e.test.ts.
    '/verify/pdf',
    '/login',
  ]);
  await pub.close();

  mkdirSync(e2e.dir, { recursive: true });
  const pages = Object.values(covered).reduce((n, list) => n + list.length, 0);
  writeFileSync(
    path.join(e2e.dir, 'summary.json'),
    JSON.stringify(
      { roles: Object.keys(covered).length, pages, covered, failures, knownSeen: [...knownSeen] },
      null,
      2,
    ),
  );
  const favicon = await fetch(`${e2e.t.url}/favicon.ico`);
  expect([favicon.status, favicon.headers.get('content-type')]).toEqual([200, expect.stringMatching(/icon/)]);
  expect(Object.keys(covered)).toHaveLength(ACCOUNTS.length + 1);
  expect(failures).toEqual([]);
}, 600_000);
