/**
 * A per-process copy of data that rarely changes (the working calendar, the jurisdiction tree and units), read
 * again only when the database says it changed: each use reads a cheap version first and reloads when it differs
 * from the copy's. Every writer changes the version in its own transaction, so a change counts from the first use
 * after it commits, in every process.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

export interface Versioned<T> {
  version: string;
  value: T;
}

export class VersionedCopy<T> {
  private cached: Versioned<T> | undefined;

  /**
   * `load` gets the version just read and returns the value with the version it was read at (the same one, or one
   * read in the load's own snapshot: a copy loaded past the version it was asked for is reloaded at the next use,
   * never kept stale).
   */
  constructor(
    private readonly readVersion: (em: EntityManager) => Promise<string>,
    private readonly load: (em: EntityManager, version: string) => Promise<Versioned<T>>,
  ) {}

  async get(em: EntityManager): Promise<T> {
    const version = await this.readVersion(em);
    if (this.cached?.version !== version) this.cached = await this.load(em, version);
    return this.cached.value;
  }
}

/** One copy per key (a database's ORM or driver), made on first use and dropped with the key. */
export function copyPerKey<T>(make: () => VersionedCopy<T>): (key: object) => VersionedCopy<T> {
  const copies = new WeakMap<object, VersionedCopy<T>>();
  return (key) => {
    let copy = copies.get(key);
    if (!copy) copies.set(key, (copy = make()));
    return copy;
  };
}
