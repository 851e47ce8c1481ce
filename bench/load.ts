/**
 * A small closed-loop HTTP load generator for the benchmark: `concurrency` clients on keep-alive connections send
 * one request after another for `durationMs`. The same generator drives the platform and its baseline, so the
 * ratio between them is not skewed by the client.
 */
import http from 'node:http';

export interface LoadResult {
  requests: number;
  failures: number;
  seconds: number;
  perSecond: number;
}

export interface LoadOptions {
  url: string;
  method: 'GET' | 'POST';
  /** A body per request (JSON), or none. */
  body?: () => unknown;
  headers?: Record<string, string>;
  concurrency: number;
  durationMs: number;
  /** A response counts as a success when this holds (default: 2xx). */
  ok?: (status: number, body: string) => boolean;
}

function once(
  agent: http.Agent,
  options: Omit<LoadOptions, 'concurrency'>,
): Promise<{ status: number; body: string }> {
  const url = new URL(options.url);
  const payload = options.body ? JSON.stringify(options.body()) : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method,
        headers: {
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const ok = options.ok ?? ((status: number) => status >= 200 && status < 300);
  let requests = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + options.durationMs;
  const client = async () => {
    while (Date.now() < deadline) {
      try {
        const res = await once(agent, options);
        if (ok(res.status, res.body)) requests++;
        else failures++;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { requests, failures, seconds, perSecond: requests / seconds };
}

/** What `runPool` measured: `count` tasks done in `seconds`. */
export interface PoolResult {
  count: number;
  seconds: number;
  perSecond: number;
}

/** Runs `task` over `items` with `concurrency` in flight; returns the rate of completed items per second. */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<PoolResult> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { count: items.length, seconds, perSecond: items.length / seconds };
}

/**
 * Open-loop load: requests sent at `ratePerSecond` (whatever the answers' speed) for `durationMs`; answers the
 * latency of each, in milliseconds, so that percentiles at a given load can be read.
 */
export async function runAtRate(
  options: Omit<LoadOptions, 'concurrency'> & { ratePerSecond: number },
): Promise<{ latencies: number[]; failures: number; sent: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const ok = options.ok ?? ((status: number) => status >= 200 && status < 300);
  const latencies: number[] = [];
  let failures = 0;
  let sent = 0;
  const inFlight: Array<Promise<void>> = [];
  const started = Date.now();
  const send = () => {
    const t0 = process.hrtime.bigint();
    sent++;
    inFlight.push(
      once(agent, options).then(
        (res) => {
          if (ok(res.status, res.body)) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          else failures++;
        },
        () => {
          failures++;
        },
      ),
    );
  };
  while (Date.now() - started < options.durationMs) {
    const due = Math.floor(((Date.now() - started) / 1000) * options.ratePerSecond);
    while (sent < due) send();
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { latencies, failures, sent };
}
