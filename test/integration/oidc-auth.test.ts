/**
 * Production authentication: JWTs from an OIDC provider, verified against its JWKS served over HTTP; development
 * login and development tokens are refused when NODE_ENV=production.
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createApp } from '../../api/app';
import { Authenticator } from '../../api/auth';
import { loadConfig } from '../../infra/config';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let jwks: Server;
let app: Server;
let appUrl: string;
let sign: (
  claims: Record<string, unknown>,
  options?: { issuer?: string; audience?: string; expiresIn?: string },
) => Promise<string>;

beforeAll(async () => {
  t = await startTestPlatform();
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  sign = (claims, options = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(options.issuer ?? 'https://idp.jincheng.example')
      .setAudience(options.audience ?? 'elicense-platform')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m')
      .sign(privateKey);

  const config = loadConfig({
    NODE_ENV: 'production',
    PKI_MASTER_KEY: 'unused-here',
    OIDC_ISSUER: 'https://idp.jincheng.example',
    OIDC_JWKS_URL: jwksUrl,
    OIDC_AUDIENCE: 'elicense-platform',
  });
  const ctx = { ...t.platform.ctx, config, auth: new Authenticator(config, t.platform.ctx.em) };
  app = createApp(ctx).app.listen(0);
  await new Promise((resolve) => app.once('listening', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => app?.close(resolve));
  await new Promise((resolve) => jwks?.close(resolve));
  await t?.stop();
});

const me = (token: string) => fetch(`${appUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });

it('accepts a provider token and resolves the user, organisation and roles from the database', async () => {
  const res = await me(await sign({ preferred_username: 'jc-approval-reviewer' }));
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({
    username: 'jc-approval-reviewer',
    organisationId: 'jc-approval',
    roles: ['seal_reviewer'],
  });
});

it.each([
  ['an expired token', { preferred_username: 'zz-amr-clerk' }, { expiresIn: '-1m' }],
  ['another issuer', { preferred_username: 'zz-amr-clerk' }, { issuer: 'https://evil.example' }],
  ['another audience', { preferred_username: 'zz-amr-clerk' }, { audience: 'other-app' }],
  ['an unknown user', { preferred_username: 'nobody' }, {}],
  ['no username claim', { sub: 'abc' }, {}],
])('refuses %s with 401', async (_label, claims, options) => {
  const res = await me(await sign(claims, options));
  expect(res.status).toBe(401);
  expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
});

it('refuses development tokens and development login in production', async () => {
  const devToken = await t.token('zz-amr-clerk');
  expect((await me(devToken)).status).toBe(401);
  const login = await fetch(`${appUrl}/api/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'zz-amr-clerk' }),
  });
  expect(login.status).toBe(404);
});

it('production configuration without an OIDC provider or PKI key is refused at start', () => {
  expect(() => loadConfig({ NODE_ENV: 'production', PKI_MASTER_KEY: 'x' })).toThrow(
    'OIDC_ISSUER must be set',
  );
  expect(() => loadConfig({ NODE_ENV: 'production', OIDC_ISSUER: 'i', OIDC_JWKS_URL: 'http://x' })).toThrow(
    'PKI_MASTER_KEY must be set',
  );
});
