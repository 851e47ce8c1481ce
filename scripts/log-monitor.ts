/**
 * `npm run log:monitor` (issue 20 Build 1): watches the platform's transparency log from outside, over its public
 * endpoints only (no database), the way a Certificate Transparency monitor does:
 *
 * - each round fetches the latest signed tree head and checks its signature against the CA certificate;
 * - checks the consistency proof from the last head it accepted (a log that shrank, or whose older part changed,
 *   is inconsistent);
 * - fetches every leaf it has not seen, checks each leaf hash against the leaf text, and recomputes the root from
 *   the leaves themselves (a leaf removed or altered in the database no longer makes the signed root).
 *
 * Its state (the last head and a compact range over the leaves) is kept in a JSON file, so that later runs continue.
 *
 *   npm run log:monitor -- --url http://localhost:3000 [--ca ca.pem] [--state .data/log-monitor.json]
 *                          [--interval 300] [--rounds N]
 *
 * Prints one JSON line per round; exits 2 at the first inconsistency (printed with `"consistent": false`), 1 on
 * other errors, 0 when every round was consistent. `--interval 0` (the default) runs one round.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { appendToRange, CompactRange, leafHash, rangeRoot } from '../pki/merkle-tree';
import { consistencyProblem, SignedTreeHead, treeHeadProblem } from '../pki/transparency-log';

interface MonitorState {
  treeHead: SignedTreeHead | null;
  range: CompactRange;
}

interface LeafView {
  index: number;
  leaf: string;
  leafHash: string;
}

class Inconsistency extends Error {}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every leaf in [from, to), checked one by one and folded into the range. */
async function auditLeaves(base: string, range: CompactRange, to: number): Promise<CompactRange> {
  let current = range;
  while (current.size < to) {
    const end = Math.min(to, current.size + 1000);
    const { leaves } = await getJson<{ leaves: LeafView[] }>(
      `${base}/api/transparency-log/leaves?start=${current.size}&end=${end}`,
    );
    for (const leaf of leaves) {
      if (leaf.index !== current.size)
        throw new Inconsistency(`leaf ${current.size} is missing from the log`);
      const computed = leafHash(leaf.leaf);
      if (computed.toString('hex') !== leaf.leafHash)
        throw new Inconsistency(`leaf ${leaf.index} was altered: its text does not hash to its leaf hash`);
      current = appendToRange(current, computed);
    }
    if (current.size < end) throw new Inconsistency(`leaf ${current.size} is missing from the log`);
  }
  return current;
}

async function round(base: string, caPem: string, state: MonitorState): Promise<MonitorState> {
  const head = await getJson<SignedTreeHead>(`${base}/api/transparency-log/tree-head`);
  const problem = treeHeadProblem(head, caPem);
  if (problem) throw new Inconsistency(`the tree head does not verify: ${problem}`);
  const previous = state.treeHead;
  if (previous) {
    if (head.treeSize < previous.treeSize)
      throw new Inconsistency(`the log shrank from ${previous.treeSize} to ${head.treeSize} leaves`);
    const { consistencyProof } = await getJson<{ consistencyProof: string[] }>(
      `${base}/api/transparency-log/proof/consistency?first=${previous.treeSize}&second=${head.treeSize}`,
    );
    const inconsistent = consistencyProblem(previous, head, consistencyProof);
    if (inconsistent) throw new Inconsistency(inconsistent);
  }
  const range = await auditLeaves(base, state.range, head.treeSize);
  if (rangeRoot(range).toString('hex') !== head.rootHash)
    throw new Inconsistency(`the leaves of the log do not make the signed root of size ${head.treeSize}`);
  return { treeHead: head, range };
}

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: process.env.PUBLIC_URL ?? 'http://localhost:3000' },
      ca: { type: 'string' },
      state: { type: 'string', default: '.data/log-monitor.json' },
      interval: { type: 'string', default: '0' },
      rounds: { type: 'string' },
    },
  });
  const base = values.url!.replace(/\/$/, '');
  // The CA certificate from a file the operator checked, else from the platform's public URL.
  const caPem = values.ca ? readFileSync(values.ca, 'utf8') : await (await fetch(`${base}/ca.pem`)).text();
  const statePath = values.state!;
  let state: MonitorState = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, 'utf8')) as MonitorState)
    : { treeHead: null, range: { size: 0, peaks: [] } };
  const interval = Number(values.interval) * 1000;
  const rounds = values.rounds ? Number(values.rounds) : interval > 0 ? Infinity : 1;
  for (let i = 0; i < rounds; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, interval));
    try {
      state = await round(base, caPem, state);
    } catch (err) {
      if (!(err instanceof Inconsistency)) throw err;
      console.log(JSON.stringify({ consistent: false, problem: err.message, at: new Date().toISOString() }));
      process.exit(2);
    }
    mkdirSync(path.dirname(path.resolve(statePath)), { recursive: true });
    writeFileSync(statePath, JSON.stringify(state));
    const head = state.treeHead!;
    console.log(
      JSON.stringify({
        consistent: true,
        treeSize: head.treeSize,
        rootHash: head.rootHash,
        signedAt: head.timestamp,
      }),
    );
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
