/**
 * Issue 15 Build 3: a person leaves (deactivated) or moves to another unit. One transaction changes the account,
 * records the change and revokes the person's live seal-use authorisations (SM-12: they no longer sign for the
 * unit), each with its own audit entry. Keyed by the change's id: a retried activity changes nothing twice.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { type AuditActor, recordAudit } from '../db/audit';
import { AppUser, AuditEvent } from '../db/entities';
import { SealUseAuthorisation } from '../db/seal-use-entities';
import type { ReleaseReason } from '../domain/approval-release';
import type { UserRole } from '../domain/roles';

export interface PersonChange {
  changeId: string;
  userId: string;
  reason: ReleaseReason;
  /** For a move: the unit they go to, and their roles there. */
  move?: { organisationId: string; roles: UserRole[] };
  note: string | null;
  actor: AuditActor;
  requestId?: string;
  ip?: string;
}

const eventKey = (changeId: string, part = '') => `person-change:${changeId}${part}`;

/** Applies the change once; false when it was applied before (a retry). */
export async function applyPersonChange(em: EntityManager, c: PersonChange): Promise<boolean> {
  return em.transactional(async (tx) => {
    if (await tx.findOne(AuditEvent, { eventKey: eventKey(c.changeId) })) return false;
    const person = await tx.findOneOrFail(AppUser, { id: c.userId });
    const from = person.organisationId;
    await tx.nativeUpdate(AppUser, { id: c.userId }, c.move ? { ...c.move } : { active: false });
    await audit(tx, c, c.move ? 'user.move' : 'user.deactivate', 'user', c.userId, eventKey(c.changeId), {
      from,
      ...(c.move ?? {}),
      note: c.note,
    });
    const live = await tx.find(SealUseAuthorisation, { granteeId: c.userId, status: 'active' });
    for (const a of live) {
      await tx.nativeUpdate(SealUseAuthorisation, { id: a.id, status: 'active' }, { status: 'revoked' });
      await audit(
        tx,
        c,
        'seal_use.authorisation_revoke',
        'seal_use_authorisation',
        a.id,
        eventKey(c.changeId, `:${a.id}`),
        {
          sealId: a.sealId,
          granteeId: c.userId,
          because: c.reason,
        },
      );
    }
    return true;
  });
}

function audit(
  tx: EntityManager,
  c: PersonChange,
  action: string,
  targetType: string,
  targetId: string,
  key: string,
  details: Record<string, unknown>,
) {
  return recordAudit(tx, {
    actor: c.actor,
    action,
    targetType,
    targetId,
    outcome: 'success',
    details,
    eventKey: key,
    requestId: c.requestId,
    ip: c.ip,
  });
}
