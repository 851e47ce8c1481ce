/**
 * The audit log (LM-25): who (user, roles, organisation) did what (action) to what (target), when, and with what
 * outcome. Rows are only ever inserted; the database chains each row to the previous one by hash and refuses
 * UPDATE and early DELETE (migration 20261202000100, db/audit-chain.ts). An event with an `eventKey` is written
 * once however often it is retried.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEvent, AuditOutcome } from './entities';

export interface AuditActor {
  userId: string | null;
  username: string;
  roles: string[];
  organisationId: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, username: 'system', roles: [], organisationId: null };

export interface AuditEntry {
  actor: AuditActor;
  action: string;
  targetType: string;
  targetId: string | null;
  outcome: AuditOutcome;
  details?: Record<string, unknown>;
  eventKey?: string;
  requestId?: string;
  ip?: string;
}

export async function recordAudit(em: EntityManager, entry: AuditEntry): Promise<void> {
  await recordAudits(em, [entry]);
}

/** Several audit rows in one multi-row INSERT (issue 19 Build 3: one round trip per transaction, not one per row). */
export async function recordAudits(em: EntityManager, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const at = new Date();
  const qb = em.createQueryBuilder(AuditEvent).insert(
    entries.map((entry) => ({
      eventKey: entry.eventKey ?? null,
      at,
      actorUserId: entry.actor.userId,
      actorUsername: entry.actor.username,
      actorRoles: entry.actor.roles,
      actorOrganisationId: entry.actor.organisationId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      outcome: entry.outcome,
      details: entry.details ?? {},
      requestId: entry.requestId ?? null,
      ip: entry.ip ?? null,
    })),
  );
  // A row without a key never conflicts; a keyed one is written once however often it is retried.
  if (entries.some((e) => e.eventKey)) qb.onConflict('eventKey').ignore();
  await qb.execute();
}
