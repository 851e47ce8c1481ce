/**
 * Authentication fails closed (issue 11): provider tokens are verified against the provider's JWKS with the
 * configured issuer and audience, an allowlist of asymmetric algorithms and a required `exp`, and bind the account
 * by `sub`; the dev login exists only when enabled, and only for this machine; production refuses to start with
 * development services.
 */
import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { createApp } from '../../api/app';
import { Authenticator } from '../../api/auth';
import { AuditEvent } from '../../db/entities';
import { loadConfig } from '../../infra/config';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { webLogin } from '../support/web-login';

const ISSUER = 'https://idp.jincheng.example';
const AUDIENCE = 'elicense-platform';
const JWT_SECRET = 'production-session-secret-for-this-test';

let t: TestPlatform;
let jwks: Server;
const servers: Server[] = [];
let appUrl: string;
let devOffUrl: string;
let jwksUrl: string;
let publicKeyPem: string;
let sign: (
  claims: Record<string, unknown>,
  options?: { issuer?: string; audience?: string; expiresIn?: string | null; alg?: string },
) => Promise<string>;

/** The environment of a production deployment with real services (none of them is contacted here). */
const productionEnv = (): NodeJS.ProcessEnv => ({
  NODE_ENV: 'production',
  JWT_SECRET,
  // Issue 11 Build 5: the API's own secrets; PKI_MASTER_KEY is the signing worker's and not read here.
  LICENCE_ACCESS_CODE_SECRET: 'unused-here',
  DATABASE_URL: 'postgres://db.jincheng.example/elicense',
  TEMPORAL_ADDRESS: 'temporal.jincheng.example:7233',
  TEMPORAL_API_KEY: 'unused-here',
  SMTP_URL: 'smtp://mail.jincheng.example:25',
  OIDC_ISSUER: ISSUER,
  OIDC_JWKS_URL: jwksUrl,
  OIDC_CLIENT_ID: 'elicense-web',
  OIDC_AUDIENCE: AUDIENCE,
});

async function serve(config: ReturnType<typeof loadConfig>): Promise<string> {
  const ctx = { ...t.platform.ctx, config, auth: new Authenticator(config, t.platform.ctx.em) };
  const server = createApp(ctx).app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  t = await startTestPlatform();
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  publicKeyPem = await exportSPKI(publicKey);
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  sign = (claims, options = {}) => {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt();
    if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '10m');
    return jwt.sign(privateKey);
  };
  appUrl = await serve(loadConfig(productionEnv()));
  // The test platform's own settings without DEV_LOGIN=enabled: a development machine that did not ask for it.
  devOffUrl = await serve(
    loadConfig({ NODE_ENV: 'test', PKI_MASTER_KEY: 'x', JWT_SECRET: 'test-only-jwt-secret' }),
  );
});

afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  await new Promise((resolve) => jwks?.close(resolve));
  await t?.stop();
});

const me = (token: string, url = appUrl) =>
  fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
const devLogin = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username: 'zz-amr-clerk' }),
  });

it('accepts a provider token and resolves the user, organisation and roles from the database', async () => {
  const res = await me(await sign({ sub: 'demo-jc-approval-reviewer' }));
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({
    username: 'jc-approval-reviewer',
    organisationId: 'jc-approval',
    roles: ['seal_reviewer'],
  });
});

it('binds the account by sub, never by the changeable preferred_username', async () => {
  const res = await me(await sign({ sub: 'demo-zz-amr-clerk', preferred_username: 'jc-admin' }));
  expect(res.status).toBe(200);
  expect((await res.json()).username).toBe('zz-amr-clerk');
  // A name alone, or a sub the platform does not know, opens nothing.
  expect((await me(await sign({ preferred_username: 'jc-admin' }))).status).toBe(401);
  expect((await me(await sign({ sub: 'jc-admin', preferred_username: 'jc-admin' }))).status).toBe(401);
});

describe('refuses with 401', () => {
  const unsigned = (claims: Record<string, unknown>) =>
    new UnsecuredJWT(claims)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .encode();
  const hs256 = (secret: string) =>
    new SignJWT({ sub: 'demo-zz-amr-clerk' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(secret));

  it.each([
    ['an expired token', () => sign({ sub: 'demo-zz-amr-clerk' }, { expiresIn: '-1m' })],
    ['another issuer', () => sign({ sub: 'demo-zz-amr-clerk' }, { issuer: 'https://evil.example' })],
    ['another audience', () => sign({ sub: 'demo-zz-amr-clerk' }, { audience: 'other-app' })],
    ['a token without exp', () => sign({ sub: 'demo-zz-amr-clerk' }, { expiresIn: null })],
    ['alg: none', async () => unsigned({ sub: 'demo-zz-amr-clerk' })],
    // HS256 under the platform's own session secret, with the provider's issuer and audience …
    ['HS256 under the session secret', () => hs256(JWT_SECRET)],
    // … and under the provider's public key as the HMAC secret (the classic algorithm confusion).
    ['HS256 under the provider’s public key', () => hs256(publicKeyPem)],
    ['an unknown subject', () => sign({ sub: 'nobody' })],
    ['no sub', () => sign({ preferred_username: 'zz-amr-clerk' })],
  ])('%s', async (_label, token) => {
    const res = await me(await token());
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
  });
});

describe('the dev login', () => {
  it('is 404 without DEV_LOGIN=enabled, in production and on a development machine alike', async () => {
    for (const url of [appUrl, devOffUrl]) {
      const res = await devLogin(url);
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe('NOT_FOUND');
    }
  });

  it('its tokens stop working where dev login is off, even under the same secret', async () => {
    const devToken = await t.token('zz-amr-clerk');
    expect((await me(devToken, t.url)).status).toBe(200);
    expect((await me(devToken, devOffUrl)).status).toBe(401);
    expect((await me(devToken)).status).toBe(401);
  });

  it('when enabled, answers only requests from this machine itself, not forwarded ones', async () => {
    expect((await devLogin(t.url)).status).toBe(200);
    const forwarded: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.7' },
      { forwarded: 'for=203.0.113.7' },
    ];
    for (const headers of forwarded) {
      const res = await devLogin(t.url, headers);
      expect(res.status).toBe(403);
      expect((await res.json()).error.message).toContain('本机');
    }
  });
});

