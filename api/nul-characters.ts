/**
 * No request may carry U+0000 into the database. PostgreSQL text cannot hold it, and the ORM writes parameters into
 * the SQL text, where a NUL ends the statement: the server answers a protocol error (08P01), which reads as an
 * outage (503) although the request is at fault. Found by the API fuzzer. So a NUL is refused at the edge, before
 * any route reads the request: in the path it names nothing that exists (404); in the query or a body it is a 400
 * naming the field.
 */
import type { RequestHandler } from 'express';
import { badRequest, FieldProblem, notFound } from './errors';

const NUL_MESSAGE = '不得包含空字符（\\u0000）';

/** The first place in a parsed value (query, JSON or form body) that holds a NUL, as a field problem. */
export function nulProblem(value: unknown, field: string, depth = 0): FieldProblem | null {
  if (typeof value === 'string') {
    return value.includes('\u0000') ? { field: field || 'body', rule: 'no_nul', message: NUL_MESSAGE } : null;
  }
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const name = field ? `${field}.${key}` : key;
    if (key.includes('\u0000')) return { field: field || 'body', rule: 'no_nul', message: NUL_MESSAGE };
    const problem = nulProblem(item, name, depth + 1);
    if (problem) return problem;
  }
  return null;
}

/** Refuses a request whose path, query or (already parsed) body holds a NUL; see the module comment. */
export const refuseNulCharacters: RequestHandler = (req, _res, next) => {
  if (/%00/i.test(req.path)) return next(notFound('所请求的资源'));
  const problem = nulProblem(req.query, '') ?? nulProblem(req.body, '');
  next(problem ? badRequest([problem]) : undefined);
};
