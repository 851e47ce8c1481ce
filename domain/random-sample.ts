/**
 * Random checks (LM-28): a reproducible sample of a unit's licences. The population is the unit's licences issued
 * up to a cut-off instant, in identifier order; the draw is a partial Fisher–Yates shuffle driven by a seeded
 * generator (mulberry32). The seed and the cut-off are recorded, so drawing again with them gives the same
 * licences however many were issued since. Pure: no I/O, no clock.
 */
import { z } from 'zod';

export const MAX_SAMPLE_SIZE = 100;
export const MAX_SEED = 0xffffffff;

/** mulberry32: a small, well-known 32-bit generator; the same seed gives the same sequence in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` members of `population` (sorted first, so the order it came in does not matter), drawn by `seed`. */
export function drawSample(population: readonly string[], size: number, seed: number): string[] {
  const items = [...population].sort();
  const next = seededRandom(seed);
  const n = Math.min(size, items.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(next() * (items.length - i));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items.slice(0, n);
}

const IsoTime = z.iso.datetime({ offset: true, message: '应为 ISO 8601 时间，如 2026-11-27T10:30:00+08:00' });

/** POST /api/supervision/samples: the unit, the size, and (to draw again) the recorded seed and cut-off. */
export const SampleBody = z
  .object({
    organisationId: z.string().trim().min(1).max(100),
    size: z.number().int().min(1).max(MAX_SAMPLE_SIZE),
    seed: z.number().int().min(0).max(MAX_SEED).optional(),
    cutoff: IsoTime.optional(),
  })
  .strict();
export type SampleBody = z.infer<typeof SampleBody>;
