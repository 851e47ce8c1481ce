/**
 * Configuration from the environment, read once at start. Every variable is listed in the README. Where a
 * variable is unset, development defaults start local services (embedded PostgreSQL, Temporal dev server, a dev
 * SMTP server); in production (NODE_ENV=production) the secrets must be set.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export interface Config {
  production: boolean;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  postgresPort: number;
  temporalAddress: string | undefined;
  temporalNamespace: string;
  temporalTaskQueue: string;
  temporalPort: number;
  temporalUiPort: number;
  temporalTls: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string; apiKey?: string };
  smtpUrl: string | undefined;
  runWorker: boolean;
  seedDevData: boolean;
  devSmtpPort: number;
  devMailUiPort: number;
  mailFrom: string;
  jwtSecret: string;
  oidc: { issuer?: string; jwksUrl?: string; audience?: string; usernameClaim: string };
  pkiMasterKey: string;
  /** LM-8: where licences are pushed to the data-exchange platform (HTTP POST); unset, pushes wait. */
  exchangeEndpointUrl: string | undefined;
  /** Requests per address (login: per address and account) before 429 (api/rate-limits.ts). */
  rateLimits: RateLimitConfig;
}

export interface RateLimitConfig {
  loginPerMinute: number;
  verifyPerMinute: number;
  copiesPerMinute: number;
  disputesPerHour: number;
}

const DEV_JWT_SECRET = 'development-only-jwt-secret-change-me';
const DEV_PKI_MASTER_KEY = 'development-only-pki-master-key';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const port = Number(env.PORT ?? 3000);
  const required = (name: string, devDefault: string): string => {
    const value = env[name];
    if (value) return value;
    if (production) throw new Error(`${name} must be set when NODE_ENV=production`);
    return devDefault;
  };
  return {
    production,
    port,
    publicUrl: env.PUBLIC_URL ?? `http://localhost:${port}`,
    dataDir: path.resolve(env.DATA_DIR ?? '.data'),
    databaseUrl: env.DATABASE_URL || undefined,
    postgresPort: Number(env.POSTGRES_PORT ?? 5433),
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    temporalTaskQueue: env.TEMPORAL_TASK_QUEUE ?? 'elicense-platform',
    temporalPort: Number(env.TEMPORAL_PORT ?? 7233),
    temporalUiPort: Number(env.TEMPORAL_UI_PORT ?? Number(env.TEMPORAL_PORT ?? 7233) + 1000),
    temporalTls: {
      certPath: env.TEMPORAL_TLS_CERT || undefined,
      keyPath: env.TEMPORAL_TLS_KEY || undefined,
      caPath: env.TEMPORAL_TLS_CA || undefined,
      serverName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
      apiKey: env.TEMPORAL_API_KEY || undefined,
    },
    smtpUrl: env.SMTP_URL || undefined,
    runWorker: (env.RUN_WORKER ?? 'true') !== 'false',
    seedDevData: (env.SEED_DEV_DATA ?? (production ? 'false' : 'true')) === 'true',
    devSmtpPort: Number(env.DEV_SMTP_PORT ?? 1025),
    devMailUiPort: Number(env.DEV_MAIL_UI_PORT ?? 1080),
    mailFrom: env.MAIL_FROM ?? '晋城市电子证照与电子印章平台 <noreply@jincheng.example>',
    // Signs development logins only; production has none, so an unset secret there is random and unused.
    jwtSecret: env.JWT_SECRET || (production ? randomBytes(32).toString('hex') : DEV_JWT_SECRET),
    oidc: {
      issuer: production ? required('OIDC_ISSUER', '') : env.OIDC_ISSUER || undefined,
      jwksUrl: production ? required('OIDC_JWKS_URL', '') : env.OIDC_JWKS_URL || undefined,
      audience: env.OIDC_AUDIENCE || undefined,
      usernameClaim: env.OIDC_USERNAME_CLAIM ?? 'preferred_username',
    },
    pkiMasterKey: required('PKI_MASTER_KEY', DEV_PKI_MASTER_KEY),
    exchangeEndpointUrl: env.EXCHANGE_ENDPOINT_URL || undefined,
    rateLimits: {
      loginPerMinute: positiveInteger(env, 'RATE_LIMIT_LOGIN_PER_MINUTE', 20),
      verifyPerMinute: positiveInteger(env, 'RATE_LIMIT_VERIFY_PER_MINUTE', 120),
      copiesPerMinute: positiveInteger(env, 'RATE_LIMIT_COPIES_PER_MINUTE', 30),
      disputesPerHour: positiveInteger(env, 'RATE_LIMIT_DISPUTES_PER_HOUR', 10),
    },
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, not ${raw}`);
  return value;
}
