/**
 * `npm start` on a fresh data directory: starts embedded PostgreSQL, the Temporal dev server, the dev SMTP server,
 * the embedded OIDC provider, the worker and the API; `GET /health` answers 200 with both ok; it prints the URLs and
 * the dev accounts; Ctrl-C (SIGINT) stops everything.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/ports';

const ROOT = path.join(__dirname, '..', '..');

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

it('serves GET /health with the database and Temporal ok, and stops cleanly on Ctrl-C', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'elicense-start-'));
  chmodSync(dataDir, 0o755);
  const ports = {
    PORT: await freePort(),
    POSTGRES_PORT: await freePort(),
    TEMPORAL_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    DEV_SMTP_PORT: await freePort(),
    DEV_MAIL_UI_PORT: await freePort(),
    OIDC_PROVIDER_PORT: await freePort(),
  };
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  for (const name of [
    'DATABASE_URL',
    'TEMPORAL_ADDRESS',
    'SMTP_URL',
    'NODE_ENV',
    'OIDC_ISSUER',
    'DEV_LOGIN',
  ]) {
    delete env[name];
  }
  for (const [name, port] of Object.entries(ports)) env[name] = String(port);

  // What `npm start` runs (`tsx scripts/start.ts`), in one process so that the signal reaches it directly.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    for (let i = 0; i < 1200 && !output.includes('is running'); i++) {
      if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toContain('is running');
    expect(output).toContain(`App (web UI):     http://localhost:${ports.PORT}`);
    expect(output).toContain(`Temporal Web UI:  http://localhost:${ports.TEMPORAL_UI_PORT}`);
    expect(output).toContain(`Dev mailbox:      http://localhost:${ports.DEV_MAIL_UI_PORT}`);
    expect(output).toContain('zz-amr-clerk');
    expect(output).toContain('sx-seal-reviewer');
    expect(output).toContain('Initialising PostgreSQL data directory');

    const health = await fetch(`http://127.0.0.1:${ports.PORT}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: { ok: true }, temporal: { ok: true } });
    const login = await fetch(`http://127.0.0.1:${ports.PORT}/login`);
    expect(await login.text()).toContain('zz-approval-reviewer');
    // The embedded OIDC provider runs, on loopback, and npm start enables the dev login for scripts here.
    expect(output).toContain(`Sign-in (OIDC):   http://127.0.0.1:${ports.OIDC_PROVIDER_PORT}`);
    const discovery = await fetch(
      `http://127.0.0.1:${ports.OIDC_PROVIDER_PORT}/.well-known/openid-configuration`,
    );
    expect((await discovery.json()).code_challenge_methods_supported).toEqual(['S256']);
    const devLogin = await fetch(`http://127.0.0.1:${ports.PORT}/api/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'zz-amr-clerk' }),
    });
    expect(devLogin.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).status).toBe(200);
  } finally {
    child.kill('SIGINT');
  }
  const code = await exited;
  if (code !== 0) console.log(output.slice(-3000));
  expect(code).toBe(0);
  expect(output).toContain('Stopped.');
  for (const port of Object.values(ports)) expect(await listening(port)).toBe(false);
});
