/**
 * The trust list in PostgreSQL (issue 20 Build 3, table `trust_anchor`): the anchors an administrator imported,
 * a removed one kept with who removed it and when. Plain SQL over one small table.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TrustAnchor, TrustAnchorKind } from '../domain/trust-list';

export interface StoredTrustAnchor extends TrustAnchor {
  kind: TrustAnchorKind;
  fingerprintSha256: string;
  subject: string;
  importedBy: string;
  importedAt: string;
  removedBy: string | null;
  removedAt: string | null;
}

interface Row {
  id: string;
  name: string;
  kind: TrustAnchorKind;
  certificate_pem: string;
  fingerprint_sha256: string;
  subject: string;
  valid_from: Date;
  valid_to: Date;
  imported_by: string;
  imported_at: Date;
  removed_by: string | null;
  removed_at: Date | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function anchorOf(r: Row): StoredTrustAnchor {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    certificatePem: r.certificate_pem,
    fingerprintSha256: r.fingerprint_sha256,
    subject: r.subject,
    validFrom: iso(r.valid_from)!,
    validTo: iso(r.valid_to)!,
    importedBy: r.imported_by,
    importedAt: iso(r.imported_at)!,
    removedBy: r.removed_by,
    removedAt: iso(r.removed_at),
  };
}

/** The anchors in force (not removed), oldest import first; with `removed`, the removed ones too. */
export async function listTrustAnchors(
  em: EntityManager,
  options: { removed?: boolean } = {},
): Promise<StoredTrustAnchor[]> {
  const rows = await em.execute<Row[]>(
    `select * from trust_anchor ${options.removed ? '' : 'where removed_at is null'}
      order by imported_at, name, id`,
  );
  return rows.map(anchorOf);
}

export async function findTrustAnchor(em: EntityManager, id: string): Promise<StoredTrustAnchor | null> {
  const [row] = await em.execute<Row[]>(`select * from trust_anchor where id = ?`, [id]);
  return row ? anchorOf(row) : null;
}

/** The fingerprints (SHA-256 of the DER, hex) among `fingerprints` that an anchor in force already has. */
export async function activeFingerprints(em: EntityManager, fingerprints: string[]): Promise<Set<string>> {
  if (fingerprints.length === 0) return new Set();
  const rows = await em.execute<Array<{ fingerprint_sha256: string }>>(
    `select fingerprint_sha256 from trust_anchor where removed_at is null and fingerprint_sha256 in (?)`,
    [fingerprints],
  );
  return new Set(rows.map((r) => r.fingerprint_sha256));
}

export async function insertTrustAnchor(
  em: EntityManager,
  a: Omit<StoredTrustAnchor, 'removedBy' | 'removedAt'>,
): Promise<void> {
  await em.execute(
    `insert into trust_anchor (id, name, kind, certificate_pem, fingerprint_sha256, subject, valid_from, valid_to,
                               imported_by, imported_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      a.id,
      a.name,
      a.kind,
      a.certificatePem,
      a.fingerprintSha256,
      a.subject,
      a.validFrom,
      a.validTo,
      a.importedBy,
      a.importedAt,
    ],
  );
}

/** Marks the anchor removed; false when there is none in force under `id`. */
export async function markTrustAnchorRemoved(
  em: EntityManager,
  id: string,
  by: string,
  at: Date,
): Promise<boolean> {
  const rows = await em.execute<Array<{ id: string }>>(
    `update trust_anchor set removed_by = ?, removed_at = ? where id = ? and removed_at is null returning id`,
    [by, at, id],
  );
  return rows.length === 1;
}
