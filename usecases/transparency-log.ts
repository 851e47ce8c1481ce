/**
 * Issue 20 Build 1: the transparency log over PostgreSQL (tables in Migration20261202850000_transparency_log).
 *
 * - `appendLogBatch` moves up to `limit` rows of `log_outbox` (filled by triggers in the transactions that store
 *   licences, lifecycle events and seal status changes) into the tree: leaves, then every subtree they complete,
 *   under one advisory lock, in one transaction — a retry after a crash appends nothing twice.
 * - Tree heads are signed in usecases/transparency-log-signing.ts (signing worker only: it decrypts the key).
 * - The readers give the latest head, inclusion and consistency proofs and leaves in a range (public endpoints).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  completedNodes,
  consistencyProof,
  consistencyProofNodes,
  Hash,
  inclusionProof,
  inclusionProofNodes,
  leafHash,
  NodeKey,
  rangeHash,
  rangeNodes,
  rightEdgeNodes,
} from '../pki/merkle-tree';
import { InclusionEvidence, logLeaf, SignedTreeHead } from '../pki/transparency-log';

export const LOG_APPEND_BATCH = 1000;

interface OutboxRow {
  id: string;
  kind: string;
  identifier: string;
  hash: string;
  event_time: string;
}

export async function logSize(em: EntityManager): Promise<number> {
  const [row] = await em.execute<Array<{ n: string | null }>>(`select max(idx) + 1 as n from log_leaf`);
  return Number(row?.n ?? 0);
}

/** The stored nodes named, as a lookup (throws for one missing: the tree is damaged). */
async function loadNodes(em: EntityManager, keys: NodeKey[]): Promise<(key: NodeKey) => Hash> {
  const found = new Map<string, Hash>();
  if (keys.length > 0) {
    // Parameters as one JSON document: the driver would spread a JS array into a list.
    const rows = await em.execute<Array<{ level: number; idx: string; hash: Buffer }>>(
      `select n.level, n.idx, n.hash from log_node n
        join jsonb_to_recordset(?::jsonb) k(level smallint, idx bigint) on n.level = k.level and n.idx = k.idx`,
      [JSON.stringify(keys.map((k) => ({ level: k.level, idx: k.index })))],
    );
    for (const r of rows) found.set(`${r.level}:${r.idx}`, r.hash);
  }
  return (key) => {
    const hash = found.get(`${key.level}:${key.index}`);
    if (!hash) throw new Error(`transparency log node ${key.level}:${key.index} is missing`);
    return hash;
  };
}

