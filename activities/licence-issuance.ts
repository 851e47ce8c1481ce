/**
 * Side effects of licence issuance (LM-7, SM-12) other than the signing (which runs on the signing task queue,
 * activities/signing.ts, issue 11 Build 5): recording that an issuance waits for a seal-use authorisation or failed,
 * e-mailing the holder, and waking the issuances of a unit whose seal-use authorisation was just granted. Each is
 * idempotent: the signing finds an issued request issued, status changes only move forward, the e-mail is keyed by
 * the licence.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { LicenceIssuance } from '../db/licence-entities';
import type { Orm } from '../db/orm';
import { SealUseRequest } from '../db/seal-use-entities';
import { CHANGE_KIND_LABELS, ChangeKind } from '../domain/licence-issuance';
import { shanghaiDate } from '../domain/format';
import { licenceVerifyUrl } from '../domain/licence';
import type { Mailer } from '../mail/mailer';
import { sealAuthorisationGranted } from '../workflows/licence-issuance-messages';
import { deliverLicenceMessages, type DeliveryResult, type ExchangeDeps } from './exchange';
import { outcomeOfOne, sendMailsOnce, type MailProblem, type SendMailRequest } from './mail';

type HolderNotice = 'sent' | 'already-sent' | 'no-address';

export interface LicenceIssuanceActivities {
  markAwaitingSeal(req: { issuanceId: string; reason: string }): Promise<void>;
  markIssuanceFailed(req: { issuanceId: string; reason: string }): Promise<void>;
  notifyHolder(req: { licenceId: string }): Promise<HolderNotice>;
  /**
   * Issue 19 Build 3: the exchange push and the holder's e-mail of an issued licence, side by side in one activity
   * (one activity and one workflow task fewer per licence than the two apart). Each half is idempotent (the
   * delivered outbox row, the sent e-mail row), so a retry redoes only the half that failed: an exchange outage
   * delays only the push, an SMTP outage only the e-mail. Throws (to be retried) when either failed.
   */
  deliverIssuedLicence(req: {
    licenceId: string;
  }): Promise<{ exchange: DeliveryResult[]; mail: HolderNotice }>;
  /** Signals every issuance of the seal's unit that may be waiting for this authorisation; the count signalled. */
  wakeIssuancesAwaitingSeal(req: { requestId: string }): Promise<number>;
}

export interface LicenceIssuanceDeps extends ExchangeDeps {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}

export function createLicenceIssuanceActivities(deps: LicenceIssuanceDeps): LicenceIssuanceActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  const notify = (licenceId: string) => notifyHolderOf(fork(), deps, licenceId);

  return {
    async markAwaitingSeal({ issuanceId, reason }) {
      await fork().transactional(async (tx) => {
        const changed = await tx.nativeUpdate(
          LicenceIssuance,
          { id: issuanceId, status: { $in: ['pending', 'awaiting_seal'] } },
          { status: 'awaiting_seal', statusReason: reason },
        );
        if (changed === 0) return;
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: 'licence.awaiting_seal',
          targetType: 'licence_issuance',
          targetId: issuanceId,
          outcome: 'success',
          eventKey: `licence.awaiting_seal:${issuanceId}`,
          details: { reason },
        });
      });
    },

    async markIssuanceFailed({ issuanceId, reason }) {
      await fork().transactional(async (tx) => {
        const changed = await tx.nativeUpdate(
          LicenceIssuance,
          { id: issuanceId, status: { $in: ['pending', 'awaiting_seal'] } },
          { status: 'failed', statusReason: reason, completedAt: new Date() },
        );
        if (changed === 0) return;
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: 'licence.issue',
          targetType: 'licence_issuance',
          targetId: issuanceId,
          outcome: 'failed',
          eventKey: `licence.issue.failed:${issuanceId}`,
          details: { reason },
        });
      });
    },

    notifyHolder({ licenceId }) {
      return notify(licenceId);
    },

    async deliverIssuedLicence({ licenceId }) {
      const [exchange, mail] = await Promise.allSettled([
        deliverLicenceMessages(fork(), licenceId, deps.exchangeEndpointUrl, 'issuance'),
        notify(licenceId),
      ]);
      if (exchange.status === 'rejected') throw exchange.reason;
      if (mail.status === 'rejected') throw mail.reason;
      return { exchange: exchange.value, mail: mail.value };
    },

    async wakeIssuancesAwaitingSeal({ requestId }) {
      const em = fork();
      const request = await em.findOne(SealUseRequest, { id: requestId }, { disableIdentityMap: true });
      if (!request) return 0;
      // `pending` too: an issuance whose attempt found no authorisation just before the grant committed may not
      // have recorded `awaiting_seal` yet; its workflow keeps the signal for the wait that follows.
      const waiting = await em.find(
        LicenceIssuance,
        { organisationId: request.organisationId, status: { $in: ['pending', 'awaiting_seal'] } },
        { fields: ['id', 'workflowId'], disableIdentityMap: true },
      );
      const client = Context.current().client;
      let signalled = 0;
      for (const issuance of waiting) {
        try {
          await client.workflow.getHandle(issuance.workflowId).signal(sealAuthorisationGranted);
          signalled++;
        } catch (err) {
          // Finished meanwhile, or not started yet (its first attempt will find the authorisation).
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      return signalled;
    },
  };
}

