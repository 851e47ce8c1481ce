/**
 * Authentication, failing closed (issue 11):
 * - The web UI signs in with OpenID Connect, authorization code + PKCE (`openid-client`), at the configured
 *   provider — the embedded one (infra/oidc-provider.ts) under `npm start` and in the tests. After the callback the
 *   platform sets its own session cookie (an HS256 JWT under JWT_SECRET, httpOnly, SameSite=Lax, Secure on https).
 * - Bearer tokens from the provider are verified against its JWKS (jose): the configured issuer and audience, an
 *   allowlist of asymmetric algorithms (never `none` or HS256), and `exp` are required; the account is found by the
 *   token's `sub` (app_user.oidc_subject), never by the changeable `preferred_username`.
 * - `POST /api/auth/dev-login` issues a session token without a password only when DEV_LOGIN=enabled, and only to
 *   loopback callers; otherwise the route does not exist.
 * Either way the token names a user, and the user's organisation, roles and jurisdiction come from the database on
 * every request.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { AppUser } from '../db/entities';
import type { UserRole } from '../domain/roles';
import type { Config } from '../infra/config';
import { ApiError } from './errors';
import { actorOf, Principal, RequestMeta } from './principal';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    requestId?: string;
  }
}

/** The platform's own tokens: issuer and audience that no provider token carries. */
const SESSION_ISSUER = 'jincheng-elicense';
const SESSION_AUDIENCE = 'jincheng-elicense-session';
const LOGIN_AUDIENCE = 'jincheng-elicense-oidc-login';
export const SESSION_COOKIE = 'session';
/** The login in progress (state, nonce, PKCE verifier, page to return to), signed, for the callback only. */
export const LOGIN_COOKIE = 'oidc_login';
export const SESSION_HOURS = 8;

type SessionVia = 'oidc' | 'dev';

export class Authenticator {
  private readonly sessionKey: Uint8Array;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private client?: Promise<oidc.Configuration>;

  constructor(
    private readonly config: Config,
    private readonly em: () => EntityManager,
  ) {
    this.sessionKey = new TextEncoder().encode(config.jwtSecret);
    this.jwks = createRemoteJWKSet(new URL(config.oidc.jwksUrl));
  }

  get devLoginEnabled(): boolean {
    return this.config.devLogin;
  }

  /** Development login: a token for a seeded account, recorded in the audit log (LM-25). */
  async devLogin(username: string, meta: RequestMeta): Promise<{ token: string; principal: Principal }> {
    if (!this.devLoginEnabled) throw new ApiError('NOT_FOUND', '接口不存在');
    const principal = await this.principalFor(username);
    const token = await this.issueSessionToken(username, 'dev');
    await recordAudit(this.em(), {
      actor: actorOf(principal),
      action: 'auth.dev_login',
      targetType: 'user',
      targetId: principal.userId,
      outcome: 'success',
      details: { via: 'api' },
      ...meta,
    });
    return { token, principal };
  }

  /** Records a sign-out in the audit log (LM-25); the caller clears the session. */
  async logout(principal: Principal, meta: RequestMeta): Promise<void> {
    await recordAudit(this.em(), {
      actor: actorOf(principal),
      action: 'auth.logout',
      targetType: 'user',
      targetId: principal.userId,
      outcome: 'success',
      ...meta,
    });
  }

