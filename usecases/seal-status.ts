/**
 * Applying a change of a seal's status (issue 12 Build 5, SM-15, SM-16): the seal row, its history entry and the
 * audit event in one transaction, once per event key (a retried activity or a replayed request finds its own
 * entry). The rules are domain/seal-status.ts's; a forbidden change throws SealStatusConflict.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditActor, recordAudit } from '../db/audit';
import { Seal } from '../db/entities';
import { SealStatusChange } from '../db/seal-status-entities';
import { SealStatusConflict, SealStatusEvent, STATUS_AFTER, transitionProblem } from '../domain/seal-status';

export interface SealStatusChangeInput {
  sealId: string;
  event: Exclude<SealStatusEvent, 'made'>;
  reason: string;
  /** When it takes effect; for a loss or a restoration, now. */
  effectiveAt: Date;
  actor: AuditActor;
  /** Once per key: `seal.<event>:<request or case id>`. */
  eventKey: string;
  requestId?: string | null;
  httpRequestId?: string;
  ip?: string;
}

/** Applies the change inside `tx`; 'already' when an entry under the same key exists. */
export async function changeSealStatus(
  tx: EntityManager,
  input: SealStatusChangeInput,
): Promise<'changed' | 'already'> {
  const done = await tx.findOne(SealStatusChange, { eventKey: input.eventKey }, { disableIdentityMap: true });
  if (done) return 'already';
  const rows: Array<{ status: Seal['status'] }> = await tx.execute(
    `select status from seal where id = ? for update`,
    [input.sealId],
  );
  const current = rows[0]?.status;
  if (!current) throw new Error(`seal ${input.sealId} does not exist`);
  const problem = transitionProblem(current, input.event);
  if (problem) throw new SealStatusConflict(problem);
  const status = STATUS_AFTER[input.event];
  await tx.nativeUpdate(
    Seal,
    { id: input.sealId },
    { status, statusSince: input.effectiveAt, statusReason: status === 'active' ? null : input.reason },
  );
  await tx.insert(SealStatusChange, {
    id: randomUUID(),
    sealId: input.sealId,
    status,
    event: input.event,
    reason: input.reason,
    effectiveAt: input.effectiveAt,
    recordedAt: new Date(),
    actorUsername: input.actor.username,
    requestId: input.requestId ?? null,
    eventKey: input.eventKey,
  });
  await recordAudit(tx, {
    actor: input.actor,
    action: `seal.${input.event}`,
    targetType: 'seal',
    targetId: input.sealId,
    outcome: 'success',
    eventKey: input.eventKey,
    details: {
      from: current,
      to: status,
      reason: input.reason,
      effectiveAt: input.effectiveAt.toISOString(),
      requestId: input.requestId ?? null,
    },
    requestId: input.httpRequestId,
    ip: input.ip,
  });
  return 'changed';
}

/** The first history entry of a new seal (made, active), in the transaction that stores it. */
export async function recordSealMade(tx: EntityManager, sealId: string, at: Date): Promise<void> {
  await tx.insert(SealStatusChange, {
    id: `made-${sealId}`,
    sealId,
    status: 'active',
    event: 'made',
    reason: '',
    effectiveAt: at,
    recordedAt: at,
    actorUsername: 'system',
    requestId: null,
    eventKey: `seal.made:${sealId}`,
  });
}
