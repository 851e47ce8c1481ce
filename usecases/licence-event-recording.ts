/**
 * Issue 12 Build 1 (LM-8, SM-12): signing and recording one lifecycle event of a licence. In one transaction, with
 * the licence locked: the transition is checked again against the licence's state now (domain/licence-lifecycle.ts),
 * the event document is signed by the issuing unit's seal under its standing licence authorisation (one use, the
 * signature's id is the event's, so a retry finds it), the licence's state is updated, the exchange message put in
 * the outbox and the event marked recorded. Idempotent: a recorded event answers recorded again, and nothing is
 * written twice. Runs on the signing task queue only (it decrypts the seal's key).
 */
import { createHash, randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditActor, AuditEntry, SYSTEM_ACTOR } from '../db/audit';
import { AppUser, Organisation } from '../db/entities';
import { ExchangeOutbox, Licence, LicenceEvent, LicenceType } from '../db/licence-entities';
import { licenceSealDocumentTitle } from '../domain/licence';
import {
  applyEvent,
  canonicalEventDocument,
  EVENT_EXTRA_FIELDS,
  isRefusal,
  LICENCE_EVENT_FORMAT,
  LICENCE_EVENT_RULES,
  LicenceEventBody,
  LicenceEventDocument,
  LifecycleState,
  lifecycleExchangeEvent,
} from '../domain/licence-lifecycle';
import { SealUseError } from '../domain/seal-use';
import { findLicenceAuthorisation } from './licence-authorisation';
import { storeNewVersion } from './licence-new-version';
import { signingTransaction, signUnderAuthorisation } from './seal-signing';

export type RecordEventResult =
  | { outcome: 'recorded' }
  | { outcome: 'awaiting_seal'; reason: string }
  | { outcome: 'failed'; reason: string };

export async function signAndRecordEvent(
  em: EntityManager,
  input: { eventId: string; now: Date; pkiMasterKey: string },
): Promise<RecordEventResult> {
  const event = await em.findOneOrFail(LicenceEvent, { id: input.eventId }, { disableIdentityMap: true });
  if (event.status === 'recorded') return { outcome: 'recorded' };
  if (event.status === 'failed' || event.status === 'rejected')
    return { outcome: 'failed', reason: event.statusReason ?? '' };
  const licence = await em.findOneOrFail(Licence, { id: event.licenceId }, { disableIdentityMap: true });
  const type = await em.findOneOrFail(LicenceType, { id: licence.typeId }, { disableIdentityMap: true });
  const issuer = await em.findOneOrFail(Organisation, { id: licence.issuerOrganisationId });
  const title = licenceSealDocumentTitle(type.definition);
  const authorisation = await findLicenceAuthorisation(em, {
    organisationId: issuer.id,
    sealKind: type.definition.sealKind,
    title,
    now: input.now,
  });
  if (!authorisation) {
    // SM-12
    return { outcome: 'awaiting_seal', reason: `${issuer.name}没有可用于“${title}”的用印授权` };
  }
  const actor = await actorOf(em, event.requestedBy);
  try {
    return await signingTransaction(em, (tx) =>
      recordIn(tx, { event, type, issuer, title, authorisation, actor, input }),
    );
  } catch (err) {
    // The authorisation was used up or revoked in between: the workflow tries again with the next one.
    if (err instanceof SealUseError) return { outcome: 'awaiting_seal', reason: err.message };
    throw err;
  }
}

async function actorOf(em: EntityManager, userId: string): Promise<AuditActor> {
  const user = await em.findOne(AppUser, { id: userId }, { disableIdentityMap: true });
  if (!user) return SYSTEM_ACTOR;
  return { userId: user.id, username: user.username, roles: user.roles, organisationId: user.organisationId };
}

