/**
 * The web UI's own defences: login returns only to pages of this site, a cookie-authenticated POST from another
 * origin is refused, and pages answer refusals in Chinese (and record them, LM-25).
 */
import { AuditEvent } from '../../db/entities';
import { applicationBody } from '../support/fixtures';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { webLogin as signIn } from '../support/web-login';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

/** Signs in through the OIDC provider with the account's password (test/support/web-login.ts). */
async function webLogin(username: string, next?: string): Promise<{ cookie: string; location: string }> {
  const res = await signIn(t.url, username, { next });
  expect(res.status).toBe(303);
  return { cookie: res.cookie!, location: res.location! };
}

it('after login, returns to the page asked for, and never to another site', async () => {
  expect((await webLogin('zz-amr-clerk', '/seal-applications/new')).location).toBe('/seal-applications/new');
  for (const evil of ['//evil.example/x', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)']) {
    expect((await webLogin('zz-amr-clerk', evil)).location).toBe('/home');
  }
  // Issue 17: without a page to return to, the user's 工作台.
  expect((await webLogin('zz-approval-reviewer')).location).toBe('/home');
});

it('the login page carries the page to return to into its form', async () => {
  const page = await fetch(`${t.url}/seal-applications/new`, { redirect: 'manual' });
  expect(page.status).toBe(303);
  expect(page.headers.get('location')).toBe('/login?next=%2Fseal-applications%2Fnew');
  const html = await (await fetch(`${t.url}${page.headers.get('location')}`)).text();
  // The attribute as a browser reads it (handlebars writes `=` as `&#x3D;`).
  const action = /<form method="post" action="([^"]*)"/.exec(html)![1]!.replace(/&#x3D;/g, '=');
  expect(action).toBe('/login?next=%2Fseal-applications%2Fnew');
});

it('a cookie-authenticated POST from another origin is refused and changes nothing', async () => {
  const { cookie } = await webLogin('zz-approval-reviewer');
  const app = (
    await t.call('POST', '/api/seal-applications', { as: 'zz-amr-clerk', body: applicationBody() })
  ).body;
  const inbox = (await t.call('GET', '/api/tasks', { as: 'zz-approval-reviewer' })).body.items;
  const taskId = inbox.find((x: { processId: string }) => x.processId === app.id).taskId as string;
  const forged = await fetch(`${t.url}/tasks/${taskId}/approve`, {
    method: 'POST',
    headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'comment=x',
    redirect: 'manual',
  });
  expect(forged.status).toBe(403);
  const view = (await t.call('GET', `/api/seal-applications/${app.id}`, { as: 'zz-amr-clerk' })).body;
  expect(view.approval.currentStep).toBe(0);
  expect(view.approval.history.some((e: { action: string }) => e.action === 'approved')).toBe(false);

  const sameOrigin = await fetch(`${t.url}/tasks/${taskId}/approve`, {
    method: 'POST',
    headers: { cookie, origin: t.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'comment=同意',
    redirect: 'manual',
  });
  expect(sameOrigin.status).toBe(303);
});

it('a page refused to another unit answers in Chinese and is audited', async () => {
  const app = (
    await t.call('POST', '/api/seal-applications', { as: 'zz-amr-clerk', body: applicationBody() })
  ).body;
  const { cookie } = await webLogin('gp-amr-clerk');
  const res = await fetch(`${t.url}/seal-applications/${app.id}`, { headers: { cookie } });
  expect(res.status).toBe(403);
  const html = await res.text();
  expect(html).toContain('无权访问');
  expect(html).toContain('无权查看此印章申请');
  const events = await t.em().find(AuditEvent, { actorUsername: 'gp-amr-clerk' });
  expect(events.map((e) => `${e.action}:${e.outcome}`)).toEqual(
    expect.arrayContaining(['auth.login:success', 'GET /seal-applications/:id:denied']),
  );
});
