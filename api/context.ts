/** What every route and page needs: the database, the Temporal client, configuration and the authenticator. */
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm';
import type { Config } from '../infra/config';
import type { Authenticator } from './auth';
import type { JurisdictionTree } from './jurisdiction-tree';

export interface AppContext {
  orm: Orm;
  em: () => EntityManager;
  temporal: Client;
  taskQueue: string;
  config: Config;
  auth: Authenticator;
  jurisdictions: JurisdictionTree;
}
