/**
 * Issue 12 Build 2 and 3 (LM-8, WP-(三)5): one page of the daily expiry sweep (workflows/licence-expiry-sweep.ts).
 * For each licence in force with an end date, in id order after the cursor: once its last day has passed it is
 * marked expired (an `expiry` event recorded by the platform, unique per licence, with its exchange message); before
 * that, the reminder due on the day (domain/licence-expiry.ts) is e-mailed to the holder, once per licence and
 * offset (the mail's idempotency key). A page run twice — a worker killed between its writes and its completion —
 * finds the expiry recorded and the mail sent, and does neither again.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { Organisation } from '../db/entities';
import { ExchangeOutbox, Licence, LicenceType } from '../db/licence-entities';
import type { Orm } from '../db/orm';
import { addCalendarDays, startOfShanghaiDay } from '../domain/calendar';
import { licenceVerifyUrl } from '../domain/licence';
import {
  daysUntil,
  expiredOn,
  MAX_REMINDER_DAYS,
  reminderDue,
  reminderMailKey,
} from '../domain/licence-expiry';
import { lifecycleExchangeEvent, type LifecycleState } from '../domain/licence-lifecycle';
import type { Mailer } from '../mail/mailer';
import { sendMailOnce } from './mail';

export interface SweepPage {
  /** The id of the last licence looked at, or null when the page was the last. */
  nextAfter: string | null;
  seen: number;
  expired: number;
  reminded: number;
}

export interface LicenceExpiryActivities {
  sweepExpiryPage(req: { date: string; after: string | null; pageSize: number }): Promise<SweepPage>;
}

/** The platform's own actor for events nobody requested. */
export const PLATFORM_USER = 'platform';

export function createLicenceExpiryActivities(deps: {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}): LicenceExpiryActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async sweepExpiryPage({ date, after, pageSize }) {
      const em = fork();
      // Licences in force whose end is within the longest reminder horizon: the partial index keeps this cheap.
      const rows: Array<{ id: string }> = await em.execute(
        `select id from licence
          where status in ('valid','suspended') and valid_to is not null and valid_to <= ? and id > ?
          order by id limit ?`,
        [addCalendarDays(date, MAX_REMINDER_DAYS), after ?? '', pageSize],
      );
      const page: SweepPage = { nextAfter: null, seen: rows.length, expired: 0, reminded: 0 };
      for (const { id } of rows) {
        const licence = await em.findOneOrFail(Licence, { id }, { disableIdentityMap: true });
        if (expiredOn(licence.validTo, date)) {
          if (await recordExpiry(em, licence)) page.expired++;
        } else if ((await remind(em, deps, licence, date)) === 'sent') page.reminded++;
      }
      if (rows.length === pageSize) page.nextAfter = rows[rows.length - 1]!.id;
      return page;
    },
  };
}

/** Marks the licence expired with an `expiry` event (once: the event's case id is the licence's). */
async function recordExpiry(em: EntityManager, licence: Licence): Promise<boolean> {
  return em.transactional(async (tx) => {
    const effectiveAt = startOfShanghaiDay(addCalendarDays(licence.validTo!, 1));
    const stateAfter: LifecycleState = { status: 'expired', suspensions: [] };
    const request = { legalBasis: '有效期届满', reason: `有效期至 ${licence.validTo}` };
    const eventId = randomUUID();
    const caseId = `platform-expiry-${licence.id}`;
    const inserted: Array<{ id: string }> = await tx.execute(
      `insert into licence_event (id, licence_id, organisation_id, case_id, kind, request, request_fingerprint,
         workflow_id, status, effective_at, state_after, requested_by, requested_at, recorded_at)
       values (?, ?, ?, ?, 'expiry', ?::jsonb, ?, '', 'recorded', ?, ?::jsonb, ?, now(), now())
       on conflict (organisation_id, case_id) do nothing returning id`,
      [
        eventId,
        licence.id,
        licence.issuerOrganisationId,
        caseId,
        JSON.stringify(request),
        createHash('sha256').update(caseId).digest('hex'),
        effectiveAt,
        JSON.stringify(stateAfter),
        PLATFORM_USER,
      ],
    );
    if (inserted.length === 0) return false;
    await tx.nativeUpdate(
      Licence,
      { id: licence.id, status: { $in: ['valid', 'suspended'] } },
      { status: 'expired', suspensions: [] },
    );
    await tx.insert(ExchangeOutbox, {
      id: randomUUID(),
      licenceId: licence.id,
      event: lifecycleExchangeEvent('expiry'),
      payload: {
        document: {
          identifier: licence.identifier,
          kind: 'expiry',
          effectiveAt: effectiveAt.toISOString(),
          ...request,
        },
      },
      status: 'pending',
      attempts: 0,
      lastError: null,
      createdAt: new Date(),
      deliveredAt: null,
    });
    await recordAudit(tx, {
      actor: SYSTEM_ACTOR,
      action: 'licence.event.expiry',
      targetType: 'licence',
      targetId: licence.identifier,
      outcome: 'success',
      eventKey: `licence.event:${caseId}`,
      details: { eventId, validTo: licence.validTo },
    });
    return true;
  });
}

/** E-mails the reminder due today, if any and not sent before (WP-(三)5). */
async function remind(
  em: EntityManager,
  deps: { mailer: Mailer; publicUrl: string },
  licence: Licence,
  date: string,
): Promise<'sent' | 'already-sent' | 'none'> {
  if (!licence.holderEmail) return 'none';
  const type = await em.findOneOrFail(LicenceType, { id: licence.typeId }, { disableIdentityMap: true });
  const offset = reminderDue(licence.validTo!, type.definition.reminderDaysBeforeExpiry, date);
  if (offset === null) return 'none';
  const issuer = await em.findOneOrFail(Organisation, { id: licence.issuerOrganisationId });
  const key = reminderMailKey(licence.id, offset);
  const result = await sendMailOnce(em, deps.mailer, {
    idempotencyKey: key,
    to: licence.holderEmail,
    template: 'licence-expiry-reminder',
    about: { type: 'licence', id: licence.identifier },
    details: { offset },
    context: {
      holderName: licence.holderName,
      licenceName: licence.name,
      licenceNumber: licence.licenceNumber,
      identifier: licence.identifier,
      issuerName: issuer.name,
      validTo: licence.validTo,
      daysLeft: String(daysUntil(licence.validTo!, date)),
      renewItems:
        licence.metadata.serviceItems.map((s) => `${s.name}（${s.code}）`).join('、') || issuer.name,
      verifyUrl: licenceVerifyUrl(deps.publicUrl, licence.identifier),
    },
  });
  return result;
}
