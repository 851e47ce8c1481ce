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
  const qb = em.createQueryBuilder(AuditEvent).insert({
    eventKey: entry.eventKey ?? null,
    at: new Date(),
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
  });
  if (entry.eventKey) qb.onConflict('eventKey').ignore();
  await qb.execute();
}

/**
 * Anonymous verifications (LM-19) are counted per Asia/Shanghai day, identifier (empty for a document without
 * one), channel and result, not logged one row each: one upsert, so the audit log stays insert-only and bounded.
 */
export async function countAnonymousVerification(
  em: EntityManager,
  identifier: string | null,
  channel: string,
  indication: string,
): Promise<void> {
  await em.execute(
    `insert into anonymous_verification_count as c (day, identifier, channel, indication, count, last_at)
     values ((now() at time zone 'Asia/Shanghai')::date, ?, ?, ?, 1, now())
     on conflict (day, identifier, channel, indication)
     do update set count = c.count + 1, last_at = excluded.last_at`,
    [(identifier ?? '').slice(0, 200), channel, indication],
  );
}
