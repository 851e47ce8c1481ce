/**
 * Issue 11 Build 10: Prometheus metrics at /metrics for operators — request latency by route and status, workflow
 * starts and start failures, deadline breaches and the data-exchange backlog (read from the database) — and
 * closed to anyone who is neither on loopback nor holding METRICS_TOKEN.
 */
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { applicationBody } from '../support/fixtures';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

/** The value of one sample line, e.g. `elicense_exchange_backlog 0`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const line = text
    .split('\n')
    .find(
      (l) =>
        (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) &&
        Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

it('exposes request latency by route and status, workflow starts, deadline breaches and the exchange backlog', async () => {
  expect((await t.call('GET', '/api/me', { as: 'zz-amr-clerk' })).status).toBe(200);
  expect((await t.call('GET', '/api/me')).status).toBe(401);
  const applied = await t.call('POST', '/api/seal-applications', {
    as: 'zz-amr-clerk',
    body: applicationBody(),
  });
  expect(applied.status).toBe(201);
  // LM-8: no exchange endpoint is configured here, so the licence's push waits in the outbox.
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  await issueLicence(t, businessLicenceBody());

  const res = await fetch(`${t.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  expect(
    sample(text, 'elicense_http_request_duration_seconds_count', { route: '/api/me', status: '200' }),
  ).toBeGreaterThanOrEqual(1);
  expect(
    sample(text, 'elicense_http_request_duration_seconds_count', { route: '/api/me', status: '401' }),
  ).toBeGreaterThanOrEqual(1);
  expect(
    sample(text, 'elicense_http_request_duration_seconds_bucket', {
      route: '/api/seal-applications',
      status: '201',
      le: '+Inf',
    }),
  ).toBe(1);
  expect(sample(text, 'elicense_workflow_starts_total')).toBeGreaterThanOrEqual(1);
  expect(text).toContain('# TYPE elicense_workflow_start_failures_total counter');
  expect(sample(text, 'elicense_deadline_breaches_total')).toBe(0);
  const [backlog] = await t
    .em()
    .getConnection()
    .execute(`select count(*) as n from exchange_outbox where status = 'pending'`);
  expect(Number(backlog.n)).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'elicense_exchange_backlog')).toBe(Number(backlog.n));
});

it('is closed to callers not on loopback, and with METRICS_TOKEN to callers without it', async () => {
  // Through a proxy on this machine (the client is elsewhere): 404.
  const forwarded = await fetch(`${t.url}/metrics`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
  expect(forwarded.status).toBe(404);

  // The same application with METRICS_TOKEN set, on its own port and on every interface.
  const { app } = createApp({
    ...t.platform.ctx,
    config: { ...t.platform.ctx.config, metricsToken: 's3cret' },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '0.0.0.0', () => resolve(s));
  });
  try {
    const port = (server.address() as AddressInfo).port;
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    const wrong = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(404);
    const right = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { authorization: 'Bearer s3cret' },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('elicense_http_request_duration_seconds');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
