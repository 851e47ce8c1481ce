/**
 * Who keeps a seal when it is made (issue 15 Build 5, SM-14): the one active person of the seal's unit bearing the
 * custodian name the application gave, else the person who applied for it. Later changes go through a custodian
 * change request (api/services/seal-custodians.ts). The same rule backfilled the seals made before
 * (Migration20261202991001_seal_custodians).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppUser } from './entities';

export async function initialCustodianId(
  em: EntityManager,
  seal: { organisationId: string; custodianName: string; applicantId: string },
): Promise<string> {
  const named = await em.find(
    AppUser,
    { organisationId: seal.organisationId, active: true, displayName: seal.custodianName.trim() },
    { fields: ['id'], limit: 2 },
  );
  return named.length === 1 ? named[0]!.id : seal.applicantId;
}

/**
 * A seeded seal's custodian and deputy: the unit's leader keeps it (the first other active person is deputy),
 * or, in a unit without a leader, its first two active people by username (never a business system's account).
 * Null when the unit has nobody: its seal then waits for a custodian change.
 */
export async function seededCustodians(
  em: EntityManager,
  organisationId: string,
): Promise<{ custodian: AppUser; deputy: AppUser | null } | null> {
  const people = (
    await em.find(
      AppUser,
      { organisationId, active: true, holderCode: null },
      { orderBy: { username: 'asc' } },
    )
  ).filter((p) => !p.roles.includes('licence_system'));
  const custodian = people.find((p) => p.roles.includes('unit_leader')) ?? people[0];
  if (!custodian) return null;
  return { custodian, deputy: people.find((p) => p.id !== custodian.id) ?? null };
}
