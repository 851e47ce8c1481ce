/**
 * The jurisdiction tree and the units with their functions, held in each process and read again only when they
 * changed (issue 19: an approval step resolved its approvers from every jurisdiction and every unit with the
 * function, read afresh each time). Every change to `jurisdiction` or `organisation` takes a new number in
 * `directory_version` in its own transaction (a trigger, whoever writes), so one indexed read per use tells whether
 * the copy is current: a change counts from the first use after it commits, in every process.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganisationFunction } from '../domain/roles';
import type { JurisdictionLevel } from './entities';
import { copyPerKey, Versioned, VersionedCopy } from './versioned-copy';

export interface DirectoryJurisdiction {
  id: string;
  name: string;
  level: JurisdictionLevel;
  parentId: string | null;
  sealReviewChain: string[] | null;
}

export interface DirectoryUnit {
  id: string;
  name: string;
  jurisdictionId: string;
  functions: OrganisationFunction[];
}

export class Directory {
  readonly jurisdictions: ReadonlyMap<string, DirectoryJurisdiction>;
  readonly units: ReadonlyMap<string, DirectoryUnit>;

  constructor(jurisdictions: DirectoryJurisdiction[], units: DirectoryUnit[]) {
    this.jurisdictions = new Map(jurisdictions.map((j) => [j.id, j]));
    this.units = new Map(units.map((u) => [u.id, u]));
  }

  /** The units with a function, in the order of their ids (as the database sorts them). */
  unitsWith(fn: OrganisationFunction): DirectoryUnit[] {
    return [...this.units.values()].filter((u) => u.functions.includes(fn));
  }
}

async function directoryVersion(em: EntityManager): Promise<string> {
  const [row] = await em.execute<Array<{ version: string }>>(
    'select version::text as version from directory_version where id = 1',
  );
  return row?.version ?? '';
}

/** Both tables and the version they are at, in one statement (one snapshot). */
async function loadDirectory(em: EntityManager): Promise<Versioned<Directory>> {
  const [row] = await em.execute<
    Array<{ version: string; jurisdictions: DirectoryJurisdiction[] | null; units: DirectoryUnit[] | null }>
  >(`select (select version::text from directory_version where id = 1) as version,
       (select json_agg(json_build_object('id', id, 'name', name, 'level', level, 'parentId', parent_id,
          'sealReviewChain', seal_review_chain)) from jurisdiction) as jurisdictions,
       (select json_agg(json_build_object('id', id, 'name', name, 'jurisdictionId', jurisdiction_id,
          'functions', functions) order by id) from organisation) as units`);
  return {
    version: row?.version ?? '',
    value: new Directory(row?.jurisdictions ?? [], row?.units ?? []),
  };
}

const directoryCopyOf = copyPerKey(() => new VersionedCopy(directoryVersion, loadDirectory));

/** The directory as the database holds it now, from this process's copy (one per database: keyed by its driver). */
export function directoryOf(em: EntityManager): Promise<Directory> {
  return directoryCopyOf(em.getDriver()).get(em);
}
