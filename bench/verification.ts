/**
 * Verification: `POST /api/verify {identifier}` on the real platform (Express, the auth-free route, the registry
 * lookup, RFC 8785 canonicalisation, SHA-256, RSA verification, the per-day counts) against a bare Express
 * endpoint in this same process that parses the same JSON and answers a constant, driven by the same load
 * generator; then the platform's latency at half the load it sustained (open loop).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { TestPlatform } from '../test/support/platform';
import { runAtRate, runLoad } from './load';
import { fmt, log, percentile, reportRatio } from './stats';

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
  const body = () => ({ identifier });
  const durationMs = options.seconds * 1000;
  const platformUrl = `${t.url.replace('localhost', '127.0.0.1')}/api/verify`;
  const passed = (status: number, text: string) => status === 200 && text.includes('"indication":"PASSED"');
  // A short warm-up of both, so that neither pays for JIT and connection set-up in its figure.
  await runLoad({ url: bare.url, method: 'POST', body, concurrency: 4, durationMs: 1000 });
  await runLoad({ url: platformUrl, method: 'POST', body, concurrency: 4, durationMs: 1000, ok: passed });

  const load = { method: 'POST' as const, body, concurrency: options.concurrency, durationMs };
  const baseline = await runLoad({ url: bare.url, ...load });
  const platform = await runLoad({ url: platformUrl, ...load, ok: passed });
  await bare.close();
  log(
    `bare Express endpoint     ${fmt(baseline.perSecond)} req/s  (${baseline.requests} ok, ${baseline.failures} failed)`,
  );
  log(
    `platform verification     ${fmt(platform.perSecond)} req/s  (${platform.requests} PASSED, ${platform.failures} other)`,
  );
  reportRatio({
    name: 'verification / bare Express',
    platform: `${platform.perSecond.toFixed(0)} req/s`,
    baseline: `${baseline.perSecond.toFixed(0)} req/s`,
    ratio: platform.perSecond / baseline.perSecond,
    target: '≥ 0.5',
  });

  const rate = Math.max(1, Math.round(platform.perSecond / 2));
  const half = await runAtRate({
    url: platformUrl,
    method: 'POST',
    body,
    ok: passed,
    ratePerSecond: rate,
    durationMs,
  });
  log(
    `platform at half load     ${fmt(rate, 0)} req/s offered: p50 ${percentile(half.latencies, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(half.latencies, 99).toFixed(1)} ms (target p99 < 20 ms; ${half.failures} failed)`,
  );
}
