/**
 * Issue 15 Build 3: a person leaves (deactivated) or moves to another unit. One transaction changes the account,
 * records the change and revokes the person's live seal-use authorisations (SM-12: they no longer sign for the
 * unit; a standing licence-signing authorisation passes to the unit leader's decision instead) and the custody of
 * its seals (SM-14: the deputy takes over), each with its own audit entry. Keyed by the change's id: a retried
 * activity changes nothing twice.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { type AuditActor, recordAudit } from '../db/audit';
import { AppUser, AuditEvent, Seal } from '../db/entities';
import { SealUseAuthorisation, SealUseHandover } from '../db/seal-use-entities';
import type { ReleaseReason } from '../domain/approval-release';
import type { WorkingCalendar } from '../domain/calendar';
import { isStandingLicenceAuthorisation, sealUseHandoverDeadline } from '../domain/seal-use';
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

/**
 * Applies the change once; false when it was applied before (a retry). The calendar gives the unit leader's
 * deadline for each standing authorisation handed over.
 */
export async function applyPersonChange(
  em: EntityManager,
  c: PersonChange,
  calendar: WorkingCalendar,
): Promise<boolean> {
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
      if (isStandingLicenceAuthorisation(a.documents)) {
        await handOver(tx, c, a, calendar);
        continue;
      }
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
    if (!c.move || c.move.organisationId !== from) await releaseCustody(tx, c, from);
    return true;
  });
}

/**
 * SM-12: a standing licence-signing authorisation is not revoked (the platform's issuance would stop) but put to the
 * leader of the seal's unit, who keeps it (for themselves or a named person) or revokes it
 * (api/services/seal-use-handovers.ts) by a working-day deadline, reminded and escalated by
 * workflows/seal-use-handover.ts; it stays usable meanwhile. Audited; the decision is a 待办 task of the leaders.
 */
async function handOver(
  tx: EntityManager,
  c: PersonChange,
  a: SealUseAuthorisation,
  calendar: WorkingCalendar,
): Promise<void> {
  const seal = await tx.findOneOrFail(Seal, { id: a.sealId }, { fields: ['id', 'organisationId'] });
  const id = `${c.changeId}:${a.id}`;
  const openedAt = new Date();
  const due = sealUseHandoverDeadline(calendar, openedAt);
  tx.create(SealUseHandover, {
    id,
    authorisationId: a.id,
    sealId: a.sealId,
    organisationId: seal.organisationId,
    leavingUserId: c.userId,
    changeId: c.changeId,
    reason: c.reason,
    status: 'pending',
    dueAt: new Date(due.dueAt),
    dueProvisional: due.provisional,
    createdAt: openedAt,
  });
  await tx.flush();
  await audit(
    tx,
    c,
    'seal_use.authorisation_handover',
    'seal_use_authorisation',
    a.id,
    eventKey(c.changeId, `:${a.id}`),
    {
      sealId: a.sealId,
      granteeId: c.userId,
      because: c.reason,
      handoverId: id,
      decidedBy: 'unit_leader',
    },
  );
}

/**
 * SM-14: a person who leaves the unit keeps none of its seals. Where they were the custodian the deputy takes over
 * (the seal names no deputy then); with no deputy the seal names nobody and refuses signing until a custodian
 * change is approved. Where they were the deputy, the seal names none. Each seal's change is audited.
 */
async function releaseCustody(tx: EntityManager, c: PersonChange, organisationId: string): Promise<void> {
  const kept = await tx.find(
    Seal,
    { organisationId, $or: [{ custodianId: c.userId }, { deputyCustodianId: c.userId }] },
    { fields: ['id', 'custodianId', 'deputyCustodianId'] },
  );
  for (const seal of kept) {
    const next =
      seal.custodianId === c.userId
        ? { custodianId: seal.deputyCustodianId, deputyCustodianId: null }
        : { custodianId: seal.custodianId, deputyCustodianId: null };
    const name = next.custodianId
      ? (await tx.findOneOrFail(AppUser, { id: next.custodianId })).displayName
      : null;
    await tx.nativeUpdate(Seal, { id: seal.id }, { ...next, ...(name ? { custodianName: name } : {}) });
    await audit(tx, c, 'seal.custodian_release', 'seal', seal.id, eventKey(c.changeId, `:seal:${seal.id}`), {
      leaving: c.userId,
      because: c.reason,
      custodianId: next.custodianId,
    });
  }
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
