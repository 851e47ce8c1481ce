/**
 * Issue 20 Build 1: the transparency log's append step, on the platform worker (no key needed): moves waiting
 * entries into the Merkle tree, batch after batch (usecases/transparency-log.ts). Idempotent: one transaction per
 * batch, so a retry after a failure goes on from the last committed batch.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm';
import { appendLogBatch, LOG_APPEND_BATCH } from '../usecases/transparency-log';

export interface TransparencyLogActivities {
  /**
   * Appends waiting entries in batches of LOG_APPEND_BATCH for a few seconds at most; answers how many (fewer than
   * a batch when nothing waits any more).
   */
  appendTransparencyLog(): Promise<number>;
}

/**
 * How long one activity goes on appending batches (well inside its 20 s timeout): a batch costs one transaction,
 * a round trip through the server costs a workflow task and an activity task. A million converted licences are a
 * thousand batches (issue 19); with the batches written by COPY, the round trips were a third of the append's time.
 */
const APPEND_FOR_MS = 5_000;

export function createTransparencyLogActivities(deps: { orm: Orm }): TransparencyLogActivities {
  return {
    async appendTransparencyLog() {
      const started = Date.now();
      let appended = 0;
      for (;;) {
        const n = await appendLogBatch(deps.orm.em.fork() as EntityManager, LOG_APPEND_BATCH);
        appended += n;
        if (n < LOG_APPEND_BATCH || Date.now() - started >= APPEND_FOR_MS) return appended;
      }
    },
  };
}
