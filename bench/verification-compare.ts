/**
 * The one comparison both verification benches make (issue 19 Build 6): warm both endpoints, load the bare Express
 * baseline, the platform and the baseline again with the same generator (the faster baseline run counts), report the
 * ratio, and measure the platform's latency at half the rate it sustained (open loop).
 */
import { cpuDuring, logCpu, Watched } from './cpu';
import { runAtRate, runLoad } from './load';
import { fasterOf, fmt, log, percentile, reportRatio } from './stats';

export interface VerificationComparison {
  /** What the ratio is called in the summary, e.g. "verification / bare Express". */
  name: string;
  /** Labels of the two endpoints in the printed lines (padded by the caller to line up). */
  baselineLabel: string;
  platformLabel: string;
  bareUrl: string;
  platformUrl: string;
  identifier: string;
  seconds: number;
  concurrency: number;
  /**
   * The processes whose CPU time per request is printed for each side (bench/cpu.ts): where a second core's time
   * goes — the load generator, the API processes, PostgreSQL.
   */
  cpu?: { baseline: Watched[]; platform: Watched[] };
}

const passed = (status: number, text: string) => status === 200 && text.includes('"indication":"PASSED"');

export async function compareVerification(c: VerificationComparison): Promise<void> {
  const body = () => ({ identifier: c.identifier });
  const durationMs = c.seconds * 1000;
  // A warm-up of both at the full concurrency, so that neither pays for JIT and connection set-up in its figure: the
  // API processes of `npm run api` start cold, and their first 5 s at 16 clients cost 12–21 % more CPU per request
  // than the next 5 s (bench/profile-verification-cluster.ts, cold then warm); 1 s at 4 clients warmed them less.
  const warm = {
    method: 'POST' as const,
    body,
    concurrency: c.concurrency,
    durationMs: Math.min(durationMs, 3000),
  };
  await runLoad({ url: c.bareUrl, ...warm });
  await runLoad({ url: c.platformUrl, ...warm, ok: passed });

  const load = { method: 'POST' as const, body, concurrency: c.concurrency, durationMs };
  const bare = () => cpuDuring(c.cpu?.baseline ?? [], () => runLoad({ url: c.bareUrl, ...load }));
  // The bare endpoint before and after the platform, the faster taken (it ran at 2,459 and 3,567 req/s in one day).
  const before = await bare();
  const { result: platform, usage: platformCpu } = await cpuDuring(c.cpu?.platform ?? [], () =>
    runLoad({ url: c.platformUrl, ...load, ok: passed }),
  );
  const after = await bare();
  const { result: baseline, usage: baselineCpu } = fasterOf(before, after);
  log(
    `${c.baselineLabel}  ${fmt(baseline.perSecond)} req/s  (${baseline.requests} ok, ${baseline.failures} failed; ` +
      `before the platform ${before.result.perSecond.toFixed(0)}, after it ${after.result.perSecond.toFixed(0)}: ` +
      'the faster is the baseline)',
  );
  if (c.cpu) logCpu(baselineCpu, { count: baseline.requests + baseline.failures, unit: 'request' });
  log(
    `${c.platformLabel}  ${fmt(platform.perSecond)} req/s  (${platform.requests} PASSED, ${platform.failures} other)`,
  );
  if (c.cpu) logCpu(platformCpu, { count: platform.requests + platform.failures, unit: 'request' });
  reportRatio({
    name: c.name,
    platform: `${platform.perSecond.toFixed(0)} req/s`,
    baseline: `${baseline.perSecond.toFixed(0)} req/s`,
    ratio: platform.perSecond / baseline.perSecond,
    target: '≥ 0.5',
  });

  const rate = Math.max(1, Math.round(platform.perSecond / 2));
  const half = await runAtRate({
    url: c.platformUrl,
    method: 'POST',
    body,
    ok: passed,
    ratePerSecond: rate,
    durationMs,
  });
  log(
    `${c.platformLabel} at half load: ${fmt(rate, 0)} req/s offered, p50 ${percentile(half.latencies, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(half.latencies, 99).toFixed(1)} ms (target p99 < 20 ms; ${half.failures} failed)`,
  );
}
