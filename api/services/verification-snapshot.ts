/**
 * What a verification reads besides the licence's own row (issue 19 Build 4): the trust anchors in force (issue 20
 * Build 3) and the transparency log's evidence for the licence's leaf (issue 20). Both change rarely and were read
 * in full on every verification (five statements); now one small statement per verification says which anchors are
 * in force and which tree head is the latest, and what those name is kept:
 *
 * - the anchors, under the ids of the anchors in force: an anchor is only ever imported (a new id) or removed, so
 *   the ids name the list exactly, and an import or a removal counts from the next verification on, in every API
 *   process;
 * - the latest signed tree head, under its id (a signed head is never changed);
 * - a leaf's index, by its hash (the log only grows: a leaf found keeps its index; a leaf not yet appended is asked
 *   again next time);
 * - an inclusion proof, by leaf index and tree size (a pure function of the tree's first `size` leaves).
 *
 * Every cache is per platform (per VerificationService) and bounded; nothing here is kept across databases.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { listTrustAnchors, StoredTrustAnchor } from '../../db/trust-anchors';
import { BoundedLru } from '../../pki/certificate-cache';
import type { InclusionEvidence, SignedTreeHead } from '../../pki/transparency-log';
import { inclusionProofAt, leafIndexOf, TreeHeadRow, treeHeadOf } from '../../usecases/transparency-log';

/**
 * Which tree head is the latest and which anchors are in force (ids in byte order, as JavaScript sorts ASCII), as
 * columns any statement may add (the registry query of a verification by identifier does: one statement in all).
 */
export const SNAPSHOT_COLUMNS = `(select max(id) from log_tree_head)::text as head_id,
  (select coalesce(string_agg(id, ',' order by id collate "C"), '') from trust_anchor where removed_at is null)
    as anchor_ids`;

/** The snapshot's columns as read. */
export interface SnapshotIds {
  head_id: string | null;
  anchor_ids: string;
}

export interface VerificationSnapshot {
  trustAnchors: StoredTrustAnchor[];
  /** The log's inclusion evidence for a leaf (hex hash) against the latest signed tree head, or null. */
  logEvidence(leafHashHex: string): Promise<InclusionEvidence | null>;
}

const MIB = 1024 * 1024;

export class VerificationSnapshots {
  private anchors: { ids: string; list: StoredTrustAnchor[] } | null = null;
  private head: { id: string; head: SignedTreeHead | null } | null = null;
  private readonly leafIndices = new BoundedLru<number>({
    maxEntries: 100_000,
    maxBytes: 16 * MIB,
    maxEntryBytes: 256,
  });
  private readonly proofs = new BoundedLru<string[]>({
    maxEntries: 20_000,
    maxBytes: 32 * MIB,
    maxEntryBytes: 64 * 1024,
  });

  /**
   * The anchors in force and the latest tree head, as of now: `ids` when a statement of this verification read them
   * (SNAPSHOT_COLUMNS), else one statement; nothing more while they are unchanged.
   */
  async current(em: EntityManager, ids?: SnapshotIds | null): Promise<VerificationSnapshot> {
    const row = ids ?? (await em.execute<SnapshotIds[]>(`select ${SNAPSHOT_COLUMNS}`))[0];
    const [trustAnchors, head] = await Promise.all([
      this.anchorsIn(em, row?.anchor_ids ?? ''),
      this.headOf(em, row?.head_id ?? null),
    ]);
    return { trustAnchors, logEvidence: (leafHashHex) => this.evidence(em, leafHashHex, head) };
  }

  private async anchorsIn(em: EntityManager, ids: string): Promise<StoredTrustAnchor[]> {
    if (this.anchors?.ids === ids) return this.anchors.list;
    const list = await listTrustAnchors(em);
    // Kept under the ids of the list read (it may be newer than the snapshot's), so the key names it exactly.
    const read = list
      .map((a) => a.id)
      .sort()
      .join(',');
    this.anchors = { ids: read, list };
    return list;
  }

  private async headOf(em: EntityManager, id: string | null): Promise<SignedTreeHead | null> {
    if (id === null) return null;
    if (this.head?.id === id) return this.head.head;
    const [row] = await em.execute<TreeHeadRow[]>(`select * from log_tree_head where id = ?`, [id]);
    const head = row ? treeHeadOf(row) : null;
    this.head = { id, head };
    return head;
  }

  /** As usecases/transparency-log.ts inclusionEvidence, against `head`, from what is kept where it can be. */
  private async evidence(
    em: EntityManager,
    leafHashHex: string,
    head: SignedTreeHead | null,
  ): Promise<InclusionEvidence | null> {
    if (!head) return null;
    let index = this.leafIndices.get(leafHashHex);
    if (index === undefined) {
      const found = await leafIndexOf(em, leafHashHex);
      if (found === null) return null;
      index = found;
      this.leafIndices.set(leafHashHex, found, leafHashHex.length + 8);
    }
    if (head.treeSize <= index) return null;
    const key = `${index}:${head.treeSize}`;
    let proof = this.proofs.get(key);
    if (!proof) {
      proof = await inclusionProofAt(em, index, head.treeSize);
      this.proofs.set(key, proof, 64 * proof.length + key.length);
    }
    return { leafIndex: index, inclusionProof: [...proof], treeHead: head };
  }
}
