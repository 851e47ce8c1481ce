/**
 * Every rate limit of the platform, in one place (`express-rate-limit`, in-process memory store: one API process
 * per deployment today; a shared store is a drop-in when there are several). A request past a limit gets 429 with
 * `Retry-After` (seconds) and the API's error body, or the error page for a web form. Limits come from the
 * configuration (`RATE_LIMIT_*` in the README), so that tests can set them low.
 *
 * - `login`: sign-in attempts (`POST /api/auth/dev-login`, the login form), per address and account name — a
 *   password cannot be guessed quickly, and people behind one office NAT do not lock each other out.
 * - `verify`: `POST /api/verify`, per address — anyone may verify, nobody may use it to load the server.
 * - `copies`: the public printable copies `/verify/:identifier/copy` and `copy.pdf`, per address — the register
 *   cannot be harvested through them.
 * - `disputes`: ready for the public dispute forms (异议), per address.
 * - `complaints`: the public complaints that paper was demanded (issue 14), per address, at the `disputes` rate.
 * - `publicReads`: the public service-item pages and their JSON (issue 16 Build 7), per address, at the `verify`
 *   rate — public, so nobody may use them to load the server.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { RateLimitConfig } from '../infra/config';
import { ApiError } from './errors';

export interface RateLimiters {
  login: RequestHandler;
  verify: RequestHandler;
  copies: RequestHandler;
  disputes: RequestHandler;
  complaints: RequestHandler;
  publicReads: RequestHandler;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The key of each address lately seen (ipKeyGenerator parses an IPv6 address, and Node gives IPv4 peers as
 * IPv4-mapped IPv6: a parse on every public request); a pure function of the address, bounded (issue 19 Build 4).
 */
const addressKeys = new Map<string, string>();
const ADDRESS_KEYS_KEPT = 10_000;

function addressKey(req: Request): string {
  const ip = req.ip ?? 'unknown';
  let key = addressKeys.get(ip);
  if (key === undefined) {
    key = ipKeyGenerator(ip);
    if (addressKeys.size >= ADDRESS_KEYS_KEPT) addressKeys.clear();
    addressKeys.set(ip, key);
  }
  return key;
}

function limiter(
  name: string,
  windowMs: number,
  limit: number,
  message: string,
  key: (req: Request) => string = addressKey,
): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => `${name}:${key(req)}`,
    handler: (_req: Request, _res: Response, next: NextFunction) =>
      next(new ApiError('TOO_MANY_REQUESTS', message)),
  });
}

/** The account name a sign-in names (JSON or form body), bounded, so that a long one cannot grow the store. */
function loginKey(req: Request): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const username = typeof body.username === 'string' ? body.username.trim().slice(0, 64).toLowerCase() : '';
  return `${addressKey(req)}:${username}`;
}

export function createRateLimiters(config: RateLimitConfig): RateLimiters {
  return {
    login: limiter('login', MINUTE, config.loginPerMinute, '登录尝试过于频繁，请稍后再试', loginKey),
    verify: limiter('verify', MINUTE, config.verifyPerMinute, '核验请求过于频繁，请稍后再试'),
    copies: limiter('copies', MINUTE, config.copiesPerMinute, '证照复印件请求过于频繁，请稍后再试'),
    disputes: limiter('disputes', HOUR, config.disputesPerHour, '异议提交过于频繁，请稍后再试'),
    complaints: limiter('complaints', HOUR, config.disputesPerHour, '投诉提交过于频繁，请稍后再试'),
    publicReads: limiter('public-reads', MINUTE, config.verifyPerMinute, '查询过于频繁，请稍后再试'),
  };
}
