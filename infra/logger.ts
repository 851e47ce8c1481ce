/**
 * Structured JSON logs (pino), one object a line on stdout, for operators' log collectors. Log lines carry ids
 * (request id, user id, route template, workflow id), never personal data: no names, citizen ids, e-mail
 * addresses, query strings or bodies; the authorisation and cookie headers are redacted should a caller log a
 * request object. LOG_LEVEL sets the level (default info; `warn` under tests, `silent` to mute).
 */
import pino from 'pino';

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'info'),
  base: { service: 'elicense' },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: {
    paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
    censor: '[redacted]',
  },
});

export type Logger = typeof logger;
