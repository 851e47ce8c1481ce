/**
 * The dated versions of an organisation (issue 15): each change writes the unit's whole state with the day it takes
 * effect; a seeded unit gets its state before its first change as version 1 (baseline). Shared by the registry's
 * edits and the reorganisation.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Organisation } from '../db/entities';
import { OrganisationVersion } from '../db/organisation-entities';
import type { OrganisationChangeKind } from '../domain/organisation-registry';
import { shanghaiDate } from '../domain/format';

export type OrganisationState = Pick<
  Organisation,
  'name' | 'uscc' | 'jurisdictionId' | 'parentId' | 'functions'
>;

export function pickState(o: Organisation): OrganisationState {
  return {
    name: o.name,
    uscc: o.uscc,
    jurisdictionId: o.jurisdictionId,
    parentId: o.parentId,
    functions: o.functions,
  };
}

/** A unit kept before issue 15 (seeded) gets version 1, its state as it was, before its first change. */
export async function ensureBaseline(tx: EntityManager, unit: Organisation): Promise<void> {
  if ((await tx.count(OrganisationVersion, { organisationId: unit.id })) > 0) return;
  await writeVersion(
    tx,
    unit.id,
    'baseline',
    pickState(unit),
    false,
    shanghaiDate(unit.createdAt),
    null,
    'system',
  );
}

export async function writeVersion(
  tx: EntityManager,
  organisationId: string,
  change: OrganisationChangeKind,
  state: OrganisationState,
  closed: boolean,
  effectiveFrom: string,
  reason: string | null | undefined,
  changedBy: string,
): Promise<void> {
  const last = await tx.findOne(OrganisationVersion, { organisationId }, { orderBy: { version: 'desc' } });
  tx.create(OrganisationVersion, {
    id: randomUUID(),
    organisationId,
    version: (last?.version ?? 0) + 1,
    change,
    ...state,
    closed,
    effectiveFrom,
    reason: reason ?? null,
    changedBy,
    changedAt: new Date(),
  });
  await tx.flush();
}
