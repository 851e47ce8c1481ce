/**
 * The embedded OpenID Connect provider (npm `oidc-provider`) that `npm start` and the tests run on loopback in
 * place of the city's identity provider: it holds the demo accounts with passwords (scrypt hashes, never the
 * passwords themselves), signs in with a password form in Chinese, and issues authorization codes only with PKCE
 * to the platform's one client. The platform signs in through it exactly as it would through the real provider,
 * so every demo and browser test walks the production path. Production refuses it (infra/dev-services.ts).
 *
 * Wrong passwords are limited (issue 11, Build 1): past `failedLoginsPerMinute` failures for one account name, or
 * ADDRESS_FACTOR times as many from one address (people behind one office NAT), within a minute, the form answers
 * 429 with `Retry-After` until the window ends, whatever the password. Counted in `express-rate-limit`'s store, the
 * library of the platform's other limits; the number is the platform's login limit, RATE_LIMIT_LOGIN_PER_MINUTE.
 */
import { generateKeyPairSync, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { MemoryStore, type Options as RateLimitOptions } from 'express-rate-limit';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { listen } from './listen';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

/** `scrypt$N$r$p$salt$hash` (base64): a password hash from node:crypto's scrypt with a random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keylen, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(actual, expected);
}

export interface ProviderAccount {
  /** The stable `sub` the platform binds the account by (app_user.oidc_subject). */
  subject: string;
  /** The login name typed on the form; also sent as `preferred_username`, which the platform does not trust. */
  username: string;
  displayName: string;
  email: string | null;
  password: string;
}

