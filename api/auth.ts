/**
 * Authentication: in development `POST /api/auth/dev-login` issues a JWT (HS256, jose) for a seeded account; in
 * production JWTs from the OIDC provider are verified against its JWKS. Either way the token names a user, and
 * the user's organisation, roles and jurisdiction come from the database on every request.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../db/audit';
import { AppUser, Organisation } from '../db/entities';
import type { UserRole } from '../domain/roles';
import type { Config } from '../infra/config';
import { ApiError } from './errors';
import { actorOf, Principal } from './principal';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    requestId?: string;
  }
}

const DEV_ISSUER = 'jincheng-elicense-dev';
export const SESSION_COOKIE = 'session';

export class Authenticator {
  private readonly devKey: Uint8Array;
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly config: Config,
    private readonly em: () => EntityManager,
  ) {
    this.devKey = new TextEncoder().encode(config.jwtSecret);
    if (config.oidc.jwksUrl) this.jwks = createRemoteJWKSet(new URL(config.oidc.jwksUrl));
  }

  get devLoginEnabled(): boolean {
    return !this.config.production;
  }

  /** Development login: a token for a seeded account, recorded in the audit log (LM-25). */
  async devLogin(
    username: string,
    meta: { via: 'api' | 'web'; requestId?: string; ip?: string },
  ): Promise<{ token: string; principal: Principal }> {
    const token = await this.issueDevToken(username);
    const principal = await this.principalFor(username);
    await recordAudit(this.em(), {
      actor: actorOf(principal),
      action: 'auth.dev_login',
      targetType: 'user',
      targetId: principal.userId,
      outcome: 'success',
      details: { via: meta.via },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    return { token, principal };
  }

  /** Records a sign-out in the audit log (LM-25); the caller clears the session. */
  async logout(principal: Principal, meta: { requestId?: string; ip?: string }): Promise<void> {
    await recordAudit(this.em(), {
      actor: actorOf(principal),
      action: 'auth.logout',
      targetType: 'user',
      targetId: principal.userId,
      outcome: 'success',
      requestId: meta.requestId,
      ip: meta.ip,
    });
  }

  async issueDevToken(username: string): Promise<string> {
    if (!this.devLoginEnabled) throw new ApiError('NOT_FOUND', '开发登录在生产环境中不可用');
    const user = await this.em().findOne(AppUser, { username, active: true });
    if (!user) throw new ApiError('UNAUTHENTICATED', `账号 ${username} 不存在或已停用`);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(username)
      .setIssuer(DEV_ISSUER)
      .setIssuedAt()
      .setExpirationTime('8h')
      .sign(this.devKey);
  }

  /** The username a token speaks for, or an UNAUTHENTICATED error. */
  async verify(token: string): Promise<string> {
    let payload: JWTPayload | undefined;
    if (this.devLoginEnabled) {
      payload = await jwtVerify(token, this.devKey, { issuer: DEV_ISSUER }).then(
        (r) => r.payload,
        () => undefined,
      );
    }
    if (!payload && this.jwks) {
      payload = await jwtVerify(token, this.jwks, {
        issuer: this.config.oidc.issuer,
        audience: this.config.oidc.audience,
      }).then(
        (r) => r.payload,
        () => undefined,
      );
    }
    const username =
      payload &&
      (this.jwks && payload.iss !== DEV_ISSUER ? payload[this.config.oidc.usernameClaim] : payload.sub);
    if (typeof username !== 'string')
      throw new ApiError('UNAUTHENTICATED', '登录凭证无效或已过期，请重新登录');
    return username;
  }

  async principalFor(username: string): Promise<Principal> {
    const em = this.em();
    const user = await em.findOne(AppUser, { username, active: true });
    if (!user) throw new ApiError('UNAUTHENTICATED', `账号 ${username} 不存在或已停用`);
    const organisation = await em.findOneOrFail(Organisation, { id: user.organisationId });
    return {
      userId: user.id,
      username: user.username,
      displayName: user.displayName,
      email: user.email,
      roles: user.roles,
      organisationId: organisation.id,
      organisationName: organisation.name,
      organisationFunctions: organisation.functions,
      jurisdictionId: organisation.jurisdictionId,
    };
  }

  /** Reads the bearer token, or the session cookie of the web UI; sets `req.principal`. */
  middleware(options: { optional: boolean }): RequestHandler {
    return async (req: Request, _res: Response, next: NextFunction) => {
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
