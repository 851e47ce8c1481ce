/**
 * What every process does once against its database: migrate, add the official calendar years it lacks and the
 * default approval flows (production needs them too, so this is not dev data), and grant the runtime role its
 * rights (LM-25). Runs as the database's owner. The CA and the audit key need the key-encryption secret, so the
 * signing worker's composition creates them (platform/signing-worker.ts prepareSigningKeys, issue 11 Build 5).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { seedCalendar } from '../db/calendar';
import { ensureRuntimeRole, RuntimeRole } from '../db/database-roles';
import { seedDefaultFlows } from '../db/flow-definitions';
import { migrate, Orm } from '../db/orm';

export async function prepareDatabase(orm: Orm, options: { runtimeRole?: RuntimeRole } = {}): Promise<void> {
  await migrate(orm);
  await seedCalendar(orm.em.fork() as EntityManager);
  await seedDefaultFlows(orm.em.fork() as EntityManager);
  if (options.runtimeRole) await ensureRuntimeRole(orm.em.fork() as EntityManager, options.runtimeRole);
}

/** The runtime role named by a connection URL (its user and password). */
export function runtimeRoleOf(databaseUrl: string): RuntimeRole {
  const url = new URL(databaseUrl);
  return { name: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}
