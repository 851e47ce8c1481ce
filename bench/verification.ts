/**
 * Verification: `POST /api/verify {identifier}` on the real platform (Express, the auth-free route, the registry
 * lookup, RFC 8785 canonicalisation, SHA-256, RSA verification, the per-day counts) against a bare Express
 * endpoint in this same process that parses the same JSON and answers a constant, driven by the same load
 * generator; then the platform's latency at half the load it sustained (open loop).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { TestPlatform } from '../test/support/platform';
import { postmasterPid } from './memory';
import { ownerUrl } from './owner';
import { log } from './stats';
import { compareVerification } from './verification-compare';

/** A bare Express app answering POST /verify with a constant: the floor any HTTP JSON endpoint stands on. */
async function startBareExpress(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(express.json());
  app.post('/verify', (req, res) => {
    res.json({ indication: 'PASSED', identifier: (req.body as { identifier?: string }).identifier ?? null });
  });
  const server = app.listen(0);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/verify`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function benchVerification(
  t: TestPlatform,
  identifier: string,
  options: { seconds: number; concurrency: number },
): Promise<void> {
  log(`\n— Verification: POST /api/verify, ${options.concurrency} clients, ${options.seconds} s each —`);
  const bare = await startBareExpress();
  const here = { name: 'load generator + endpoint (this process)', pid: process.pid };
  const postgres = { name: 'PostgreSQL', pid: await postmasterPid(ownerUrl(t)), withChildren: true };
  try {
    await compareVerification({
      name: 'verification / bare Express',
      baselineLabel: 'bare Express endpoint   ',
      platformLabel: 'platform verification   ',
      bareUrl: bare.url,
      platformUrl: `${t.url.replace('localhost', '127.0.0.1')}/api/verify`,
      identifier,
      ...options,
      cpu: { baseline: [here], platform: [here, postgres] },
    });
  } finally {
    await bare.close();
  }
}
