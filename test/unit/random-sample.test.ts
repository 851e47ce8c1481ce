/** LM-28 random checks: the seeded draw (domain/random-sample.ts) is reproducible and uniform enough to be fair. */
import { drawSample, failedChecklistItems, seededRandom } from '../../domain/random-sample';
import { FINDING_RULES } from '../../domain/supervision';

const population = Array.from({ length: 50 }, (_, i) => `L-${String(i).padStart(3, '0')}`);

describe('drawSample', () => {
  it('the same seed draws the same members, whatever order the population came in', () => {
    const a = drawSample(population, 10, 12345);
    const b = drawSample([...population].reverse(), 10, 12345);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(10);
    for (const x of a) expect(population).toContain(x);
  });

  it('another seed draws other members; a size above the population draws all of it', () => {
    expect(drawSample(population, 10, 1)).not.toEqual(drawSample(population, 10, 2));
    expect(drawSample(population.slice(0, 3), 10, 7).sort()).toEqual(population.slice(0, 3));
    expect(drawSample([], 5, 7)).toEqual([]);
  });

  it('mulberry32 stays in [0, 1) and every member is drawn about equally often', () => {
    const next = seededRandom(0);
    const values = Array.from({ length: 1000 }, next);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    // Each member is drawn about equally often over many seeds (a loose check of fairness).
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 2000; seed++) {
      for (const x of drawSample(population.slice(0, 10), 1, seed)) counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    for (const n of counts.values()) expect(n).toBeGreaterThan(120);
    expect(counts.size).toBe(10);
  });
});

describe('failedChecklistItems (LM-28 random check)', () => {
  const all = { verifies: true, dataComplete: true, faceReadable: true, pushed: true };
  it.each([
    [all, []],
    [{ ...all, pushed: null }, []],
    [{ ...all, verifies: false }, [['verifies', 'random_check_not_verifiable', 'correction']]],
    [{ ...all, faceReadable: false }, [['faceReadable', 'random_check_face_unreadable', 'correction']]],
    [{ ...all, dataComplete: false }, [['dataComplete', 'random_check_data_incomplete', 'sharing']]],
    [{ ...all, pushed: false }, [['pushed', 'random_check_not_pushed', 'sharing']]],
  ] as const)('%j fails %j', (checklist, expected) => {
    expect(
      failedChecklistItems(checklist).map(({ item, rule }) => [item, rule, FINDING_RULES[rule]]),
    ).toEqual(expected);
  });
});
