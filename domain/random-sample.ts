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

/**
 * POST /api/supervision/samples/:id/checks: the supervisor's part of a sampled licence's checklist (LM-28). Whether
 * it verifies and whether it was pushed are filled in by the platform, never taken from the body.
 */
export const RandomCheckBody = z
  .object({
    licenceIdentifier: z.string().trim().min(1).max(100),
    dataComplete: z.boolean({ message: '请选择数据是否完整' }),
    faceReadable: z.boolean({ message: '请选择照面是否清晰可读' }),
    remark: z.string().trim().max(2000, { message: '备注不能超过 2000 字' }).optional(),
  })
  .strict();
export type RandomCheckBody = z.infer<typeof RandomCheckBody>;

/** The four items of a random check; `pushed` is null when the platform has no exchange to push to. */
export interface RandomChecklist {
  verifies: boolean;
  dataComplete: boolean;
  faceReadable: boolean;
  pushed: boolean | null;
}

/** The finding rule each failed checklist item is raised under (see FINDING_RULES). */
export const CHECKLIST_RULES = {
  verifies: 'random_check_not_verifiable',
  faceReadable: 'random_check_face_unreadable',
  dataComplete: 'random_check_data_incomplete',
  pushed: 'random_check_not_pushed',
} as const satisfies Record<keyof RandomChecklist, string>;

/** The failed items of a checklist, each with its rule; an item not applicable (null) has not failed. */
export function failedChecklistItems(
  checklist: RandomChecklist,
): Array<{ item: keyof RandomChecklist; rule: (typeof CHECKLIST_RULES)[keyof RandomChecklist] }> {
  return (Object.keys(CHECKLIST_RULES) as Array<keyof RandomChecklist>)
    .filter((item) => checklist[item] === false)
    .map((item) => ({ item, rule: CHECKLIST_RULES[item] }));
}

/** The source key of a finding a random check raises: one per sample, licence and rule; the prefix finds a sample's. */
export const randomCheckFindingKey = (sampleId: string, licenceIdentifier = '', rule = '') =>
  `random-check:${sampleId}:${licenceIdentifier}${licenceIdentifier ? `:${rule}` : ''}`;
