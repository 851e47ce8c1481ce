/**
 * Production refuses the development services (issue 11): a deployment that forgets a variable must not quietly
 * run an embedded database, an unauthenticated Temporal server, a mail sink, a demo identity provider or the
 * password-less dev login. Each may still be run on purpose by naming it in ALLOW_DEV_SERVICES_IN_PRODUCTION.
 * Pure: the decision depends only on the environment given.
 */

export const DEV_SERVICES = {
  'embedded-postgres': 'embedded PostgreSQL (set DATABASE_URL)',
  'temporal-dev-server': 'the Temporal dev server (set TEMPORAL_ADDRESS)',
  'temporal-without-tls':
    'a Temporal connection without TLS (set TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY or TEMPORAL_API_KEY)',
  'dev-smtp': 'the dev SMTP server (set SMTP_URL)',
  'embedded-oidc': 'the embedded OIDC provider with demo accounts (set OIDC_ISSUER and OIDC_CLIENT_ID)',
  'dev-login': 'the development login POST /api/auth/dev-login (unset DEV_LOGIN)',
} as const;

export type DevService = keyof typeof DEV_SERVICES;

export const ALLOW_VARIABLE = 'ALLOW_DEV_SERVICES_IN_PRODUCTION';

/** The development services this environment would run, whether or not it is production. */
export function devServicesIn(env: NodeJS.ProcessEnv): DevService[] {
  const used: DevService[] = [];
  if (!env.DATABASE_URL) used.push('embedded-postgres');
  if (!env.TEMPORAL_ADDRESS) used.push('temporal-dev-server');
  else if (!(env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY) && !env.TEMPORAL_API_KEY)
    used.push('temporal-without-tls');
  if (!env.SMTP_URL) used.push('dev-smtp');
  if (!env.OIDC_ISSUER) used.push('embedded-oidc');
  if (env.DEV_LOGIN === 'enabled') used.push('dev-login');
  return used;
}

/**
 * Why this environment may not start, or undefined when it may: in production, every development service it
 * would run must be named in ALLOW_DEV_SERVICES_IN_PRODUCTION (comma-separated); an unknown name there is an
 * error too, so that a typo does not pass for an override.
 */
export function devServicesRefusal(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NODE_ENV !== 'production') return undefined;
  const allowed = (env[ALLOW_VARIABLE] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = allowed.filter((name) => !(name in DEV_SERVICES));
  if (unknown.length > 0) {
    return `${ALLOW_VARIABLE} names unknown services: ${unknown.join(', ')} (known: ${Object.keys(DEV_SERVICES).join(', ')})`;
  }
  const refused = devServicesIn(env).filter((s) => !allowed.includes(s));
  if (refused.length === 0) return undefined;
  return [
    'NODE_ENV=production refuses to start with development services:',
    ...refused.map((s) => `  - ${s}: ${DEV_SERVICES[s]}`),
    `To run them in production on purpose, set ${ALLOW_VARIABLE}=${refused.join(',')}`,
  ].join('\n');
}
