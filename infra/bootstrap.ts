/** What every process does once against its database: migrate, create the CA on first start, seed dev data. */
import type { EntityManager } from '@mikro-orm/postgresql';
import { migrate, Orm } from '../db/orm';
import { ensureCertificateAuthority } from '../pki/store';

export async function prepareDatabase(orm: Orm, pkiMasterKey: string): Promise<void> {
  await migrate(orm);
  await ensureCertificateAuthority(orm.em.fork() as EntityManager, pkiMasterKey);
}
