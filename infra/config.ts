/**
 * Configuration from the environment, read once at start. Every variable is listed in the README. Where a
 * variable is unset, development defaults start local services (embedded PostgreSQL, Temporal dev server, a dev
 * SMTP server, an embedded OIDC provider); in production (NODE_ENV=production) the secrets must be set and the
 * development services are refused unless named on purpose (infra/dev-services.ts).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { devServicesRefusal } from './dev-services';

export interface Config {
  production: boolean;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** LM-25: the owner's connection for migrations; the API and workers then use DATABASE_URL's role. */
  databaseOwnerUrl: string | undefined;
  /** The runtime role's password on the embedded PostgreSQL (`elicense_app`). */
  embeddedRuntimePassword: string;
  postgresPort: number;
  temporalAddress: string | undefined;
  temporalNamespace: string;
  temporalTaskQueue: string;
  temporalPort: number;
  temporalUiPort: number;
  temporalTls: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string; apiKey?: string };
  smtpUrl: string | undefined;
  runWorker: boolean;
  /**
   * Issue 11 Build 5: run the signing worker (the only holder of the key-encryption secret) in this process too
   * (RUN_SIGNING_WORKER, default RUN_WORKER); it then reads its own configuration with loadSigningConfig.
   */
  runSigningWorker: boolean;
  seedDevData: boolean;
  devSmtpPort: number;
  devMailUiPort: number;
  mailFrom: string;
  /** Signs the platform's own session tokens (web sessions, dev-login tokens); random per process unless set. */
  jwtSecret: string;
  /** `POST /api/auth/dev-login` exists (loopback only) only when DEV_LOGIN=enabled; `npm start` enables it. */
  devLogin: boolean;
  oidc: OidcConfig;
  /** LM-8: where licences are pushed to the data-exchange platform (HTTP POST); unset, pushes wait. */
  exchangeEndpointUrl: string | undefined;
  /**
   * Keys the licences' access codes (pki/licence-access-code.ts, printed in the copies' QR codes). Checked online
   * by the API, so it is a secret of its own (LICENCE_ACCESS_CODE_SECRET), never the key-encryption secret nor
   * derived from it (issue 11 Build 5).
   */
  licenceAccessCodeSecret: string;
  /**
   * Issue 16 (WP-(三)3): the seed of the platform's ES256 presentation key that signs 亮证 tokens and the status
   * lists (pki/presentation-key.ts). An online signer with a secret of its own (PRESENTATION_KEY_SECRET); its
   * public key is published as a JWK.
   */
  presentationKeySecret: string;
  /** GET /metrics needs `Authorization: Bearer <token>` when set; unset, only loopback clients get it. */
  metricsToken: string | undefined;
  /** Requests per address (login: per address and account) before 429 (api/rate-limits.ts). */
  rateLimits: RateLimitConfig;
  /** Uploads never attached to an approval action are purged after this many hours (issue 11). */
  attachmentRetentionHours: number;
  /** Issue 20: the transparency log is appended and a tree head signed every this many minutes. */
  transparencyLogIntervalMinutes: number;
  /** Issue 19 (LM-10): the largest legacy conversion upload accepted, in bytes (CONVERSION_MAX_BYTES, 1 GiB: a 1,000,000-row CSV is about 370 MB; the upload streams, so memory does not grow with it). */
  conversionMaxBytes: number;
}

export interface RateLimitConfig {
  loginPerMinute: number;
  verifyPerMinute: number;
  copiesPerMinute: number;
  disputesPerHour: number;
}

export interface OidcConfig {
  /** No OIDC_ISSUER: the embedded provider (infra/oidc-provider.ts) on loopback holds the demo accounts. */
  embedded: boolean;
  /** The embedded provider's port (OIDC_PROVIDER_PORT, default 3001). */
  providerPort: number;
  issuer: string;
  jwksUrl: string;
  clientId: string;
  /** Unset: a public client (PKCE only, token_endpoint_auth_method none). */
  clientSecret: string | undefined;
  /** The `aud` a bearer token must carry (OIDC_AUDIENCE, default the client id). */
  audience: string;
  /** Where the provider sends the browser back with the code (OIDC_REDIRECT_URI, default PUBLIC_URL/auth/callback). */
  redirectUri: string;
  /** The signature algorithms accepted on provider tokens: asymmetric only. */
  algorithms: string[];
}

