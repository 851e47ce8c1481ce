/**
 * Signing in to the web UI over plain HTTP, the way a browser does: the login form starts the OIDC code flow
 * (PKCE), the embedded provider's password form is posted, the provider redirects to the callback, and the
 * platform sets its session cookie. For tests that need a session cookie without a browser.
 */
import { demoPassword } from '../../seed/demo-city';

export interface WebLogin {
  /** `session=…`, ready for a `cookie` header; undefined when the sign-in failed. */
  cookie: string | undefined;
  /** Where the platform sent the browser after the callback. */
  location: string | undefined;
  /** The callback's Set-Cookie header for the session, attributes included. */
  sessionSetCookie: string | undefined;
  /** The callback's status (303 on success). */
  status: number;
  /** The last page's HTML (the provider's form again on a wrong password, or the platform's error page). */
  html: string;
}

/** Cookies by name, as a browser would keep them for 127.0.0.1 (cookies do not depend on the port). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair!.trim().split('=');
      const expired = attributes.some(
        (a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\b/i.test(a),
      );
      if (expired || value.join('=') === '') this.cookies.delete(name!);
      else this.cookies.set(name!, value.join('='));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

export async function webLogin(
  baseUrl: string,
  username: string,
  options: { next?: string; password?: string } = {},
): Promise<WebLogin> {
  const jar = new CookieJar();
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.take(res);
    return res;
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(baseUrl).origin };
  let res = await go(
    `${baseUrl}/login${options.next === undefined ? '' : `?next=${encodeURIComponent(options.next)}`}`,
    {
      method: 'POST',
      headers: form,
      body: '',
    },
  );
  if (res.status !== 303) throw new Error(`POST /login: ${res.status} ${await res.text()}`);
  // Follow the provider's redirects to its password form.
  let url = new URL(res.headers.get('location')!, baseUrl);
  for (let i = 0; i < 5 && !url.pathname.startsWith('/interaction/'); i++) {
    res = await go(url.href);
    url = new URL(res.headers.get('location')!, url);
  }
  res = await go(url.href);
  const formHtml = await res.text();
  const action = /<form method="post" action="([^"]+)"/.exec(formHtml)?.[1];
  if (!action) throw new Error(`no password form at ${url.href}: ${formHtml.slice(0, 500)}`);
  res = await go(new URL(action, url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: options.password ?? demoPassword(username) }).toString(),
  });
  // Through the provider's resume redirect(s) to the platform's callback.
  const platform = new URL(baseUrl).origin;
  let html = '';
  for (let i = 0; i < 5; i++) {
    if (res.status !== 302 && res.status !== 303) {
      html = await res.text();
      return {
        cookie: undefined,
        sessionSetCookie: undefined,
        location: undefined,
        status: res.status,
        html,
      };
    }
    const next = new URL(res.headers.get('location')!, url);
    url = next;
    res = await go(next.href);
    if (next.origin === platform && next.pathname === '/auth/callback') break;
  }
  const session = jar.get('session');
  if (res.status !== 303) html = await res.text();
  return {
    cookie: session ? `session=${session}` : undefined,
    sessionSetCookie: res.headers.getSetCookie().find((c) => c.startsWith('session=')),
    location: res.headers.get('location') ?? undefined,
    status: res.status,
    html,
  };
}
