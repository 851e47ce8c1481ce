/**
 * In real chromium, the way production signs in (issue 11): the login page sends the browser to the OIDC provider
 * (the embedded one, as under `npm start`), a wrong password is refused there, the right one brings the user back
 * through the callback to the page they asked for, with an httpOnly, SameSite=Lax session cookie; 退出 ends it.
 * Screenshots go to test-artifacts/e2e-oidc-login/.
 */
import { AuditEvent } from '../../db/entities';
import { newPage, useBrowserPlatform } from '../support/browser';

const e2e = useBrowserPlatform('e2e-oidc-login');

it('signs in through the embedded OIDC provider with a password, and signs out', async () => {
  const page = await newPage(e2e.browser);
  const platform = new URL(e2e.t.url).origin;

  // A page that needs a login sends the browser to the login page, which keeps the page to return to.
  await page.goto(`${e2e.t.url}/tasks`);
  await page.waitForURL((url) => url.pathname === '/login');
  expect(await page.textContent('h1')).toBe('登录');
  expect(await page.textContent('.demo-accounts')).toContain('zz-approval-reviewer');
  await e2e.screenshot(page, '01-login-page');

  // 通过统一身份认证登录: the provider's password form, on the provider's own origin.
  await page.click('#oidc-login');
  await page.waitForURL((url) => url.origin !== platform && url.pathname.startsWith('/interaction/'));
  expect(await page.textContent('h1')).toContain('统一身份认证');
  await page.fill('#username', 'zz-approval-reviewer');
  await page.fill('#password', 'wrong-password');
  await e2e.screenshot(page, '02-provider-form');
  await page.click('#sign-in');
  await page.waitForSelector('.error');
  expect(await page.textContent('.error')).toContain('用户名或密码错误');
  expect(new URL(page.url()).origin).not.toBe(platform);
  await e2e.screenshot(page, '03-wrong-password');

  // The right password: back through the callback to the page asked for, signed in.
  await page.fill('#password', 'zz-approval-reviewer@2026');
  await page.click('#sign-in');
  await page.waitForURL((url) => url.origin === platform && url.pathname === '/tasks');
  expect(await page.textContent('body')).toContain('王建国');
  await e2e.screenshot(page, '04-signed-in');

  const session = (await page.context().cookies(e2e.t.url)).find((c) => c.name === 'session')!;
  expect(session.httpOnly).toBe(true);
  expect(session.sameSite).toBe('Lax');
  expect(session.secure).toBe(false); // http here; Secure when served over https
  // The page's scripts cannot read it.
  expect(await page.evaluate(() => document.cookie)).not.toContain('session=');

  const logins = await e2e.t
    .em()
    .find(AuditEvent, { actorUsername: 'zz-approval-reviewer', action: 'auth.login' });
  expect(logins.map((e) => [e.outcome, e.details.via])).toEqual([['success', 'oidc']]);

  // 退出: the session is gone, and a signed-in page goes back to the login page.
  await page.click('form[action="/logout"] button');
  await page.waitForURL((url) => url.pathname === '/login');
  expect((await page.context().cookies(e2e.t.url)).some((c) => c.name === 'session')).toBe(false);
  await page.goto(`${e2e.t.url}/tasks`);
  await page.waitForURL((url) => url.pathname === '/login');
  await e2e.screenshot(page, '05-signed-out');
});
