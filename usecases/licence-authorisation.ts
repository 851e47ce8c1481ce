/**
 * The standing seal-use authorisation a licence issuance signs under (LM-7, SM-12). Apart from the signing itself
 * (usecases/licence-issuing.ts) so that the API can ask whether a type is ready to issue without importing any code
 * that decrypts keys (issue 11 Build 5).
 */
import type { EntityManager } from '@mikro-orm/postgresql';

export interface UsableAuthorisation {
  id: string;
  sealId: string;
  granteeId: string;
  remainingUses: number;
  validTo: Date;
}

/**
 * The standing authorisation to use: active, for one of the unit's active seals of the required kind valid now,
 * naming this type's signing title, with uses left; the one ending soonest first, so that none lapses unused.
 */
export async function findLicenceAuthorisation(
  em: EntityManager,
  p: { organisationId: string; sealKind: string; title: string; now: Date },
): Promise<UsableAuthorisation | null> {
  const rows: Array<{
    id: string;
    seal_id: string;
    grantee_id: string;
    remaining: number;
    valid_to: Date;
  }> = await em.execute(
    `select a.id, a.seal_id, a.grantee_id, a.max_uses - a.used_count as remaining, a.valid_to
       from seal_use_authorisation a join seal s on s.id = a.seal_id
      where s.organisation_id = ? and s.kind = ? and s.status = 'active' and s.valid_from <= ? and s.valid_to >= ?
        and a.status = 'active' and a.used_count < a.max_uses and a.valid_from <= ? and a.valid_to > ?
        and a.documents @> ?::jsonb
      order by a.valid_to asc, a.created_at asc
      limit 1`,
    [p.organisationId, p.sealKind, p.now, p.now, p.now, p.now, JSON.stringify([{ title: p.title }])],
  );
  const row = rows[0];
  return row
    ? {
        id: row.id,
        sealId: row.seal_id,
        granteeId: row.grantee_id,
        remainingUses: Number(row.remaining),
        validTo: new Date(row.valid_to),
      }
    : null;
}
