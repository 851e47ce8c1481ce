/** Debian's chromium driven by playwright-core (a test tool's own browser download does not work here). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumExecutablePath } from '../../infra/pdf';
import { demoPassword } from '../../seed/demo-city';
import { startTestPlatform, TestPlatform } from './platform';

export const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

/** The two widths every page must work at: a desktop window and a phone. */
export const DESK_VIEWPORT = { width: 1366, height: 900 };
export const PHONE_VIEWPORT = { width: 390, height: 844 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutablePath(), args: [...CHROMIUM_ARGS] });
}

export interface PageOptions {
  deviceScaleFactor?: number;
  /** A phone: e.g. 390 × 844 with touch. The default is a desktop window. */
  viewport?: { width: number; height: number };
  hasTouch?: boolean;
  isMobile?: boolean;
}

/** A desktop window at 1366 px. */
export const DESK: PageOptions = { viewport: DESK_VIEWPORT };
/** A phone at 390 px, with touch and twice the pixels. */
export const PHONE: PageOptions = {
  viewport: PHONE_VIEWPORT,
  hasTouch: true,
  isMobile: true,
  deviceScaleFactor: 2,
};

/** A page in a fresh context, as a user in 晋城 sees it (zh-CN, a desktop window unless told otherwise). */
export async function newPage(browser: Browser, options: PageOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    locale: 'zh-CN',
    viewport: options.viewport ?? { width: 1280, height: 900 },
    deviceScaleFactor: options.deviceScaleFactor,
    hasTouch: options.hasTouch,
    isMobile: options.isMobile,
  });
  return context.newPage();
}

/**
 * A page signed in as `username` the way production signs in: the login page sends the browser to the OIDC
 * provider (the embedded one), where the account's password is typed; back on the platform, on the page it lands
 * on.
 */
export async function loginPage(
  browser: Browser,
  baseUrl: string,
  username: string,
  options: PageOptions & { next?: string; password?: string } = {},
): Promise<Page> {
  const page = await newPage(browser, options);
  await page.goto(`${baseUrl}/login${options.next ? `?next=${encodeURIComponent(options.next)}` : ''}`);
  await signInAtProvider(page, baseUrl, username, options.password ?? demoPassword(username));
  return page;
}

/** From the platform's login page: 通过统一身份认证登录, then the provider's password form, then back. */
export async function signInAtProvider(
  page: Page,
  baseUrl: string,
  username: string,
  password: string,
): Promise<void> {
  const platform = new URL(baseUrl).origin;
  await page.click('#oidc-login');
  await page.waitForURL((url) => url.origin !== platform && url.pathname.startsWith('/interaction/'));
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#sign-in');
  await page.waitForURL(
    (url) =>
      url.origin === platform && !url.pathname.startsWith('/login') && !url.pathname.startsWith('/auth/'),
  );
}

/** Saves a full-page screenshot under test-artifacts/<suite>/ and returns its path. */
export async function screenshot(page: Page, suite: string, name: string): Promise<string> {
  const dir = path.join(ARTIFACTS, suite);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A browser test file's platform and chromium, and its screenshots under test-artifacts/<suite>/. */
export interface BrowserPlatform {
  /** The file's platform (started in beforeAll). */
  readonly t: TestPlatform;
  /** Chromium (launched in beforeAll). */
  readonly browser: Browser;
  /** test-artifacts/<suite>/, where the screenshots go. */
  readonly dir: string;
  /** A page signed in as `username` on this platform (see loginPage). */
  login(username: string, options?: PageOptions & { next?: string; password?: string }): Promise<Page>;
  /** A full-page screenshot test-artifacts/<suite>/<name>.png; returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
}

/**
 * One platform and one chromium for a browser test file: started in beforeAll, closed in afterAll (the browser
 * first). Set-up of the file's own goes in a beforeAll after this call, which runs after these are up.
 */
export function useBrowserPlatform(
  suite: string,
  platformOptions?: Parameters<typeof startTestPlatform>[0],
): BrowserPlatform {
  let t: TestPlatform | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    t = await startTestPlatform(platformOptions);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error(`${suite}: the platform and browser start in beforeAll`);
    return value;
  };
  return {
    get t() {
      return started(t);
    },
    get browser() {
      return started(browser);
    },
    dir: path.join(ARTIFACTS, suite),
    login: (username, options) => loginPage(started(browser), started(t).url, username, options),
    screenshot: (page, name) => screenshot(page, suite, name),
  };
}
