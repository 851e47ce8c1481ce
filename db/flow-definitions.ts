/**
 * Flow definitions in the database: versioned per process kind and scope (one organisation, a jurisdiction level's
 * default, or the platform default). Saving makes a new version and supersedes the previous one; running processes
 * keep the snapshot they started with. The defaults (domain DEFAULT_FLOWS) are seeded at database preparation.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FlowDefinitionBody, DEFAULT_FLOWS, FlowSnapshot, ProcessKind } from '../domain/flow-definition';
import { FlowDefinition } from './approval-entities';
import type { JurisdictionLevel } from './entities';

export interface FlowScope {
  organisationId: string | null;
  jurisdictionLevel: JurisdictionLevel | null;
}

/** Saves a definition as the next version of its scope; the previous active version is superseded. */
export async function saveFlowDefinition(
  em: EntityManager,
  body: FlowDefinitionBody,
  createdBy: string,
): Promise<FlowDefinition> {
  const scope: FlowScope = {
    organisationId: body.organisationId ?? null,
    jurisdictionLevel: body.jurisdictionLevel ?? null,
  };
  return em.transactional(async (tx) => {
    // Serialise saves of one scope so that two editors get consecutive versions, not a unique-key failure.
    await tx
      .getConnection()
      .execute('select pg_advisory_xact_lock(hashtext(?))', [
        `flow:${body.kind}:${scope.organisationId ?? ''}:${scope.jurisdictionLevel ?? ''}`,
      ]);
    const previous = await tx.find(
      FlowDefinition,
      { kind: body.kind, ...scope },
      { orderBy: { version: 'desc' }, limit: 1 },
    );
    const version = (previous[0]?.version ?? 0) + 1;
    await tx.nativeUpdate(
      FlowDefinition,
      { kind: body.kind, ...scope, status: 'active' },
      { status: 'superseded' },
    );
    const definition = tx.create(FlowDefinition, {
      id: randomUUID(),
      kind: body.kind,
      name: body.name,
      ...scope,
      version,
      steps: body.steps,
      status: 'active',
      createdBy,
      createdAt: new Date(),
    });
    await tx.flush();
    return definition;
  });
}

/**
 * The definition a new process of an organisation follows: the organisation's own, else the default for its
 * jurisdiction level, else the platform default.
 */
export async function activeFlowFor(
  em: EntityManager,
  kind: ProcessKind,
  organisationId: string,
  jurisdictionLevel: JurisdictionLevel,
): Promise<FlowDefinition | null> {
  for (const scope of [
    { organisationId, jurisdictionLevel: null },
    { organisationId: null, jurisdictionLevel },
    { organisationId: null, jurisdictionLevel: null },
  ]) {
    const found = await em.findOne(FlowDefinition, { kind, ...scope, status: 'active' });
    if (found) return found;
  }
  return null;
}

export function snapshotOf(d: FlowDefinition): FlowSnapshot {
  return { definitionId: d.id, version: d.version, name: d.name, kind: d.kind, steps: d.steps };
}

/** Seeds the platform default of each kind that has none yet; never touches an administrator's versions. */
export async function seedDefaultFlows(em: EntityManager): Promise<void> {
  for (const flow of DEFAULT_FLOWS) {
    const body = FlowDefinitionBody.parse(flow);
    const existing = await em.findOne(FlowDefinition, {
      kind: body.kind,
      organisationId: null,
      jurisdictionLevel: null,
    });
    if (!existing) await saveFlowDefinition(em, body, 'system');
  }
}