describe('the web sign-in through the embedded OIDC provider', () => {
  it('sets an httpOnly, SameSite=Lax session cookie after the callback and audits the login', async () => {
    const login = await webLogin(t.url, 'zz-approval-reviewer', { next: '/tasks' });
    expect(login.status).toBe(303);
    expect(login.location).toBe('/tasks');
    expect(login.sessionSetCookie).toMatch(/HttpOnly/i);
    expect(login.sessionSetCookie).toMatch(/SameSite=Lax/i);
    // Served over http here; Secure is set when the platform is reached over https.
    expect(login.sessionSetCookie).not.toMatch(/Secure/i);
    const res = await fetch(`${t.url}/api/me`, { headers: { cookie: login.cookie! } });
    expect((await res.json()).username).toBe('zz-approval-reviewer');
    const events = await t
      .em()
      .find(AuditEvent, { actorUsername: 'zz-approval-reviewer', action: 'auth.login' });
    expect(events.map((e) => e.outcome)).toEqual(['success']);
  });

  it('the login starts a code flow with PKCE S256 and keeps its state in an httpOnly, Lax cookie', async () => {
    const start = await fetch(`${t.url}/login`, { method: 'POST', redirect: 'manual', body: '' });
    const loginCookie = start.headers.getSetCookie().find((c) => c.startsWith('oidc_login='))!;
    expect(loginCookie).toMatch(/HttpOnly/i);
    expect(loginCookie).toMatch(/SameSite=Lax/i);
    expect(loginCookie).toMatch(/Path=\/auth\/callback/);
    expect(loginCookie).not.toMatch(/Secure/i);
    expect(new URL(start.headers.get('location')!).searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('a wrong password stays at the provider; a callback not started here is 401', async () => {
    const wrong = await webLogin(t.url, 'zz-approval-reviewer', { password: 'zz-approval-reviewer' });
    expect(wrong.cookie).toBeUndefined();
    expect(wrong.html).toContain('用户名或密码错误');
    const forged = await fetch(`${t.url}/auth/callback?code=abc&state=xyz`, { redirect: 'manual' });
    expect(forged.status).toBe(401);
    expect(
      forged.headers.getSetCookie().some((c) => c.startsWith('session=') && !c.startsWith('session=;')),
    ).toBe(false);
  });
});

describe('production refuses development services', () => {
  it('refuses each one unless named on purpose, and names what is wrong', () => {
    expect(() => loadConfig(productionEnv())).not.toThrow();
    const { DATABASE_URL: _db, SMTP_URL: _smtp, OIDC_ISSUER: _oidc, ...bare } = productionEnv();
    expect(() => loadConfig(bare)).toThrow(/embedded-postgres[\s\S]*dev-smtp[\s\S]*embedded-oidc/);
    expect(() => loadConfig({ ...productionEnv(), DEV_LOGIN: 'enabled' })).toThrow(/dev-login/);
    expect(() =>
      loadConfig({ ...productionEnv(), DEV_LOGIN: 'enabled', ALLOW_DEV_SERVICES_IN_PRODUCTION: 'dev-login' }),
    ).not.toThrow();
  });

  it('`npm start` with NODE_ENV=production and nothing configured exits before starting anything', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: path.join(__dirname, '..', '..'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('NODE_ENV=production refuses to start with development services');
    for (const service of ['embedded-postgres', 'temporal-dev-server', 'dev-smtp', 'embedded-oidc']) {
      expect(output).toContain(service);
    }
    expect(output).toContain('ALLOW_DEV_SERVICES_IN_PRODUCTION=');
    expect(output).not.toContain('Starting embedded PostgreSQL');
  });

  it('OIDC_ALGORITHMS may not name a symmetric algorithm or none', () => {
    for (const algorithms of ['HS256', 'RS256,none', '']) {
      expect(() => loadConfig({ ...productionEnv(), OIDC_ALGORITHMS: algorithms })).toThrow(
        'OIDC_ALGORITHMS',
      );
    }
  });
});
