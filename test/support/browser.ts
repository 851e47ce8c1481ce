/** Debian's chromium driven by playwright-core (a test tool's own browser download does not work here). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumExecutablePath } from '../../infra/pdf';

export const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutablePath(), args: [...CHROMIUM_ARGS] });
}

/** A page in a fresh context, as a user in 晋城 sees it (zh-CN, a desktop window). */
export async function newPage(browser: Browser, options: { deviceScaleFactor?: number } = {}): Promise<Page> {
  const context = await browser.newContext({
    locale: 'zh-CN',
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: options.deviceScaleFactor,
  });
  return context.newPage();
}

/** A page logged in as `username` through the login page's dev account picker, on the page it lands on. */
export async function loginPage(
  browser: Browser,
  baseUrl: string,
  username: string,
  options: { deviceScaleFactor?: number } = {},
): Promise<Page> {
  const page = await newPage(browser, options);
  await page.goto(`${baseUrl}/login`);
  await page.click(`button[data-username="${username}"]`);
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  return page;
}

/** Saves a full-page screenshot under test-artifacts/<suite>/ and returns its path. */
export async function screenshot(page: Page, suite: string, name: string): Promise<string> {
  const dir = path.join(ARTIFACTS, suite);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
