/** The daily supervision run's one activity (LM-28): every rule over every unit, each finding recorded once. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm';
import { runSupervision, SupervisionRunResult } from '../usecases/supervision-run';

export interface SupervisionRunActivities {
  runSupervision(req: { at: string }): Promise<SupervisionRunResult>;
}

export function createSupervisionRunActivities(deps: {
  orm: Orm;
  exchangeEndpointUrl?: string;
}): SupervisionRunActivities {
  return {
    async runSupervision({ at }) {
      return runSupervision(deps.orm.em.fork() as EntityManager, new Date(at), {
        exchangeConfigured: Boolean(deps.exchangeEndpointUrl),
      });
    },
  };
}
