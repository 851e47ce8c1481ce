/**
 * One platform per test file, on the shared real services: its own database (cloned from the seeded template),
 * its own task queue, a real SMTP server whose mailbox the test reads, and the API on a free port.
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { loadConfig } from '../../infra/config';
import { Mailbox, startDevSmtp } from '../../infra/dev-smtp';
import { startEmbeddedOidcProvider } from '../../infra/oidc-provider';
import { demoProviderAccounts } from '../../seed/demo-city';
import { RunningPlatform, startPlatform } from '../../platform/compose';
import { RunningSigningWorker, startSigningWorker } from '../../platform/signing-worker';
import { runtimeUrl, TEMPLATE_DATABASE, TEST_PKI_MASTER_KEY, TestServices, testServices } from './env';
import { withDatabase } from './global-setup';
import { freePort } from './ports';
import { isPortTaken } from '../../infra/listen';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestPlatform {
  platform: RunningPlatform;
  url: string;
  /** The environment a separate worker process needs to serve this platform. */
  workerEnv: Record<string, string>;
  databaseName: string;
  mailbox: Mailbox;
  /** Takes the SMTP server down and brings it back on the same port and mailbox (a mail outage). */
  stopSmtp(): Promise<void>;
  startSmtp(): Promise<void>;
  em(): EntityManager;
  token(username: string): Promise<string>;
  stop(): Promise<void>;
  call<T = any>(
    method: string,
    path: string,
    options?: { as?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpResult<T>>;
}

/** A page form's fields as `call` options: urlencoded, a name repeated for a list, as a browser posts them. */
export function formPost(fields: Array<[string, string]>): { headers: Record<string, string>; body: string } {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

export async function startTestPlatform(
  options: {
    runWorker?: boolean;
    /** LM-8: the data-exchange endpoint the worker pushes to (test/support/licences.ts startExchangeReceiver). */
    exchangeEndpointUrl?: string;
    /**
     * Make PUBLIC_URL point at this platform's own (free, fixed) port, so that links the platform prints (the QR code
     * on a licence copy, e-mail links) open this platform. Otherwise PUBLIC_URL is http://localhost:3000.
     */
    reachablePublicUrl?: boolean;
    /** Serve this existing database (e.g. one a test restored) instead of a fresh clone of the template. */
    existingDatabase?: string;
    /**
     * The Temporal address the API uses (e.g. a test/support/tcp-proxy.ts relay a drill cuts); the worker process
     * of `workerEnv` keeps the real one.
     */
    temporalAddress?: string;
    /**
     * `host:port` through which the API reaches PostgreSQL (e.g. a relay a drill cuts); migrations and the worker
     * process of `workerEnv` keep the real server.
     */
    apiPostgresAddress?: string;
    /** Further configuration variables (e.g. `RATE_LIMIT_COPIES_PER_MINUTE` set low for a test). */
    env?: Record<string, string>;
    /**
     * Issue 11 Build 5: run the signing worker (the keys' only holder) in the test process; by default when the
     * platform worker runs here. With false, a test runs it apart (`worker/signing-main.ts` with `workerEnv`).
     */
    runSigningWorker?: boolean;
    /**
     * Services of the test file's own in place of the shared ones (e.g. a PostgreSQL or Temporal server the fault
     * drills kill and restart); a PostgreSQL given here must hold the template (global-setup createTemplateDatabase).
     */
    services?: Partial<TestServices>;
  } = {},
): Promise<TestPlatform> {
  const services = { ...testServices(), ...options.services };
  const databaseName = options.existingDatabase ?? `t_${randomBytes(5).toString('hex')}`;
  if (!options.existingDatabase) {
    const admin = new Client({ connectionString: services.postgresAdminUrl });
    await admin.connect();
    await cloneTemplate(admin, databaseName);
    await admin.end();
  }

  let smtp = await startDevSmtp(0);
  let smtpRunning = true;
  const { config, provider, platform } = await onFreePorts(async (port, providerPort) => {
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: 'test-only-jwt-secret',
      // The bearer shortcut the tests take to get tokens; switched on explicitly, as `npm start` does.
      DEV_LOGIN: 'enabled',
      OIDC_PROVIDER_PORT: String(providerPort),
      OIDC_REDIRECT_URI: `http://127.0.0.1:${port}/auth/callback`,
      TEMPORAL_TASK_QUEUE: `test-${databaseName}`,
      PUBLIC_URL: options.reachablePublicUrl ? `http://127.0.0.1:${port}` : 'http://localhost:3000',
      ...(options.exchangeEndpointUrl ? { EXCHANGE_ENDPOINT_URL: options.exchangeEndpointUrl } : {}),
      ...options.env,
    });
    const provider = await startEmbeddedOidcProvider({
      port: providerPort,
      client: { clientId: 'elicense-web', redirectUris: [`http://127.0.0.1:${port}/auth/callback`] },
      accounts: demoProviderAccounts(),
      failedLoginsPerMinute: config.rateLimits.loginPerMinute,
    });
    try {
      const platform = await startPlatform({
        config,
        databaseUrl: viaAddress(
          runtimeUrl(services.postgresAdminUrl, databaseName),
          options.apiPostgresAddress,
        ),
        ownerDatabaseUrl: withDatabase(services.postgresAdminUrl, databaseName),
        temporalAddress: options.temporalAddress ?? services.temporalAddress,
        smtpUrl: smtp.url,
        seedDevData: false,
        workflowBundlePath: services.workflowBundlePath,
        runWorker: options.runWorker ?? true,
        port,
      });
      return { config, provider, platform };
    } catch (err) {
      await provider.stop();
      throw err;
    }
  });

  let signingWorker: RunningSigningWorker | undefined;
  if (options.runSigningWorker ?? options.runWorker ?? true) {
    signingWorker = await startSigningWorker({
      config,
      signing: { pkiMasterKey: TEST_PKI_MASTER_KEY },
      databaseUrl: runtimeUrl(services.postgresAdminUrl, databaseName),
      temporalAddress: services.temporalAddress,
    });
  }

  const tokens = new Map<string, string>();
  const call = apiCaller(platform.url, (username) => token(username));
  const token = async (username: string): Promise<string> => {
    let t = tokens.get(username);
    if (!t) {
      const res = await fetch(`${platform.url}/api/auth/dev-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username }),
      });
      if (res.status !== 200) throw new Error(`dev-login ${username}: ${res.status} ${await res.text()}`);
      t = ((await res.json()) as { token: string }).token;
      tokens.set(username, t);
    }
    return t;
  };

  return {
    platform,
    url: platform.url,
    workerEnv: {
      DATABASE_URL: runtimeUrl(services.postgresAdminUrl, databaseName),
      TEMPORAL_ADDRESS: services.temporalAddress,
      SMTP_URL: smtp.url,
      TEMPORAL_TASK_QUEUE: config.temporalTaskQueue,
      PKI_MASTER_KEY: TEST_PKI_MASTER_KEY,
      JWT_SECRET: 'test-only-jwt-secret',
      PUBLIC_URL: config.publicUrl,
      WORKFLOW_BUNDLE_PATH: services.workflowBundlePath,
      NODE_ENV: 'test',
      ...(options.exchangeEndpointUrl ? { EXCHANGE_ENDPOINT_URL: options.exchangeEndpointUrl } : {}),
    },
    databaseName,
    mailbox: smtp.mailbox,
    async stopSmtp() {
      await smtp.stop();
      smtpRunning = false;
    },
    async startSmtp() {
      smtp = await startDevSmtp(smtp.port, smtp.mailbox);
      smtpRunning = true;
    },
    em: () => platform.orm.em.fork() as EntityManager,
    token,
    call,
    async stop() {
      await signingWorker?.stop();
      await platform.stop();
      await provider.stop();
      if (smtpRunning) await smtp.stop();
    },
  };
}

/**
 * `start` on two ports known before it listens (the embedded OIDC provider must know where to send the browser back,
 * the callback, so the platform's port is fixed before it starts), chosen again when another process took one of
 * them between `freePort` and the listen — test files run side by side, and any socket may get an ephemeral port.
 */
async function onFreePorts<T>(start: (port: number, providerPort: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort(), await freePort());
    } catch (err) {
      if (attempt >= 5 || !isPortTaken(err)) throw err;
    }
  }
}

/**
 * `TestPlatform.call` against the API at `baseUrl` (the in-process one, or an API process apart), with the bearer
 * tokens `token` gives.
 */
export function apiCaller(
  baseUrl: string,
  token: (username: string) => Promise<string>,
): TestPlatform['call'] {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as) headers.authorization = `Bearer ${await token(options.as)}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };
}

/** The URL with its host and port replaced by `address` (`host:port`), if given. */
function viaAddress(url: string, address: string | undefined): string {
  if (!address) return url;
  const u = new URL(url);
  u.host = address;
  return u.toString();
}

/**
 * `create database … template`, retried while another file's clone holds the template: PostgreSQL refuses a
 * template that another session is copying ("being accessed by other users") when test files run side by side.
 */
async function cloneTemplate(admin: Client, databaseName: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`create database ${databaseName} template ${TEMPLATE_DATABASE}`);
      return;
    } catch (e) {
      if (attempt >= 50 || !/being accessed by other users/.test(String(e))) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}
