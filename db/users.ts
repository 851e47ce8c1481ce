/**
 * Users as the approval engine names them (UserRef: id, name, organisation, e-mail), for the API resolving who an
 * action names and for the activities resolving who a step's rules name.
 */
import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { UserRef } from '../domain/approval';
import type { UserRole } from '../domain/roles';
import { AppUser, Organisation } from './entities';

export async function userRefs(em: EntityManager, where: FilterQuery<AppUser>): Promise<UserRef[]> {
  const users = await em.find(AppUser, where, { orderBy: { username: 'asc' } });
  const organisations = new Map(
    (await em.find(Organisation, { id: { $in: [...new Set(users.map((u) => u.organisationId))] } })).map(
      (o) => [o.id, o.name],
    ),
  );
  return users.map((u) => ({
    userId: u.id,
    displayName: u.displayName,
    organisationId: u.organisationId,
    organisationName: organisations.get(u.organisationId) ?? '',
    email: u.email,
    roles: u.roles,
  }));
}

/** An active user named by id or username, or null. */
export async function userRef(em: EntityManager, idOrUsername: string): Promise<UserRef | null> {
  const [ref] = await userRefs(em, { $or: [{ id: idOrUsername }, { username: idOrUsername }], active: true });
  return ref ?? null;
}

export function usersWithRole(
  em: EntityManager,
  organisationIds: string[],
  role: UserRole,
): Promise<UserRef[]> {
  return userRefs(em, {
    organisationId: { $in: organisationIds },
    roles: { $contains: [role] },
    active: true,
  });
}
