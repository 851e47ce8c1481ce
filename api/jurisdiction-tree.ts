/** The jurisdiction tree (LM-5: city → counties, districts, zone) held in memory; it changes rarely. */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Jurisdiction } from '../db/entities';

const TTL_MS = 60_000;

export class JurisdictionTree {
  private nodes = new Map<string, Jurisdiction>();
  private loadedAt = 0;

  constructor(private readonly em: () => EntityManager) {}

  async all(): Promise<Jurisdiction[]> {
    if (Date.now() - this.loadedAt > TTL_MS) {
      const rows = await this.em().find(Jurisdiction, {});
      this.nodes = new Map(rows.map((j) => [j.id, j]));
      this.loadedAt = Date.now();
    }
    return [...this.nodes.values()];
  }

  /** Whether `id` is `ancestorId` or lies below it. */
  async isWithin(ancestorId: string, id: string): Promise<boolean> {
    await this.all();
    for (let j = this.nodes.get(id); j; j = j.parentId ? this.nodes.get(j.parentId) : undefined) {
      if (j.id === ancestorId) return true;
    }
    return false;
  }

  /** `rootId` and every jurisdiction below it. */
  async within(rootId: string): Promise<string[]> {
    const all = await this.all();
    const ids: string[] = [];
    for (const j of all) if (await this.isWithin(rootId, j.id)) ids.push(j.id);
    return ids;
  }

  /** The jurisdictions above `id`, nearest first. */
  async ancestorsOf(id: string): Promise<string[]> {
    await this.all();
    const ids: string[] = [];
    for (
      let j = this.nodes.get(this.nodes.get(id)?.parentId ?? '');
      j;
      j = j.parentId ? this.nodes.get(j.parentId) : undefined
    ) {
      ids.push(j.id);
    }
    return ids;
  }

  /**
   * The platform's own jurisdiction: the highest jurisdiction of level `city` (one with no city above it), whose
   * management unit alone may change what applies city-wide (api/city-wide.ts). Null when there is not exactly
   * one, and then no one may.
   */
  async cityTop(): Promise<Jurisdiction | null> {
    const all = await this.all();
    const byId = new Map(all.map((j) => [j.id, j]));
    const tops = all.filter((j) => {
      if (j.level !== 'city') return false;
      for (
        let p = j.parentId ? byId.get(j.parentId) : undefined;
        p;
        p = p.parentId ? byId.get(p.parentId) : undefined
      ) {
        if (p.level === 'city') return false;
      }
      return true;
    });
    return tops.length === 1 ? tops[0]! : null;
  }

  async name(id: string): Promise<string> {
    await this.all();
    return this.nodes.get(id)?.name ?? id;
  }
}
