/** The API's one error format: `{"error":{"code","message","details"}}`, with the HTTP status it goes with. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ErrorRequestHandler, Request } from 'express';
import { recordAudit } from '../db/audit';
import { logger } from '../infra/logger';
import { isDependencyOutage } from '../infra/outage';
import { actorOf } from './principal';

/** Seconds a client waits before retrying a 503 (a dependency outage). */
export const UNAVAILABLE_RETRY_AFTER = '5';

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNPROCESSABLE'
  | 'TOO_MANY_REQUESTS'
  | 'UNAVAILABLE'
  | 'INTERNAL';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE: 422,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface FieldProblem {
  field: string;
  rule: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  /** Set when the thrower already wrote a specific audit event, so the error handler does not write another. */
  audited = false;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export const badRequest = (problems: FieldProblem[]) =>
  new ApiError('VALIDATION_FAILED', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
export const forbidden = (message: string) => new ApiError('FORBIDDEN', message);
export const notFound = (what: string) => new ApiError('NOT_FOUND', `${what}不存在`);
export const conflict = (message: string) => new ApiError('CONFLICT', message);

export function errorBody(err: ApiError) {
  return { error: { code: err.code, message: err.message, details: err.details ?? null } };
}

/** Turns anything thrown into the error format; unexpected errors are logged and answered without internals. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.large') return new ApiError('PAYLOAD_TOO_LARGE', '请求体过大');
  if (e?.type === 'entity.parse.failed') {
    return badRequest([{ field: 'body', rule: 'json', message: '请求体不是合法的 JSON' }]);
  }
  // Issue 11: a database or Temporal outage is a 503 (with Retry-After), never a 500: the request may have been
  // stored before the outage, and its retry (same idempotency key or case id) finds it.
  if (isDependencyOutage(err)) return new ApiError('UNAVAILABLE', '服务暂时不可用，请稍后使用同一请求重试');
  return new ApiError('INTERNAL', '服务器内部错误');
}

/** LM-25: every refused access is in the audit log, with who tried what. */
export function auditDenial(em: () => EntityManager, req: Request, error: ApiError): Promise<void> {
  if (error.code !== 'FORBIDDEN' || error.audited || !req.principal) return Promise.resolve();
  return recordAudit(em(), {
    actor: actorOf(req.principal),
    action: `${req.method} ${req.baseUrl}${req.route?.path ?? req.path}`,
    targetType: 'http',
    targetId: req.originalUrl,
    outcome: 'denied',
    details: { reason: error.message },
    requestId: req.requestId,
    ip: req.ip,
  }).catch((err) => logger.error({ err, requestId: req.requestId }, 'audit of a denial failed'));
}

/** An unexpected error, with the route template and request id (not the URL, whose query may name a holder). */
export function logInternalError(req: Request, err: unknown): void {
  const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || 'unmatched';
  logger.error(
    { err, requestId: req.requestId, userId: req.principal?.userId, method: req.method, route },
    'unexpected error',
  );
}

export function jsonErrorHandler(em: () => EntityManager): ErrorRequestHandler {
  return async (err, req, res, _next) => {
    const apiError = toApiError(err);
    if (apiError.code === 'INTERNAL') logInternalError(req, err);
    await auditDenial(em, req, apiError);
    if (apiError.status === 503 && !res.getHeader('retry-after'))
      res.setHeader('Retry-After', UNAVAILABLE_RETRY_AFTER);
    res.status(apiError.status).json(errorBody(apiError));
  };
}
