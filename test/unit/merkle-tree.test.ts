/**
 * Issue 20 Build 1: the transparency log's Merkle tree against RFC 9162 §2.1 written out the way the RFC defines
 * it (MTH, PATH, PROOF over the list of leaves), and the proofs' verification, over random sizes (a seeded loop:
 * the failures it finds can be replayed).
 */
import { createHash } from 'node:crypto';
import {
  appendToRange,
  CompactRange,
  completedNodes,
  consistencyProof,
  consistencyProofNodes,
  EMPTY_ROOT,
  Hash,
  inclusionProof,
  inclusionProofNodes,
  leafHash,
  NodeKey,
  nodeHash,
  rangeHash,
  rangeRoot,
  rightEdgeNodes,
  verifyConsistency,
  verifyInclusion,
} from '../../pki/merkle-tree';

/** A small deterministic generator (mulberry32), so that a failing case can be replayed from its seed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const k = (n: number) => 2 ** Math.floor(Math.log2(n - 1));

// RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 as written.
function mth(d: Hash[]): Hash {
  if (d.length === 0) return createHash('sha256').digest();
  if (d.length === 1) return d[0]!;
  return nodeHash(mth(d.slice(0, k(d.length))), mth(d.slice(k(d.length))));
}
function path(m: number, d: Hash[]): Hash[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s
    ? [...path(m, d.slice(0, s)), mth(d.slice(s))]
    : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function subproof(m: number, d: Hash[], b: boolean): Hash[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s
    ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))]
    : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

/** A log of `n` leaves grown in random batches through completedNodes, as the store grows it. */
function grow(n: number, rnd: () => number) {
  const leaves = Array.from({ length: n }, (_, i) => leafHash(`leaf ${i}`));
  const store = new Map<string, Hash>();
  const node = (key: NodeKey) => {
    const found = store.get(`${key.level}:${key.index}`);
    if (!found) throw new Error(`node ${key.level}:${key.index} missing`);
    return found;
  };
  let size = 0;
  while (size < n) {
    const to = Math.min(n, size + 1 + Math.floor(rnd() * 9));
    for (const key of rightEdgeNodes(size)) node(key); // the store's right edge is all an append reads
    for (let i = size; i < to; i++) store.set(`0:${i}`, leaves[i]!);
    for (const made of completedNodes(size, to, node)) store.set(`${made.level}:${made.index}`, made.hash);
    size = to;
  }
  return { leaves, node, store };
}

describe('transparency log Merkle tree (RFC 9162 §2.1, issue 20)', () => {
  it('hashes leaves with 0x00 and nodes with 0x01, and the empty tree is SHA-256 of nothing', () => {
    expect(leafHash('')).toEqual(
      createHash('sha256')
        .update(Buffer.from([0]))
        .digest(),
    );
    const a = leafHash('a');
    const b = leafHash('b');
    expect(nodeHash(a, b)).toEqual(
      createHash('sha256')
        .update(Buffer.from([1]))
        .update(a)
        .update(b)
        .digest(),
    );
    expect(EMPTY_ROOT.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('the RFC 6962 test vector: the root of the 8 leaves of the reference implementation', () => {
    // certificate-transparency-go's merkle test data (leaves as hex bytes), root for size 8.
    const inputs = [
      '',
      '00',
      '10',
      '2021',
      '3031',
      '40414243',
      '5051525354555657',
      '606162636465666768696a6b6c6d6e6f',
    ];
    const d = inputs.map((h) => leafHash(Buffer.from(h, 'hex')));
    expect(mth(d).toString('hex')).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  });

  it('property: stored nodes give MTH, PATH and PROOF exactly, and every proof verifies, over random sizes', () => {
    const rnd = random(20261202);
    for (let round = 0; round < 40; round++) {
      const n = 1 + Math.floor(rnd() * 300);
      const { leaves, node } = grow(n, rnd);
      const root = mth(leaves);
      expect(rangeHash(0, n, node)).toEqual(root);
      for (let t = 0; t < 5; t++) {
        const m = Math.floor(rnd() * n);
        const proof = inclusionProof(m, n, node);
        expect(proof).toEqual(path(m, leaves));
        expect(inclusionProofNodes(m, n).length).toBeGreaterThanOrEqual(proof.length);
        expect(verifyInclusion(m, n, leaves[m]!, proof, root)).toBe(true);
        expect(verifyInclusion(m, n, leafHash('other'), proof, root)).toBe(false);
        if (n > 1) expect(verifyInclusion((m + 1) % n, n, leaves[m]!, proof, root)).toBe(false);

        const first = 1 + Math.floor(rnd() * n);
        const cproof = consistencyProof(first, n, node);
        expect(cproof).toEqual(first === n ? [] : subproof(first, leaves, true));
        expect(consistencyProofNodes(first, n).length).toBeGreaterThanOrEqual(cproof.length);
        const firstRoot = mth(leaves.slice(0, first));
        expect(verifyConsistency(first, n, firstRoot, root, cproof)).toBe(true);
        if (first < n) {
          // A changed leaf in the older tree, or a wrong newer root, is caught.
          const altered = [...leaves.slice(0, first)];
          altered[Math.floor(rnd() * first)] = leafHash('altered');
          expect(verifyConsistency(first, n, mth(altered), root, cproof)).toBe(false);
          expect(verifyConsistency(first, n, firstRoot, leafHash('x'), cproof)).toBe(false);
          if (cproof.length > 0)
            expect(verifyConsistency(first, n, firstRoot, root, cproof.slice(1))).toBe(false);
        }
      }
    }
  });

  it('a compact range fed the leaves one by one gives MTH at every size (the monitor’s full audit)', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => leafHash(`leaf ${i}`));
    let range: CompactRange = { size: 0, peaks: [] };
    expect(rangeRoot(range)).toEqual(EMPTY_ROOT);
    leaves.forEach((leaf, i) => {
      range = appendToRange(range, leaf);
      expect(rangeRoot(range)).toEqual(mth(leaves.slice(0, i + 1)));
    });
  });

  it('refuses proofs outside the tree', () => {
    const { node } = grow(5, random(1));
    expect(() => inclusionProof(5, 5, node)).toThrow(RangeError);
    expect(() => consistencyProof(6, 5, node)).toThrow(RangeError);
    expect(verifyInclusion(-1, 5, leafHash('a'), [], EMPTY_ROOT)).toBe(false);
    expect(verifyConsistency(0, 5, EMPTY_ROOT, EMPTY_ROOT, [])).toBe(true);
  });
});