/** Asymmetric JWS algorithms: a token's signature must come from the provider's private key, never a shared one. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
const DEFAULT_ALGORITHMS = 'RS256,PS256,ES256,EdDSA';

const DEV_PKI_MASTER_KEY = 'development-only-pki-master-key';
const DEV_LICENCE_ACCESS_CODE_SECRET = 'development-only-licence-access-code-secret';
const DEV_PRESENTATION_KEY_SECRET = 'development-only-presentation-key-secret';

/**
 * Issue 11 Build 5: the signing worker's secrets, read only by its composition (platform/signing-worker.ts,
 * worker/*). The API's configuration (Config) has no field for them, so the API cannot decrypt a key even by
 * mistake.
 */
export interface SigningConfig {
  /** PKI_MASTER_KEY: encrypts the CA's, the organisations' and the audit log's private keys at rest. */
  pkiMasterKey: string;
}

/**
 * Issue 19: SIGNING_THREADS, the worker threads that sign legacy-conversion batches (default: one per core; 0 signs
 * in the activity's own thread).
 */
export function signingThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SIGNING_THREADS;
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`SIGNING_THREADS must be a whole number ≥ 0, not ${raw}`);
  return n;
}

export function loadSigningConfig(env: NodeJS.ProcessEnv = process.env): SigningConfig {
  const pkiMasterKey = env.PKI_MASTER_KEY;
  if (pkiMasterKey) return { pkiMasterKey };
  if (env.NODE_ENV === 'production') throw new Error('PKI_MASTER_KEY must be set when NODE_ENV=production');
  return { pkiMasterKey: DEV_PKI_MASTER_KEY };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const refusal = devServicesRefusal(env);
  if (refusal) throw new Error(refusal);
  const port = Number(env.PORT ?? 3000);
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${port}`;
  const required = (name: string, devDefault: string): string => {
    const value = env[name];
    if (value) return value;
    if (production) throw new Error(`${name} must be set when NODE_ENV=production`);
    return devDefault;
  };
  return {
    production,
    port,
    publicUrl,
    dataDir: path.resolve(env.DATA_DIR ?? '.data'),
    databaseUrl: env.DATABASE_URL || undefined,
    databaseOwnerUrl: env.DATABASE_OWNER_URL || undefined,
    embeddedRuntimePassword: env.EMBEDDED_DB_RUNTIME_PASSWORD || 'development-only-runtime-password',
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
    runSigningWorker: (env.RUN_SIGNING_WORKER ?? env.RUN_WORKER ?? 'true') !== 'false',
    seedDevData: (env.SEED_DEV_DATA ?? (production ? 'false' : 'true')) === 'true',
    devSmtpPort: Number(env.DEV_SMTP_PORT ?? 1025),
    devMailUiPort: Number(env.DEV_MAIL_UI_PORT ?? 1080),
    mailFrom: env.MAIL_FROM ?? '晋城市电子证照与电子印章平台 <noreply@jincheng.example>',
    // No known default: an unset secret is random, so sessions end when the process does (several API processes
    // behind one address need the same JWT_SECRET).
    jwtSecret: env.JWT_SECRET || randomBytes(32).toString('hex'),
    devLogin: env.DEV_LOGIN === 'enabled',
    oidc: oidcConfig(env, publicUrl),
    exchangeEndpointUrl: env.EXCHANGE_ENDPOINT_URL || undefined,
    licenceAccessCodeSecret: required('LICENCE_ACCESS_CODE_SECRET', DEV_LICENCE_ACCESS_CODE_SECRET),
    // Unset in production: derived from the access-code secret (both are the API's online secrets), so existing
    // deployments keep starting; set it to rotate the presentation key on its own.
    presentationKeySecret:
      env.PRESENTATION_KEY_SECRET ||
      (env.LICENCE_ACCESS_CODE_SECRET
        ? createHmac('sha256', env.LICENCE_ACCESS_CODE_SECRET).update('presentation-key/v1').digest('hex')
        : DEV_PRESENTATION_KEY_SECRET),
    metricsToken: env.METRICS_TOKEN || undefined,
    rateLimits: {
      loginPerMinute: positiveInteger(env, 'RATE_LIMIT_LOGIN_PER_MINUTE', 20),
      verifyPerMinute: positiveInteger(env, 'RATE_LIMIT_VERIFY_PER_MINUTE', 120),
      copiesPerMinute: positiveInteger(env, 'RATE_LIMIT_COPIES_PER_MINUTE', 30),
      disputesPerHour: positiveInteger(env, 'RATE_LIMIT_DISPUTES_PER_HOUR', 10),
    },
    attachmentRetentionHours: positiveInteger(env, 'ATTACHMENT_RETENTION_HOURS', 24),
    transparencyLogIntervalMinutes: positiveInteger(env, 'TRANSPARENCY_LOG_INTERVAL_MINUTES', 5),
    conversionMaxBytes: positiveInteger(env, 'CONVERSION_MAX_BYTES', 1024 * 1024 * 1024),
  };
}

function oidcConfig(env: NodeJS.ProcessEnv, publicUrl: string): OidcConfig {
  const embedded = !env.OIDC_ISSUER;
  const providerPort = Number(env.OIDC_PROVIDER_PORT ?? 3001);
  const issuer = env.OIDC_ISSUER || `http://127.0.0.1:${providerPort}`;
  const jwksUrl = env.OIDC_JWKS_URL || (embedded ? `${issuer}/jwks` : undefined);
  if (!jwksUrl) throw new Error('OIDC_JWKS_URL must be set with OIDC_ISSUER');
  if (!embedded && !env.OIDC_CLIENT_ID) throw new Error('OIDC_CLIENT_ID must be set with OIDC_ISSUER');
  const clientId = env.OIDC_CLIENT_ID || 'elicense-web';
  const algorithms = (env.OIDC_ALGORITHMS ?? DEFAULT_ALGORITHMS)
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const symmetric = algorithms.filter((a) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(a));
  if (algorithms.length === 0 || symmetric.length > 0) {
    throw new Error(
      `OIDC_ALGORITHMS may name only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}); refused: ${symmetric.join(', ') || '(empty)'}`,
    );
  }
  return {
    embedded,
    providerPort,
    issuer,
    jwksUrl,
    clientId,
    clientSecret: env.OIDC_CLIENT_SECRET || undefined,
    audience: env.OIDC_AUDIENCE || clientId,
    redirectUri: env.OIDC_REDIRECT_URI || `${publicUrl}/auth/callback`,
    algorithms,
  };
}

