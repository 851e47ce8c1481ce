/**
 * Recording a supervision finding (LM-28) once per source: the key names what was found (a case, a dispute
 * breach, a licence), so an activity retried or a supervision run repeated adds nothing twice.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FINDING_RULES, FindingRule } from '../domain/supervision';

export interface NewFinding {
  organisationId: string;
  rule: FindingRule;
  evidence: Record<string, unknown>;
  foundAt: Date;
  sourceKey: string;
}

/** Inserts the finding unless its source was found before; true when it is new. */
export async function recordFinding(em: EntityManager, f: NewFinding): Promise<boolean> {
  const rows: unknown[] = await em.execute(
    `insert into supervision_finding (id, organisation_id, kind, rule, evidence, found_at, state, source_key)
     values (?, ?, ?, ?, ?::jsonb, ?, 'new', ?)
     on conflict (source_key) do nothing returning id`,
    [
      randomUUID(),
      f.organisationId,
      FINDING_RULES[f.rule],
      f.rule,
      JSON.stringify(f.evidence),
      f.foundAt,
      f.sourceKey,
    ],
  );
  return rows.length > 0;
}

/** Adds to a finding's evidence (what was learnt later, e.g. when the licence finally arrived). */
export async function addEvidence(
  em: EntityManager,
  sourceKey: string,
  more: Record<string, unknown>,
): Promise<void> {
  await em.execute(`update supervision_finding set evidence = evidence || ?::jsonb where source_key = ?`, [
    JSON.stringify(more),
    sourceKey,
  ]);
}
