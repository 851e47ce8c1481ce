/**
 * Issue 12 Build 5 (SM-8): one page of the certificate renewal reminders, a sibling of the licence pages in the
 * daily expiry sweep (workflows/licence-expiry-sweep.ts). For each unrevoked organisation certificate ending within
 * the reminder horizon, in id order after the cursor: when an offset's day has come (domain/organisation-
 * certificate.ts, CERTIFICATE_REMINDER_DAYS) and no newer certificate replaces it, the organisation's seal staff
 * are e-mailed, naming the seals bound to it. Once per certificate and offset: the reminder row is inserted once
 * and each mail has its idempotency key, so a page run twice sends nothing twice.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { CertificateReminder } from '../db/certificate-entities';
import { AppUser, Organisation, OrganisationCertificate, Seal } from '../db/entities';
import type { Orm } from '../db/orm';
import { addCalendarDays, endOfShanghaiDay, shanghaiDateOf, startOfShanghaiDay } from '../domain/calendar';
import { daysUntil } from '../domain/licence-expiry';
import {
  CERTIFICATE_REMINDER_DAYS,
  certificateReminderDue,
  certificateReminderMailKey,
} from '../domain/organisation-certificate';
import type { Mailer } from '../mail/mailer';
import { sendMailOnce } from './mail';

export interface CertificateReminderPage {
  nextAfter: string | null;
  seen: number;
  reminded: number;
}

export interface CertificateReminderActivities {
  sweepCertificateReminderPage(req: {
    date: string;
    after: string | null;
    pageSize: number;
  }): Promise<CertificateReminderPage>;
}

/** Who receives the reminder: the organisation's seal staff (SM-8), those with an address. */
const SEAL_STAFF_ROLES = ['seal_applicant', 'unit_leader'];

export function createCertificateReminderActivities(deps: {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}): CertificateReminderActivities {
  return {
    async sweepCertificateReminderPage({ date, after, pageSize }) {
      const em = deps.orm.em.fork() as EntityManager;
      const horizon = Math.max(...CERTIFICATE_REMINDER_DAYS);
      const rows: Array<{ id: string }> = await em.execute(
        `select id from organisation_certificate
          where revoked_at is null and not_after >= ? and not_after <= ? and id > ?
          order by id limit ?`,
        [startOfShanghaiDay(date), endOfShanghaiDay(addCalendarDays(date, horizon)), after ?? '', pageSize],
      );
      const page: CertificateReminderPage = { nextAfter: null, seen: rows.length, reminded: 0 };
      for (const { id } of rows) {
        const certificate = await em.findOneOrFail(
          OrganisationCertificate,
          { id },
          { disableIdentityMap: true },
        );
        if ((await remind(em, deps, certificate, date)) > 0) page.reminded++;
      }
      if (rows.length === pageSize) page.nextAfter = rows[rows.length - 1]!.id;
      return page;
    },
  };
}

/** Mails the reminder due on `date` to each of the seal staff, once; the number of mails sent now. */
async function remind(
  em: EntityManager,
  deps: { mailer: Mailer; publicUrl: string },
  certificate: OrganisationCertificate,
  date: string,
): Promise<number> {
  const offset = certificateReminderDue(certificate.notAfter, date);
  if (offset === null) return 0;
  // A newer certificate of the organisation (renewed already) needs no reminder for this one.
  const newer = await em.count(OrganisationCertificate, {
    organisationId: certificate.organisationId,
    revokedAt: null,
    notAfter: { $gt: certificate.notAfter },
  });
  if (newer > 0) return 0;
  const organisation = await em.findOneOrFail(Organisation, { id: certificate.organisationId });
  const staff = (
    await em.find(AppUser, { organisationId: organisation.id, active: true }, { orderBy: { id: 'asc' } })
  ).filter((u) => u.email && u.roles.some((r) => SEAL_STAFF_ROLES.includes(r)));
  const seals = await em.find(
    Seal,
    { certificateId: certificate.id, status: { $ne: 'cancelled' } },
    { exclude: ['imprint'], orderBy: { esId: 'asc' } },
  );
  await em
    .createQueryBuilder(CertificateReminder)
    .insert({
      certificateId: certificate.id,
      offsetDays: offset,
      organisationId: organisation.id,
      notAfter: certificate.notAfter,
      recipients: staff.map((u) => u.username),
      sentAt: new Date(),
    })
    .onConflict(['certificate_id', 'offset_days'])
    .ignore()
    .execute();
  const validTo = shanghaiDateOf(certificate.notAfter);
  let sent = 0;
  for (const user of staff) {
    const key = certificateReminderMailKey(certificate.id, offset, user.id);
    const result = await sendMailOnce(em, deps.mailer, {
      idempotencyKey: key,
      to: user.email!,
      template: 'certificate-renewal-reminder',
      about: { type: 'organisation_certificate', id: certificate.id },
      details: { offset },
      context: {
        displayName: user.displayName,
        organisationName: organisation.name,
        serialNumber: certificate.serialNumber,
        validTo,
        daysLeft: String(daysUntil(validTo, date)),
        seals: seals.map((s) => `${s.name}（${s.esId}）`).join('、'),
        homeUrl: `${deps.publicUrl}/seals`,
      },
    });
    if (result === 'sent') sent++;
  }
  return sent;
}
