/**
 * Flow definitions in the database: versioned per process kind and scope (one organisation, a jurisdiction level's
 * default, or the platform default). Saving makes a new version as a draft, which changes nothing; publishing makes
 * a draft the active version of its scope and supersedes the previous one; restoring makes a new active version
 * with the steps of a superseded one. Running processes keep the snapshot they started with. The defaults (domain
 * DEFAULT_FLOWS) are seeded, active, at database preparation. Who may do what, and the dry run that must pass
 * before a version becomes active, are the service's (api/services/flow-definitions.ts).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DEFAULT_FLOWS, FlowSnapshot, ProcessKind } from '../domain/flow-definition';
import { FlowDefinitionBody } from '../domain/flow-definition-schema';
import { FlowDefinition } from './approval-entities';
import type { JurisdictionLevel } from './entities';

export interface FlowScope {
  organisationId: string | null;
  jurisdictionLevel: JurisdictionLevel | null;
}

export function scopeOf(d: { organisationId?: string | null; jurisdictionLevel?: JurisdictionLevel | null }) {
  return { organisationId: d.organisationId ?? null, jurisdictionLevel: d.jurisdictionLevel ?? null };
}

/**
 * Serialises every change of one scope (saves, publishes, restores), so that two editors get consecutive versions
 * and one active version, not a unique-key failure. Inside a transaction only.
 */
async function lockScope(tx: EntityManager, kind: ProcessKind, scope: FlowScope): Promise<void> {
  await tx
    .getConnection()
    .execute('select pg_advisory_xact_lock(hashtext(?))', [
      `flow:${kind}:${scope.organisationId ?? ''}:${scope.jurisdictionLevel ?? ''}`,
    ]);
}

async function nextVersion(tx: EntityManager, kind: ProcessKind, scope: FlowScope): Promise<number> {
  const previous = await tx.find(
    FlowDefinition,
    { kind, ...scope },
    { orderBy: { version: 'desc' }, limit: 1 },
  );
  return (previous[0]?.version ?? 0) + 1;
}

/** Saves a definition as the next version of its scope, as a draft: no process, running or new, is affected. */
export async function saveFlowDefinition(
  em: EntityManager,
  body: FlowDefinitionBody,
  createdBy: string,
): Promise<FlowDefinition> {
  const scope = scopeOf(body);
  return em.transactional(async (tx) => {
    await lockScope(tx, body.kind, scope);
    const definition = tx.create(FlowDefinition, {
      id: randomUUID(),
      kind: body.kind,
      name: body.name,
      ...scope,
      version: await nextVersion(tx, body.kind, scope),
      steps: body.steps,
      status: 'draft',
      createdBy,
      createdAt: new Date(),
      publishedAt: null,
      publishedBy: null,
      restoredFromId: null,
    });
    await tx.flush();
    return definition;
  });
}

export type ActivationRefusal =
  /** No version with that id. */
  | { reason: 'not_found' }
  /** Publishing: the version is not a draft (already active, or superseded). */
  | { reason: 'not_draft'; status: FlowDefinition['status'] }
  /** Publishing: a later version of the scope is active already; this draft is out of date. */
  | { reason: 'newer_active'; activeVersion: number }
  /** Restoring: only a superseded version can be restored. */
  | { reason: 'not_superseded'; status: FlowDefinition['status'] };

export type ActivationResult =
  | { ok: true; definition: FlowDefinition; superseded: FlowDefinition | null }
  | ({ ok: false } & ActivationRefusal);

/**
 * Makes a draft the active version of its scope and supersedes the active one, in one transaction under the scope's
 * lock. A draft older than the active version is refused: publishing it would silently undo a later decision.
 */
export async function publishFlowDefinition(
  em: EntityManager,
  id: string,
  publishedBy: string,
): Promise<ActivationResult> {
  const found = await em.fork().findOne(FlowDefinition, { id });
  if (!found) return { ok: false, reason: 'not_found' };
  const scope = scopeOf(found);
  return em.transactional(async (tx) => {
    await lockScope(tx, found.kind, scope);
    const draft = await tx.findOneOrFail(FlowDefinition, { id }, { refresh: true });
    if (draft.status !== 'draft') return { ok: false, reason: 'not_draft', status: draft.status };
    const active = await tx.findOne(FlowDefinition, { kind: draft.kind, ...scope, status: 'active' });
    if (active && active.version > draft.version) {
      return { ok: false, reason: 'newer_active', activeVersion: active.version };
    }
    const now = new Date();
    if (active) {
      active.status = 'superseded';
      await tx.flush(); // before the draft becomes active: one active version per scope (unique index)
    }
    draft.status = 'active';
    draft.publishedAt = now;
    draft.publishedBy = publishedBy;
    await tx.flush();
    return { ok: true, definition: draft, superseded: active };
  });
}

/**
 * Makes a new active version of a superseded one's scope with its name and steps (the next version number, so
 * that the history reads forward), and supersedes the active one, in one transaction under the scope's lock.
 */
export async function restoreFlowDefinition(
  em: EntityManager,
  sourceId: string,
  restoredBy: string,
): Promise<ActivationResult> {
  const found = await em.fork().findOne(FlowDefinition, { id: sourceId });
  if (!found) return { ok: false, reason: 'not_found' };
  const scope = scopeOf(found);
  return em.transactional(async (tx) => {
    await lockScope(tx, found.kind, scope);
    const source = await tx.findOneOrFail(FlowDefinition, { id: sourceId }, { refresh: true });
    if (source.status !== 'superseded') return { ok: false, reason: 'not_superseded', status: source.status };
    const active = await tx.findOne(FlowDefinition, { kind: source.kind, ...scope, status: 'active' });
    const now = new Date();
    if (active) {
      active.status = 'superseded';
      await tx.flush();
    }
    const restored = tx.create(FlowDefinition, {
      id: randomUUID(),
      kind: source.kind,
      name: source.name,
      ...scope,
      version: await nextVersion(tx, source.kind, scope),
      steps: source.steps,
      status: 'active',
      createdBy: restoredBy,
      createdAt: now,
      publishedAt: now,
      publishedBy: restoredBy,
      restoredFromId: source.id,
    });
    await tx.flush();
    return { ok: true, definition: restored, superseded: active };
  });
}

/**
 * The definition a new process of an organisation follows: the organisation's own, else the default for its
 * jurisdiction level, else the platform default. Only active versions count; drafts never do.
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

/**
 * Seeds the platform default of each kind that has none yet, active at once (the defaults are the platform's
 * starting point, reviewed in code); never touches an administrator's versions.
 */
export async function seedDefaultFlows(em: EntityManager): Promise<void> {
  for (const flow of DEFAULT_FLOWS) {
    const body = FlowDefinitionBody.parse(flow);
    const existing = await em.findOne(FlowDefinition, {
      kind: body.kind,
      organisationId: null,
      jurisdictionLevel: null,
    });
    if (existing) continue;
    const draft = await saveFlowDefinition(em, body, 'system');
    const published = await publishFlowDefinition(em, draft.id, 'system');
    if (!published.ok) throw new Error(`seeding the default ${body.kind} flow: ${published.reason}`);
  }
}
