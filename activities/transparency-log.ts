/**
 * Issue 20 Build 1: the transparency log's append step, on the platform worker (no key needed): moves a batch of
 * waiting entries into the Merkle tree (usecases/transparency-log.ts). Idempotent: one transaction per batch.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm';
import { appendLogBatch, LOG_APPEND_BATCH } from '../usecases/transparency-log';

export interface TransparencyLogActivities {
  /** Appends up to LOG_APPEND_BATCH waiting entries; answers how many. */
  appendTransparencyLog(): Promise<number>;
}

export function createTransparencyLogActivities(deps: { orm: Orm }): TransparencyLogActivities {
  return {
    appendTransparencyLog() {
      return appendLogBatch(deps.orm.em.fork() as EntityManager, LOG_APPEND_BATCH);
    },
  };
}
