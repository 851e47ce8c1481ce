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
import { copyInto, copyLine, transactionConnection } from '../db/copy';
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

/** How many entries wait in the outbox for the next append. */
export async function waitingEntries(em: EntityManager): Promise<number> {
  const [row] = await em.execute<Array<{ n: string }>>(`select count(*) as n from log_outbox`);
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

/**
 * Takes up to `limit` waiting entries out of the outbox, oldest first: the statement that reads them deletes them,
 * and the append's transaction puts them back if anything after it fails. `= any(array(…))` names the ids, so
 * PostgreSQL looks each up in the primary key rather than scanning an outbox of a million converted licences.
 * `taken.id`, not `id`: a bare name in ORDER BY is the output column, the text `id::text` ('10' before '9').
 */
function takeOutbox(tx: EntityManager, limit: number): Promise<OutboxRow[]> {
  return tx.execute<OutboxRow[]>(
    `with taken as (
       delete from log_outbox where id = any(array(select id from log_outbox order by id limit ?))
       returning id, kind, identifier, hash, event_time)
     select id::text, kind, identifier, hash, event_time from taken order by taken.id`,
    [limit],
  );
}

/** bytea in COPY's text format (hex; copyLine escapes the backslash). */
const byteaText = (hash: Hash) => `\\x${hash.toString('hex')}`;

/**
 * Appends up to `limit` waiting entries; answers how many. The leaves and nodes go in with COPY (issue 19: a
 * conversion appends a million at a time; as JSON text parameters the driver escaped each batch's half megabyte
 * character by character, and PostgreSQL parsed it as JSON).
 */
export async function appendLogBatch(em: EntityManager, limit = LOG_APPEND_BATCH): Promise<number> {
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('transparency_log'))`);
    const rows = await takeOutbox(tx as EntityManager, limit);
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
    const connection = await transactionConnection(tx as EntityManager);
    await copyInto(
      connection,
      'log_leaf (idx, kind, identifier, hash, event_time, leaf, leaf_hash)',
      rows
        .map((r, i) =>
          copyLine([from + i, r.kind, r.identifier, r.hash, r.event_time, leaves[i]!, byteaText(hashes[i]!)]),
        )
        .join(''),
    );
    await copyInto(
      connection,
      'log_node (level, idx, hash)',
      nodes.map((n) => copyLine([n.level, n.index, byteaText(n.hash)])).join(''),
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