async function recordIn(
  tx: EntityManager,
  p: {
    event: LicenceEvent;
    type: LicenceType;
    issuer: Organisation;
    title: string;
    authorisation: { id: string; sealId: string; granteeId: string };
    actor: AuditActor;
    input: { now: Date; pkiMasterKey: string };
  },
): Promise<RecordEventResult> {
  const { event, input } = p;
  const licence = await tx.findOneOrFail(
    Licence,
    { id: event.licenceId },
    { lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true },
  );
  const body = event.request as unknown as LicenceEventBody;
  const requested = body.effectiveAt ? new Date(body.effectiveAt) : input.now;
  // A decision takes effect when it is made at the earliest; nothing takes effect before the licence's last event.
  const effectiveAt = new Date(Math.max(requested.getTime(), event.requestedAt.getTime()));
  const next = applyEvent(
    { status: licence.status, suspensions: licence.suspensions },
    event.kind,
    { id: event.id, at: effectiveAt.toISOString(), reason: body.reason, validTo: body.validTo },
    { validTo: licence.validTo },
  );
  if (isRefusal(next)) {
    await tx.nativeUpdate(LicenceEvent, { id: event.id }, { status: 'failed', statusReason: next.message });
    return { outcome: 'failed', reason: next.message };
  }
  // 补发 and 延续 (issue 12 Build 1): the event makes the licence's next version, which carries the new state.
  const newVersion =
    LICENCE_EVENT_RULES[event.kind].effect.type === 'new_version'
      ? await storeNewVersion(tx, {
          event,
          previous: licence,
          type: p.type,
          title: p.title,
          authorisation: p.authorisation,
          actor: p.actor,
          state: next,
          validTo: body.validTo ?? licence.validTo,
          now: input.now,
          pkiMasterKey: input.pkiMasterKey,
        })
      : null;
  // The event's own licence: its new state, or superseded by the new version and keeping its suspensions.
  const after: LifecycleState = newVersion
    ? { status: 'superseded', suspensions: licence.suspensions }
    : next;
  const fields = Object.fromEntries(EVENT_EXTRA_FIELDS.filter((f) => body[f]).map((f) => [f, body[f]!]));
  const document: LicenceEventDocument = {
    format: LICENCE_EVENT_FORMAT,
    identifier: licence.identifier,
    typeCode: licence.typeCode,
    kind: event.kind,
    caseId: event.caseId,
    legalBasis: body.legalBasis,
    reason: body.reason,
    effectiveAt: effectiveAt.toISOString(),
    fields,
    issuer: { name: p.issuer.name, code: p.issuer.uscc },
    stateAfter: { status: after.status, suspensions: after.suspensions.map((s) => s.kind) },
    ...(newVersion
      ? {
          newVersion: {
            identifier: newVersion.identifier,
            dataHash: newVersion.dataHash,
            validTo: newVersion.validTo,
            status: next.status,
          },
        }
      : {}),
  };
  const dataHash = createHash('sha256').update(canonicalEventDocument(document), 'utf8').digest('hex');
  // SM-12: the event's writes go before the use is taken (signUnderAuthorisation takes it last).
  await signUnderAuthorisation(
    tx,
    {
      signatureId: event.id,
      authorisationId: p.authorisation.id,
      sealId: p.authorisation.sealId,
      signerUserId: p.authorisation.granteeId,
      documentHash: dataHash,
      documentTitle: p.title,
      now: input.now,
      pkiMasterKey: input.pkiMasterKey,
      actor: p.actor,
      licencePurpose: {
        purpose: 'licence.lifecycle',
        identifier: licence.identifier,
        typeCode: licence.typeCode,
        sealKind: p.type.definition.sealKind,
        event: event.kind,
      },
    },
    async (w, signed) => {
      // A new version carries the state; the replaced one stays superseded with its suspensions (the lost one marked).
      if (!newVersion)
        await w.nativeUpdate(
          Licence,
          { id: licence.id },
          { status: next.status, suspensions: next.suspensions },
        );
      await w.nativeUpdate(
        LicenceEvent,
        { id: event.id },
        {
          status: 'recorded',
          statusReason: null,
          effectiveAt,
          stateAfter: after,
          dataHash,
          signature: signed.record,
          signatureId: signed.signatureId,
          recordedAt: input.now,
        },
      );
      await w.insert(ExchangeOutbox, {
        id: randomUUID(),
        licenceId: licence.id,
        event: lifecycleExchangeEvent(event.kind),
        // 补发 and 延续 carry the new version's signed export too: one message, pushed once.
        payload: {
          document,
          signature: signed.record,
          ...(newVersion ? { newVersion: newVersion.export } : {}),
        } as unknown as Record<string, unknown>,
        status: 'pending',
        attempts: 0,
        lastError: null,
        createdAt: input.now,
        deliveredAt: null,
      });
      const audit: AuditEntry = {
        actor: p.actor,
        action: `licence.event.${event.kind}`,
        targetType: 'licence',
        targetId: licence.identifier,
        outcome: 'success',
        eventKey: `licence.event:${event.id}`,
        details: {
          eventId: event.id,
          caseId: event.caseId,
          status: next.status,
          sealId: p.authorisation.sealId,
          newIdentifier: newVersion?.identifier ?? null,
        },
      };
      return { value: undefined, audits: [audit] };
    },
  );
  return { outcome: 'recorded' };
}
