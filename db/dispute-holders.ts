/**
 * Who holds a unit's dispute tasks (LM-23, LM-24): the group of its `dispute_handler` staff, or, when it has none,
 * its designated people (responsible person and deputy). One definition for the inbox and the reminders.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { UserRef } from '../domain/approval';
import { DesignatedStaff } from './dispute-entities';
import { userRefs, usersWithRole } from './users';

export async function disputeTaskHolders(em: EntityManager, organisationId: string): Promise<UserRef[]> {
  const handlers = await usersWithRole(em, [organisationId], 'dispute_handler');
  if (handlers.length > 0) return handlers;
  const designated = await em.find(DesignatedStaff, { organisationId, untilAt: null });
  if (designated.length === 0) return [];
  return userRefs(em, { id: { $in: designated.map((d) => d.userId) }, organisationId, active: true });
}