/** Appends up to `limit` waiting entries; answers how many. */
export async function appendLogBatch(em: EntityManager, limit = LOG_APPEND_BATCH): Promise<number> {
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('transparency_log'))`);
    // `log_outbox.id`, not `id`: a bare name in ORDER BY is the output column, here the text `id::text`, and the
    // entries were taken in text order ('10' before '9'), not in the order they were queued.
    const rows = await tx.execute<OutboxRow[]>(
      `select id::text, kind, identifier, hash, event_time from log_outbox order by log_outbox.id limit ?`,
      [limit],
    );
    if (rows.length === 0) return 0;
    const from = await logSize(tx as EntityManager);
    const to = from + rows.length;
    const leaves = rows.map((r) =>
      logLeaf({ kind: r.kind, identifier: r.identifier, hash: r.hash, time: r.event_time }),
    );
    const hashes = leaves.map(leafHash); // the leaf text made once (pki/transparency-log.ts logLeafHash)
    const edge = await loadNodes(tx as EntityManager, rightEdgeNodes(from));
    const node = (key: NodeKey) =>
      key.level === 0 && key.index >= from ? hashes[key.index - from]! : edge(key);
    const nodes = [
      ...hashes.map((hash, i) => ({ level: 0, index: from + i, hash })),
      ...completedNodes(from, to, node),
    ];
    // Parameters as JSON documents: the driver would spread a JS array into a list.
    await tx.execute(
      `insert into log_leaf (idx, kind, identifier, hash, event_time, leaf, leaf_hash)
       select x.idx, x.kind, x.identifier, x.hash, x.event_time, x.leaf, decode(x.leaf_hash, 'hex')
         from jsonb_to_recordset(?::jsonb)
           x(idx bigint, kind text, identifier text, hash text, event_time text, leaf text, leaf_hash text)`,
      [
        JSON.stringify(
          rows.map((r, i) => ({
            idx: from + i,
            kind: r.kind,
            identifier: r.identifier,
            hash: r.hash,
            event_time: r.event_time,
            leaf: leaves[i],
            leaf_hash: hashes[i]!.toString('hex'),
          })),
        ),
      ],
    );
    await tx.execute(
      `insert into log_node (level, idx, hash)
       select x.level, x.idx, decode(x.hash, 'hex') from jsonb_to_recordset(?::jsonb) x(level smallint, idx bigint, hash text)`,
      [JSON.stringify(nodes.map((n) => ({ level: n.level, idx: n.index, hash: n.hash.toString('hex') })))],
    );
    await tx.execute(
      `delete from log_outbox where id in (select jsonb_array_elements_text(?::jsonb)::bigint)`,
      [JSON.stringify(rows.map((r) => r.id))],
    );
    return rows.length;
  });
}

/** The root hash of the first `size` leaves. */
export async function logRootHash(em: EntityManager, size: number): Promise<Hash> {
  const node = await loadNodes(em, rangeNodes(0, size));
  return rangeHash(0, size, node);
}

export interface TreeHeadRow {
  tree_size: string;
  root_hash: string;
  signed_at: Date;
  signed_content: string;
  signature: string;
  certificate_pem: string;
}

export function treeHeadOf(r: TreeHeadRow): SignedTreeHead {
  const content = JSON.parse(r.signed_content) as { timestamp: string };
  return {
    treeSize: Number(r.tree_size),
    rootHash: r.root_hash,
    timestamp: content.timestamp,
    signedContent: r.signed_content,
    signature: r.signature,
    certificatePem: r.certificate_pem,
  };
}

export async function latestTreeHead(em: EntityManager): Promise<SignedTreeHead | null> {
  const [row] = await em.execute<TreeHeadRow[]>(`select * from log_tree_head order by id desc limit 1`);
  return row ? treeHeadOf(row) : null;
}

/** Every signed size's latest head, for monitors (oldest first). */
export async function treeHeadOfSize(em: EntityManager, size: number): Promise<SignedTreeHead | null> {
  const [row] = await em.execute<TreeHeadRow[]>(
    `select * from log_tree_head where tree_size = ? order by id desc limit 1`,
    [size],
  );
  return row ? treeHeadOf(row) : null;
}

export interface LogLeafView {
  index: number;
  kind: string;
  identifier: string;
  hash: string;
  time: string;
  leaf: string;
  leafHash: string;
}

export async function leavesInRange(em: EntityManager, start: number, end: number): Promise<LogLeafView[]> {
  const rows = await em.execute<
    Array<{
      idx: string;
      kind: string;
      identifier: string;
      hash: string;
      event_time: string;
      leaf: string;
      leaf_hash: Buffer;
    }>
  >(`select * from log_leaf where idx >= ? and idx < ? order by idx`, [start, end]);
  return rows.map((r) => ({
    index: Number(r.idx),
    kind: r.kind,
    identifier: r.identifier,
    hash: r.hash,
    time: r.event_time,
    leaf: r.leaf,
    leafHash: r.leaf_hash.toString('hex'),
  }));
}

/** The index of the leaf with this hash (hex), or null. */
export async function leafIndexOf(em: EntityManager, leafHashHex: string): Promise<number | null> {
  const [row] = await em.execute<Array<{ idx: string }>>(
    `select idx from log_leaf where leaf_hash = decode(?, 'hex') order by idx limit 1`,
    [leafHashHex],
  );
  return row ? Number(row.idx) : null;
}

export async function inclusionProofAt(em: EntityManager, index: number, size: number): Promise<string[]> {
  const node = await loadNodes(em, inclusionProofNodes(index, size));
  return inclusionProof(index, size, node).map((h) => h.toString('hex'));
}

export async function consistencyProofBetween(
  em: EntityManager,
  first: number,
  second: number,
): Promise<string[]> {
  const node = await loadNodes(em, consistencyProofNodes(first, second));
  return consistencyProof(first, second, node).map((h) => h.toString('hex'));
}

/**
 * The inclusion evidence for a leaf against the latest signed head, or null while the leaf is not yet appended
 * or no signed head covers it.
 */
export async function inclusionEvidence(
  em: EntityManager,
  leafHashHex: string,
): Promise<InclusionEvidence | null> {
  const index = await leafIndexOf(em, leafHashHex);
  const head = await latestTreeHead(em);
  if (index === null || !head || head.treeSize <= index) return null;
  return {
    leafIndex: index,
    inclusionProof: await inclusionProofAt(em, index, head.treeSize),
    treeHead: head,
  };
}
