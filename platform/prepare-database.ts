/**
 * What every process does once against its database: migrate, create the CA on first start, add the official
 * calendar years it lacks and the default approval flows (production needs them too, so this is not dev data).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { seedCalendar } from '../db/calendar';
import { seedDefaultFlows } from '../db/flow-definitions';
import { migrate, Orm } from '../db/orm';
import { ensureCertificateAuthority } from '../usecases/certificate-store';

export async function prepareDatabase(orm: Orm, pkiMasterKey: string): Promise<void> {
  await migrate(orm);
  await ensureCertificateAuthority(orm.em.fork() as EntityManager, pkiMasterKey);
  await seedCalendar(orm.em.fork() as EntityManager);
  await seedDefaultFlows(orm.em.fork() as EntityManager);
}