/** LM-26: what `npm run backup` and `npm run restore` need; read by those scripts only. */
export interface BackupConfig {
  /** The owner's connection: DATABASE_OWNER_URL, else DATABASE_URL, else the embedded server of `npm start`. */
  databaseUrl: string;
  /** BACKUP_KEY: the AES-256-GCM key is derived from it (scrypt). Required in production. */
  key: string;
  dir: string;
  offsiteDir: string;
  /** The dev Temporal server's history, when TEMPORAL_ADDRESS is unset (the embedded server is used). */
  temporalDbFile: string | undefined;
}

export const DEV_BACKUP_KEY = 'development-only-backup-key';

export function loadBackupConfig(env: NodeJS.ProcessEnv = process.env): BackupConfig {
  const config = loadConfig(env);
  if (config.production && (!env.BACKUP_KEY || !env.BACKUP_DIR || !env.BACKUP_OFFSITE_DIR)) {
    throw new Error('BACKUP_KEY, BACKUP_DIR and BACKUP_OFFSITE_DIR must be set when NODE_ENV=production');
  }
  return {
    databaseUrl:
      config.databaseOwnerUrl ??
      config.databaseUrl ??
      `postgres://postgres:postgres@127.0.0.1:${config.postgresPort}/elicense`,
    key: env.BACKUP_KEY || DEV_BACKUP_KEY,
    dir: path.resolve(env.BACKUP_DIR ?? path.join(config.dataDir, 'backups')),
    offsiteDir: path.resolve(env.BACKUP_OFFSITE_DIR ?? path.join(config.dataDir, 'backups-offsite')),
    temporalDbFile: config.temporalAddress ? undefined : path.join(config.dataDir, 'temporal.db'),
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
