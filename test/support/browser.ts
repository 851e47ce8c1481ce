/** Debian's chromium driven by playwright-core (a test tool's own browser download does not work here). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumExecutablePath } from '../../infra/pdf';
import { demoPassword } from '../../seed/demo-city';

export const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

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