/** E-mails the holder of an issued licence its verification link, once (keyed by the licence). */
export async function notifyHolderOf(
  em: EntityManager,
  deps: LicenceIssuanceDeps,
  licenceId: string,
): Promise<HolderNotice> {
  return outcomeOfOne(await notifyHoldersOf(em, deps, [licenceId]));
}

/**
 * The holders of several issued licences, each e-mailed once (keyed by the licence): one read for what the mails
 * say and one sendMailsOnce for the batch (issue 19: the delivery relay's round, not four statements per licence).
 * An outcome per licence, in order; a licence that does not exist or whose mail failed has its problem.
 */
export async function notifyHoldersOf(
  em: EntityManager,
  deps: LicenceIssuanceDeps,
  licenceIds: string[],
  concurrency = 1,
): Promise<Array<HolderNotice | MailProblem>> {
  const rows: HolderMailRow[] = await em.execute(
    `select l.id, l.holder_email, l.identifier, l.holder_name, l.name, l.licence_number, l.version,
            l.previous_identifier, l.issue_date, l.valid_from, l.valid_to, l.issued_at,
            i.request->>'changeKind' as change_kind, o.name as issuer_name
       from licence l
       join organisation o on o.id = l.issuer_organisation_id
       left join licence_issuance i on i.id = l.issuance_id
      where l.id in (?)`,
    [licenceIds],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const toMail = rows.filter((r) => r.holder_email);
  const outcomes = await sendMailsOnce(
    em,
    deps.mailer,
    toMail.map((r) => holderMail(deps, r)),
    concurrency,
  );
  const sent = new Map(toMail.map((r, i) => [r.id, outcomes[i]]));
  return licenceIds.map((id) => {
    if (!byId.has(id)) {
      const problem = `licence ${id} does not exist`;
      return { problem, error: new Error(problem) };
    }
    return sent.get(id) ?? 'no-address';
  });
}

function holderMail(deps: LicenceIssuanceDeps, licence: HolderMailRow): SendMailRequest {
  const changeKind = licence.change_kind as ChangeKind | null;
  return {
    idempotencyKey: `licence-issued:${licence.id}`,
    to: licence.holder_email!,
    template: 'licence-issued',
    about: { type: 'licence', id: licence.identifier },
    context: {
      holderName: licence.holder_name,
      licenceName: licence.name,
      licenceNumber: licence.licence_number,
      identifier: licence.identifier,
      version: String(licence.version).padStart(3, '0'),
      isNewVersion: licence.version > 1,
      changeLabel: changeKind ? CHANGE_KIND_LABELS[changeKind] : '变更',
      previousIdentifier: licence.previous_identifier ?? '',
      issuerName: licence.issuer_name,
      issueDate: licence.issue_date,
      validFrom: licence.valid_from,
      validTo: licence.valid_to ?? '长期',
      issuedAt: shanghaiDate(new Date(licence.issued_at)),
      verifyUrl: licenceVerifyUrl(deps.publicUrl, licence.identifier),
    },
  };
}

interface HolderMailRow {
  id: string;
  holder_email: string | null;
  identifier: string;
  holder_name: string;
  name: string;
  licence_number: string;
  version: number;
  previous_identifier: string | null;
  issue_date: string;
  valid_from: string;
  valid_to: string | null;
  issued_at: Date;
  change_kind: string | null;
  issuer_name: string;
}