export interface EmbeddedOidcProvider {
  issuer: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedOidcProvider(options: {
  /** 0 picks a free port (tests). The provider listens on 127.0.0.1 only. */
  port: number;
  /** The issuer URL; default http://127.0.0.1:<port>. */
  issuer?: string;
  client: { clientId: string; clientSecret?: string; redirectUris: string[] };
  accounts: ProviderAccount[];
  /** Wrong passwords allowed per minute for one account name (config.rateLimits.loginPerMinute); see ADDRESS_FACTOR. */
  failedLoginsPerMinute: number;
}): Promise<EmbeddedOidcProvider> {
  const accounts = await Promise.all(
    options.accounts.map(async ({ password, ...a }) => ({
      ...a,
      passwordHash: await hashPassword(password),
    })),
  );
  const byUsername = new Map(accounts.map((a) => [a.username, a]));
  const bySubject = new Map(accounts.map((a) => [a.subject, a]));
  // Compared against when the username is unknown, so that an unknown name takes as long as a wrong password.
  const decoy = await hashPassword(randomBytes(16).toString('hex'));

  const failures = failedLogins();
  const server = createServer();
  await listen(server, options.port, '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  const issuer = options.issuer ?? `http://127.0.0.1:${port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(8).toString('hex'),
    use: 'sig',
  };
  const configuration: Configuration = {
    clients: [
      {
        client_id: options.client.clientId,
        ...(options.client.clientSecret
          ? { client_secret: options.client.clientSecret, token_endpoint_auth_method: 'client_secret_basic' }
          : { token_endpoint_auth_method: 'none' }),
        redirect_uris: options.client.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: 'RS256',
      },
    ],
    // PKCE for every client, whatever its authentication (a public client needs it anyway).
    pkce: { required: () => true },
    jwks: { keys: [signingKey as never] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
    // The password form below replaces the package's development interactions, which ask for no password.
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    findAccount: async (_ctx, sub) => {
      const account = bySubject.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          preferred_username: account.username,
          name: account.displayName,
          ...(account.email ? { email: account.email } : {}),
        }),
      };
    },
    // The platform is the provider's only, first-party client: its scopes need no consent screen.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { session, client } = ctx.oidc;
      if (!session?.accountId || !client) return undefined;
      const existing = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        '认证出错',
        `<p class="error">${escapeHtml(String(out.error_description ?? out.error))}</p>`,
      );
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  const loginForm = (uid: string, username = '', error?: string) =>
    page(
      '统一身份认证（演示）',
      `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
  <label>用户名 <input id="username" name="username" value="${escapeHtml(username)}" required autofocus></label>
  <label>密码 <input id="password" name="password" type="password" required></label>
  <button type="submit" id="sign-in">登录</button>
</form>`,
    );

  const interaction = async (req: IncomingMessage, res: ServerResponse, uid: string, submit: boolean) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid || details.prompt.name !== 'login') {
      return send(res, 400, page('认证出错', '<p class="error">登录请求已失效，请返回平台重新登录。</p>'));
    }
    if (!submit) return send(res, 200, loginForm(uid));
    const form = new URLSearchParams(await readBody(req));
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    const keys = failureKeys(req, username, options.failedLoginsPerMinute);
    const wait = await failures.blockedFor(keys);
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      return send(res, 429, loginForm(uid, username, '登录尝试过于频繁，请稍后再试'));
    }
    const account = byUsername.get(username);
    const ok = await verifyPassword(password, account?.passwordHash ?? decoy);
    if (!account || !ok) {
      await failures.record(keys);
      return send(res, 200, loginForm(uid, username, '用户名或密码错误'));
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.subject } },
      { mergeWithLastSubmission: false },
    );
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (!match) return void callback(req, res);
    const submit = Boolean(match[2]);
    if (req.method !== (submit ? 'POST' : 'GET'))
      return send(res, 405, page('认证出错', '<p>不支持的请求</p>'));
    interaction(req, res, match[1]!, submit).catch(() => {
      if (!res.headersSent) {
        send(res, 400, page('认证出错', '<p class="error">登录请求已失效，请返回平台重新登录。</p>'));
      }
    });
  });

  return {
    issuer,
    port,
    async stop() {
      failures.shutdown();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** One address may fail this many times the per-account limit (several people behind one NAT). */
export const ADDRESS_FACTOR = 5;

interface FailureKey {
  key: string;
  /** Failures allowed per minute. */
  limit: number;
}

/** The counters a wrong password adds to: its account name's (bounded, lower case) and its address's. */
function failureKeys(req: IncomingMessage, username: string, perMinute: number): FailureKey[] {
  return [
    { key: `account:${username.slice(0, 64).toLowerCase()}`, limit: perMinute },
    { key: `address:${req.socket.remoteAddress ?? 'unknown'}`, limit: perMinute * ADDRESS_FACTOR },
  ];
}

/** Failed sign-ins per key in one-minute windows; `blockedFor` answers the seconds until a blocked key is free. */
function failedLogins() {
  const store = new MemoryStore();
  store.init({ windowMs: 60_000 } as RateLimitOptions);
  return {
    async blockedFor(keys: FailureKey[]): Promise<number> {
      let wait = 0;
      for (const { key, limit } of keys) {
        const info = await store.get(key);
        if (info && info.totalHits >= limit && info.resetTime) {
          wait = Math.max(wait, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000), 1);
        }
      }
      return wait;
    },
    async record(keys: FailureKey[]): Promise<void> {
      for (const { key } of keys) await store.increment(key);
    },
    shutdown: () => store.shutdown(),
  };
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

function readBody(req: IncomingMessage, limit = 8192): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > limit) {
        reject(new Error('body too large'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${title}</title>
<style>
body{font-family:"WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;background:#f3f5f8;margin:0}
main{max-width:380px;margin:80px auto;background:#fff;padding:28px 32px;border-radius:6px;box-shadow:0 1px 4px #0002}
h1{font-size:20px;margin:0 0 6px}p.note{color:#666;font-size:13px;margin:0 0 18px}
label{display:block;margin:12px 0;font-size:14px}input{display:block;width:100%;box-sizing:border-box;padding:8px;margin-top:4px}
button{margin-top:8px;width:100%;padding:10px;background:#1d4f91;color:#fff;border:0;border-radius:4px;font-size:15px}
.error{color:#b42318}
</style></head>
<body><main><h1>${title}</h1><p class="note">晋城市电子证照与电子印章平台 · 开发用身份提供方</p>${body}</main></body></html>`;
}
