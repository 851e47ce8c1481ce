/**
 * `npm start`: brings up the whole platform on this machine. Services not configured through the environment
 * start locally: embedded PostgreSQL (DATABASE_URL), the Temporal dev server (TEMPORAL_ADDRESS), a dev SMTP server
 * with a mail viewer (SMTP_URL). Then the worker and the API with the web UI. Ctrl-C stops everything.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { demoPassword, demoProviderAccounts, DEV_USERS } from '../seed/demo-city';
import { ROLE_LABELS } from '../domain/roles';
import { loadConfig, loadSigningConfig } from '../infra/config';
import { startDevMailUi } from '../infra/dev-mail-ui';
import { startDevSmtp } from '../infra/dev-smtp';
import { startEmbeddedOidcProvider } from '../infra/oidc-provider';
import { startPlatform } from '../platform/compose';
import { prepareSigningKeys, startSigningWorker } from '../platform/signing-worker';
import { startEmbeddedPostgres } from '../infra/postgres';
import { startTemporalDevServer } from '../infra/temporal';

const log = (line: string) => console.log(`[start] ${line}`);

/**
 * `npm start` enables the bearer dev login for scripts (loopback only) unless DEV_LOGIN says otherwise; never in
 * production, where it would have to be set and allowed on purpose.
 */
function startEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.NODE_ENV === 'production' || env.DEV_LOGIN !== undefined) return env;
  return { ...env, DEV_LOGIN: 'enabled' };
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(startEnvironment(process.env));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  const stops: Array<() => Promise<unknown>> = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('Stopping …');
    for (const stop of stops.reverse()) await stop().catch((e) => console.error(e));
    log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    mkdirSync(config.dataDir, { recursive: true });

    let databaseUrl = config.databaseUrl;
    let ownerDatabaseUrl = config.databaseOwnerUrl;
    if (!databaseUrl) {
      log(
        `Starting embedded PostgreSQL on port ${config.postgresPort} (data in ${path.join(config.dataDir, 'postgres')}) …`,
      );
      const pg = await startEmbeddedPostgres({
        dataDir: path.join(config.dataDir, 'postgres'),
        port: config.postgresPort,
        persistent: true,
        log,
      });
      stops.push(() => pg.stop());
      await pg.createDatabase('elicense');
      // LM-25: migrations as the owner, the platform as the runtime role (created by the preparation step).
      ownerDatabaseUrl = pg.databaseUrl('elicense');
      databaseUrl = embeddedRuntimeUrl(ownerDatabaseUrl, config.embeddedRuntimePassword);
    }

    let temporalAddress = config.temporalAddress;
    let temporalUi: string | undefined;
    if (!temporalAddress) {
      log(
        `Starting the Temporal dev server on port ${config.temporalPort} (history in ${path.join(config.dataDir, 'temporal.db')}) …`,
      );
      const temporal = await startTemporalDevServer({
        port: config.temporalPort,
        uiPort: config.temporalUiPort,
        dbFile: path.join(config.dataDir, 'temporal.db'),
        headless: false,
        log,
      });
      stops.push(() => temporal.stop());
      temporalAddress = temporal.address;
      temporalUi = temporal.uiUrl;
    }

    let smtpUrl = config.smtpUrl;
    let mailUi: string | undefined;
    if (!smtpUrl) {
      const smtp = await startDevSmtp(config.devSmtpPort);
      stops.push(() => smtp.stop());
      const ui = await startDevMailUi(smtp.mailbox, config.devMailUiPort);
      stops.push(() => new Promise((resolve) => ui.close(resolve)));
      smtpUrl = smtp.url;
      mailUi = `http://localhost:${config.devMailUiPort}`;
    }

    if (config.oidc.embedded) {
      log(`Starting the embedded OIDC provider on ${config.oidc.issuer} …`);
      const provider = await startEmbeddedOidcProvider({
        port: config.oidc.providerPort,
        issuer: config.oidc.issuer,
        client: {
          clientId: config.oidc.clientId,
          clientSecret: config.oidc.clientSecret,
          redirectUris: [config.oidc.redirectUri],
        },
        accounts: demoProviderAccounts(),
        failedLoginsPerMinute: config.rateLimits.loginPerMinute,
      });
      stops.push(() => provider.stop());
    }

    log('Migrating the database, preparing the CA and seed data, starting the worker and the API …');
    const seedDevData = config.seedDevData;
    // Issue 11 Build 5: the signing worker (the keys' only holder) runs in this process unless RUN_SIGNING_WORKER=false
    // (then `npm run worker:signing` runs it elsewhere, and that process alone reads PKI_MASTER_KEY).
    const signing = config.runSigningWorker ? loadSigningConfig(process.env) : undefined;
    const platform = await startPlatform({
      config,
      databaseUrl,
      ownerDatabaseUrl,
      temporalAddress,
      smtpUrl,
      seedDevData,
      runWorker: config.runWorker,
      prepareKeys:
        signing && ((owner, o) => prepareSigningKeys(owner, signing, { ...o, publicUrl: config.publicUrl })),
    });
    stops.push(() => platform.stop());
    if (signing) {
      const signingWorker = await startSigningWorker({ config, signing, databaseUrl, temporalAddress });
      stops.push(() => signingWorker.stop());
    }

    const lines = [
      '',
      '晋城市电子证照与电子印章平台 is running.',
      `  App (web UI):     ${config.publicUrl}`,
      `  API docs:         ${config.publicUrl}/api/docs`,
      `  Health:           ${config.publicUrl}/health`,
      `  Temporal Web UI:  ${temporalUi ?? `(external cluster at ${temporalAddress})`}`,
      `  Dev mailbox:      ${mailUi ?? `(mail goes to ${smtpUrl})`}`,
      `  Sign-in (OIDC):   ${config.oidc.issuer}${config.oidc.embedded ? ' (embedded provider, demo accounts)' : ''}`,
      '',
    ];
    if (seedDevData && config.oidc.embedded) {
      lines.push(
        `Dev accounts (sign in on the login page with the password <account>@2026, e.g. ${demoPassword('zz-amr-clerk')}${
          config.devLogin ? '; scripts on this machine: POST /api/auth/dev-login {"username"}' : ''
        }):`,
      );
      for (const u of DEV_USERS) {
        lines.push(
          `  ${u.username.padEnd(24)} ${u.displayName}  ${u.roles.map((r) => ROLE_LABELS[r]).join('、')}`,
        );
      }
      lines.push('');
    }
    lines.push('Press Ctrl-C to stop.');
    console.log(lines.join('\n'));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    await shutdown(1);
  }
}

/** The embedded server's runtime role: `elicense_app`, which the preparation step creates. */
function embeddedRuntimeUrl(ownerUrl: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = 'elicense_app';
  url.password = password;
  return url.toString();
}

void main();
