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

/** The active users holding `role` in these organisations, in one statement (issue 19: on every approval step). */
export async function usersWithRole(
  em: EntityManager,
  organisationIds: string[],
  role: UserRole,
): Promise<UserRef[]> {
  if (organisationIds.length === 0) return [];
  const rows = await em.execute<
    Array<{
      id: string;
      display_name: string;
      organisation_id: string;
      organisation_name: string;
      email: string | null;
      roles: UserRole[];
    }>
  >(
    `select u.id, u.display_name, u.organisation_id, coalesce(o.name, '') as organisation_name, u.email, u.roles
       from app_user u left join organisation o on o.id = u.organisation_id
      where u.organisation_id in (?) and u.roles @> array[?]::text[] and u.active
      order by u.username`,
    [organisationIds, role],
  );
  return rows.map((u) => ({
    userId: u.id,
    displayName: u.display_name,
    organisationId: u.organisation_id,
    organisationName: u.organisation_name,
    email: u.email,
    roles: u.roles,
  }));
}
