/**
 * A statement whose values are bound (sent beside the text as PostgreSQL parameters), in the entity manager's
 * transaction when it has one. MikroORM's `execute` and `insert` inline every value into the text as an escaped
 * literal: for a statement that carries big values (a licence's signature record, 8.7 KB of JSON) that is a copy
 * and an escape of each, and a longer text for PostgreSQL to parse (issue 19). Placeholders are knex's `?`.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Knex } from '@mikro-orm/knex';

export async function executeBound<T>(em: EntityManager, sql: string, bindings: unknown[]): Promise<T[]> {
  const query = em.getKnex().raw(sql, bindings as Knex.RawBinding[]);
  const transaction = em.getTransactionContext<Knex.Transaction>();
  if (transaction) query.transacting(transaction);
  try {
    const result: { rows: T[] } = await query;
    return result.rows;
  } catch (err) {
    // As the ORM's own statements fail: a unique violation is a UniqueConstraintViolationException, and so on.
    throw em.getDriver().convertException(err as Error);
  }
}

/** An entity's insert as knex text and bindings (the ORM maps the properties), to be part of a bigger statement. */
export function insertStatement<E extends object>(
  em: EntityManager,
  entity: new () => E,
  data: Partial<E>,
): { sql: string; bindings: readonly unknown[] } {
  return em.createQueryBuilder(entity).insert(data).getKnexQuery().toSQL();
}
