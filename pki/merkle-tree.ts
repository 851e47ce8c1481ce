/**
 * Issue 20 Build 1: the Merkle tree of the transparency log, exactly as RFC 9162 §2.1: leaf hash
 * SHA-256(0x00 ‖ leaf), interior node SHA-256(0x01 ‖ left ‖ right), a tree of n leaves split at the largest power
 * of two below n; inclusion proofs (§2.1.3) and consistency proofs (§2.1.4) with their verification algorithms.
 *
 * Storage-agnostic: the log keeps the hash of every complete, aligned subtree (`level`, `index`: leaves
 * [index·2^level, (index+1)·2^level)), so any subtree hash a proof needs is a handful of stored nodes. The proof
 * builders first name the nodes they need (`…ProofNodes`), the store fetches them in one query, and the builders
 * combine them. Pure: no I/O, no clock.
 */
import { createHash } from 'node:crypto';

export type Hash = Buffer;

export interface NodeKey {
  level: number;
  index: number;
}

export type NodeLookup = (key: NodeKey) => Hash;

export function leafHash(leaf: Buffer | string): Hash {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(typeof leaf === 'string' ? Buffer.from(leaf, 'utf8') : leaf)
    .digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

/** The hash of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** The largest power of two smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** The stored nodes that make MTH(D[start:end]); every proof's subtrees are of this form. */
export function rangeNodes(start: number, end: number): NodeKey[] {
  const width = end - start;
  if (width <= 0) return [];
  if (isPowerOfTwo(width) && start % width === 0) return [{ level: Math.log2(width), index: start / width }];
  const k = splitPoint(width);
  return [...rangeNodes(start, start + k), ...rangeNodes(start + k, end)];
}

/** MTH(D[start:end]) from stored nodes. */
export function rangeHash(start: number, end: number, node: NodeLookup): Hash {
  const width = end - start;
  if (width === 0) return EMPTY_ROOT;
  if (isPowerOfTwo(width) && start % width === 0)
    return node({ level: Math.log2(width), index: start / width });
  const k = splitPoint(width);
  return nodeHash(rangeHash(start, start + k, node), rangeHash(start + k, end, node));
}

/** The subtrees (as leaf ranges) of PATH(m, D[0:n]), leaf-side first (RFC 9162 §2.1.3.1). */
function inclusionRanges(m: number, start: number, end: number): Array<[number, number]> {
  if (end - start <= 1) return [];
  const k = splitPoint(end - start);
  return m < k
    ? [...inclusionRanges(m, start, start + k), [start + k, end]]
    : [...inclusionRanges(m - k, start + k, end), [start, start + k]];
}

/** The subtrees of PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) (RFC 9162 §2.1.4.1). */
function consistencyRanges(
  m: number,
  start: number,
  end: number,
  complete: boolean,
): Array<[number, number]> {
  const n = end - start;
  if (m === n) return complete ? [] : [[start, end]];
  const k = splitPoint(n);
  return m <= k
    ? [...consistencyRanges(m, start, start + k, complete), [start + k, end]]
    : [...consistencyRanges(m - k, start + k, end, false), [start, start + k]];
}

function checkIndex(index: number, size: number) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
}

export function inclusionProofNodes(index: number, size: number): NodeKey[] {
  checkIndex(index, size);
  return inclusionRanges(index, 0, size).flatMap(([a, b]) => rangeNodes(a, b));
}

export function inclusionProof(index: number, size: number, node: NodeLookup): Hash[] {
  checkIndex(index, size);
  return inclusionRanges(index, 0, size).map(([a, b]) => rangeHash(a, b, node));
}

function checkSizes(first: number, second: number) {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    throw new RangeError(`no consistency proof from ${first} to ${second}`);
}

export function consistencyProofNodes(first: number, second: number): NodeKey[] {
  checkSizes(first, second);
  if (first === 0 || first === second) return [];
  return consistencyRanges(first, 0, second, true).flatMap(([a, b]) => rangeNodes(a, b));
}

export function consistencyProof(first: number, second: number, node: NodeLookup): Hash[] {
  checkSizes(first, second);
  if (first === 0 || first === second) return [];
  return consistencyRanges(first, 0, second, true).map(([a, b]) => rangeHash(a, b, node));
}

/** RFC 9162 §2.1.3.2: does `proof` show the leaf hash at `index` in the tree of `size` with `root`? */
export function verifyInclusion(index: number, size: number, leaf: Hash, proof: Hash[], root: Hash): boolean {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of `first` with `firstRoot` to be a prefix of `second`? */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Hash,
  secondRoot: Hash,
  proof: Hash[],
): boolean {
  if (first < 0 || first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}

/**
 * The nodes that appending leaves `from`…`to-1` completes (level ≥ 1), given the leaf hashes (level 0) and any
 * other node. Returns them bottom-up; `node` must answer for every node left of the new leaves that a new parent
 * needs (at most one per level: the stored right edge).
 */
export function completedNodes(from: number, to: number, node: NodeLookup): Array<NodeKey & { hash: Hash }> {
  const made = new Map<string, Hash>();
  const get = (key: NodeKey) => made.get(`${key.level}:${key.index}`) ?? node(key);
  const out: Array<NodeKey & { hash: Hash }> = [];
  for (let level = 1; 2 ** level <= to; level++) {
    const width = 2 ** level;
    const first = Math.floor(from / width);
    const last = Math.floor(to / width) - 1;
    for (let index = first; index <= last; index++) {
      if ((index + 1) * width <= from) continue; // complete before this batch
      const hash = nodeHash(
        get({ level: level - 1, index: 2 * index }),
        get({ level: level - 1, index: 2 * index + 1 }),
      );
      made.set(`${level}:${index}`, hash);
      out.push({ level, index, hash });
    }
  }
  return out;
}

/** The existing nodes completedNodes may read, for a store to fetch before appending from `from`. */
export function rightEdgeNodes(from: number): NodeKey[] {
  const keys: NodeKey[] = [];
  for (let level = 0; 2 ** level <= from; level++) {
    const count = Math.floor(from / 2 ** level);
    if (count % 2 === 1) keys.push({ level, index: count - 1 });
  }
  return keys;
}

/**
 * A compact range over the leaves seen so far (the perfect subtrees of the tree, largest first), for a monitor
 * that recomputes the root from the leaves themselves: O(log n) state, one append per leaf.
 */
export interface CompactRange {
  size: number;
  /** Hex hashes of the perfect subtrees, left to right (their sizes follow from `size`'s bits). */
  peaks: string[];
}

export function appendToRange(range: CompactRange, leaf: Hash): CompactRange {
  const peaks: Hash[] = range.peaks.map((h) => Buffer.from(h, 'hex'));
  let hash = leaf;
  let size = range.size;
  // Each trailing 1 bit of the old size is a perfect subtree of the new leaf's size, merged with it.
  while (size % 2 === 1) {
    hash = nodeHash(peaks.pop()!, hash);
    size = Math.floor(size / 2);
  }
  peaks.push(hash);
  return { size: range.size + 1, peaks: peaks.map((h) => h.toString('hex')) };
}

export function rangeRoot(range: CompactRange): Hash {
  if (range.peaks.length === 0) return EMPTY_ROOT;
  const peaks: Hash[] = range.peaks.map((h) => Buffer.from(h, 'hex'));
  let root = peaks[peaks.length - 1]!;
  for (let i = peaks.length - 2; i >= 0; i--) root = nodeHash(peaks[i]!, root);
  return root;
}
