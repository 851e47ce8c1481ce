/** Small figures helpers for the benchmark's printout. */

/** The p-th percentile (0–100) of `values` by the nearest-rank method; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(9);
export const log = (line: string) => process.stdout.write(`${line}\n`);

/** One line of the closing summary: a figure, its baseline and the ratio the target is stated in. */
export interface Ratio {
  name: string;
  platform: string;
  baseline: string;
  ratio: number;
  target: string;
}

export const ratios: Ratio[] = [];

export function reportRatio(r: Ratio): void {
  ratios.push(r);
  log(`RATIO ${r.name} = ${r.ratio.toFixed(3)}   (target ${r.target})`);
}

/**
 * Of a baseline measured before and after the run it is compared with, the faster. On this shared machine the same
 * baseline's rate moved by half between (and within) runs of one day, and a baseline caught slow would flatter the
 * ratio (docs/scale.md, session s13).
 */
export function fasterOf<T extends { result: { perSecond: number } }>(before: T, after: T): T {
  return after.result.perSecond > before.result.perSecond ? after : before;
}

export const elapsedMs = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