  private issueSessionToken(username: string, via: SessionVia): Promise<string> {
    return new SignJWT({ via })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(username)
      .setIssuer(SESSION_ISSUER)
      .setAudience(SESSION_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${SESSION_HOURS}h`)
      .sign(this.sessionKey);
  }

  /** The OIDC client, discovered from the provider once (again after a failure). */
  private oidcClient(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.config.oidc;
    const url = new URL(issuer);
    // Plain http only to a provider on this machine (the embedded one); anything else must be https.
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    this.client ??= oidc
      .discovery(
        url,
        clientId,
        { id_token_signed_response_alg: 'RS256' },
        clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(),
        loopback && url.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.client = undefined;
        throw err;
      });
    return this.client;
  }

  /**
   * Starts a sign-in: the provider's authorization URL (code flow, PKCE S256, state, nonce, a fresh password
   * prompt) and the signed cookie value the callback needs.
   */
  async startLogin(next: string | undefined): Promise<{ url: string; cookie: string }> {
    const client = await this.oidcClient().catch(() => {
      throw new ApiError('UNAVAILABLE', '统一身份认证服务暂时不可用，请稍后再试');
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: this.config.oidc.redirectUri,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      prompt: 'login',
    });
    const cookie = await new SignJWT({ verifier, state, nonce, next: next ?? null })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(SESSION_ISSUER)
      .setAudience(LOGIN_AUDIENCE)
      .setExpirationTime('10m')
      .sign(this.sessionKey);
    return { url: url.href, cookie };
  }

  /**
   * Finishes a sign-in at the callback: redeems the code with the PKCE verifier, checks state and nonce, verifies
   * the ID token by the same rules as a bearer token, finds the account by `sub` and issues the session token.
   * Success and failure are audited (LM-25).
   */
  async finishLogin(
    query: string,
    cookie: string | undefined,
    meta: RequestMeta,
  ): Promise<{ token: string; principal: Principal; next: string | undefined }> {
    const failed = async (reason: string, message: string) => {
      await recordAudit(this.em(), {
        actor: SYSTEM_ACTOR,
        action: 'auth.login',
        targetType: 'user',
        targetId: null,
        outcome: 'denied',
        details: { via: 'oidc', reason },
        ...meta,
      });
      return new ApiError('UNAUTHENTICATED', message);
    };
    const login = cookie
      ? await jwtVerify(cookie, this.sessionKey, {
          issuer: SESSION_ISSUER,
          audience: LOGIN_AUDIENCE,
          algorithms: ['HS256'],
        }).then(
          (r) => r.payload as { verifier?: string; state?: string; nonce?: string; next?: string | null },
          () => undefined,
        )
      : undefined;
    if (!login?.verifier || !login.state || !login.nonce) {
      throw await failed('no login in progress', '登录已超时或不是从本平台发起，请重新登录');
    }
    const callbackUrl = new URL(this.config.oidc.redirectUri);
    callbackUrl.search = query;
    let idToken: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(await this.oidcClient(), callbackUrl, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      idToken = tokens.id_token;
    } catch (err) {
      throw await failed(
        `code exchange: ${(err as Error).message}`.slice(0, 200),
        '统一身份认证未通过，请重新登录',
      );
    }
    const username = await this.usernameForProviderToken(idToken ?? '', this.config.oidc.clientId);
    if (!username) throw await failed('no account for the subject', '此统一身份认证账号未开通本平台权限');
    const principal = await this.principalFor(username);
    const token = await this.issueSessionToken(username, 'oidc');
    await recordAudit(this.em(), {
      actor: actorOf(principal),
      action: 'auth.login',
      targetType: 'user',
      targetId: principal.userId,
      outcome: 'success',
      details: { via: 'oidc' },
      ...meta,
    });
    return { token, principal, next: login.next ?? undefined };
  }

  /**
   * A provider token's account: the signature by the provider's key under an allowed asymmetric algorithm, the
   * configured issuer and audience, `exp` and `sub` are all required; the account is the active user whose
   * `oidc_subject` is the token's `sub`. Undefined when any of it fails.
   */
  private async usernameForProviderToken(token: string, audience: string): Promise<string | undefined> {
    const payload = await jwtVerify(token, this.jwks, {
      issuer: this.config.oidc.issuer,
      audience,
      algorithms: this.config.oidc.algorithms,
      requiredClaims: ['exp', 'sub'],
    }).then(
      (r) => r.payload,
      () => undefined,
    );
    if (typeof payload?.sub !== 'string' || payload.sub === '') return undefined;
    const user = await this.em().findOne(AppUser, { oidcSubject: payload.sub, active: true });
    return user?.username;
  }

  /** The username a token speaks for, or an UNAUTHENTICATED error. */
  async verify(token: string): Promise<string> {
    const session = await jwtVerify(token, this.sessionKey, {
      issuer: SESSION_ISSUER,
      audience: SESSION_AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'sub'],
    }).then(
      (r) => r.payload,
      () => undefined,
    );
    // A dev-login token stops working as soon as dev login is switched off.
    if (session && (session.via !== 'dev' || this.devLoginEnabled) && typeof session.sub === 'string') {
      return session.sub;
    }
    const username = session
      ? undefined
      : await this.usernameForProviderToken(token, this.config.oidc.audience);
    if (!username) throw new ApiError('UNAUTHENTICATED', '登录凭证无效或已过期，请重新登录');
    return username;
  }

  /** The active account and its unit, in one read (every authenticated request: one statement, no entities). */
  async principalFor(username: string): Promise<Principal> {
    const rows: Array<{
      id: string;
      display_name: string;
      email: string | null;
      roles: Principal['roles'];
      organisation_id: string;
      organisation_name: string;
      functions: string[];
      jurisdiction_id: string;
    }> = await this.em().execute(
      `select u.id, u.display_name, u.email, u.roles, u.organisation_id, o.name as organisation_name, o.functions,
              o.jurisdiction_id
         from app_user u join organisation o on o.id = u.organisation_id
        where u.username = ? and u.active`,
      [username],
    );
    const user = rows[0];
    if (!user) throw new ApiError('UNAUTHENTICATED', `账号 ${username} 不存在或已停用`);
    return {
      userId: user.id,
      username,
      displayName: user.display_name,
      email: user.email,
      roles: user.roles,
      organisationId: user.organisation_id,
      organisationName: user.organisation_name,
      organisationFunctions: user.functions as Principal['organisationFunctions'],
      jurisdictionId: user.jurisdiction_id,
    };
  }

  /** Reads the bearer token, or the session cookie of the web UI; sets `req.principal`. */
  middleware(options: { optional: boolean }): RequestHandler {
    return async (req: Request, _res: Response, next: NextFunction) => {
      // One principal per request: a router that guards all its paths (router.use) runs for every request passing
      // through it, so a request may meet this middleware several times; the token is read once (issue 19).
      if (req.principal) return next();
      try {
        const header = req.headers.authorization;
        const token = header?.startsWith('Bearer ') ? header.slice(7) : readCookie(req, SESSION_COOKIE);
        if (!token) {
          if (options.optional) return next();
          throw new ApiError('UNAUTHENTICATED', '请先登录');
        }
        req.principal = await this.principalFor(await this.verify(token));
        next();
      } catch (err) {
        if (options.optional && err instanceof ApiError && err.code === 'UNAUTHENTICATED') return next();
        next(err);
      }
    };
  }
}

/**
 * Whether a request comes from this machine itself: the socket's peer is a loopback address and no proxy
 * forwarded it (a reverse proxy on this machine makes every remote request look local).
 */
export function isLoopbackRequest(req: Pick<Request, 'headers' | 'socket'>): boolean {
  if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined) return false;
  return isLoopbackAddress(req.socket.remoteAddress);
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export function requirePrincipal(req: Request): Principal {
  if (!req.principal) throw new ApiError('UNAUTHENTICATED', '请先登录');
  return req.principal;
}

export function requireRole(principal: Principal, ...roles: UserRole[]): void {
  if (!roles.some((r) => principal.roles.includes(r))) {
    throw new ApiError('FORBIDDEN', `此操作需要以下角色之一：${roles.join(', ')}`);
  }
}
