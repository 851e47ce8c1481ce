/**
 * Signing and storing a licence for an accepted issuance request (LM-7, LM-13, SM-9, SM-12): the issuing unit's
 * seal of the catalogue's kind signs the licence's canonical form under a standing seal-use authorisation for the
 * type. The serial is taken first, on its own; then in one transaction the signature record and the licence (or
 * its next version, the previous one superseded) are stored, the data-exchange message and the holder's e-mail are
 * queued for the delivery relay (LM-8, activities/delivery-relay.ts) and the request is marked issued (one
 * statement), one use of the authorisation is taken (last: its row stays locked until the commit), and the
 * signing's and the licence's audit rows are written (one multi-row statement).
 * Idempotent: a retry after the commit finds the request issued and returns the same licence; a retry before it
 * stores nothing twice (it may leave a gap in the serials).
 */
import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditActor } from '../db/audit';
import type { Organisation } from '../db/entities';
import { executeBound, insertStatement } from '../db/bound-statement';
import { Licence, LicenceIssuance, LicenceType } from '../db/licence-entities';
import { LicenceMetadata, licenceSealDocumentTitle } from '../domain/licence';
import { formatSerial, licenceIdentifier } from '../domain/licence-identifier';
import {
  exchangeEvent,
  type ChangeLicenceBody,
  type IssueLicenceBody,
  type IssuancePlan,
} from '../domain/licence-issuance';
import { validityEnd } from '../domain/licence';
import type { LicenceData } from '../domain/licence-type';
import { SealUseError } from '../domain/seal-use';
import { expectedLicencePurpose } from '../domain/seal-signature';
import { licenceDataHash } from '../pki/licence-document';
import { signingTransaction, signUnderAuthorisation } from './seal-signing';
import { findLicenceAuthorisation } from './licence-authorisation';
import { storedSignatureOf } from './signature-material';

export type SignAndStoreResult =
  | { outcome: 'issued'; licenceId: string; identifier: string }
  | { outcome: 'awaiting_seal'; reason: string }
  | { outcome: 'failed'; reason: string };

export { findLicenceAuthorisation, type UsableAuthorisation } from './licence-authorisation';

/** Authorisations tried in one signing before it waits (each round, one more is used up or revoked). */
const MAX_AUTHORISATION_ROUNDS = 10;

async function nextSerial(em: EntityManager, typeCode: string, issuerCode: string): Promise<string> {
  const rows: Array<{ last_serial: string }> = await em.execute(
    `insert into licence_serial (type_code, issuer_code, last_serial) values (?, ?, 1)
     on conflict (type_code, issuer_code) do update set last_serial = licence_serial.last_serial + 1
     returning last_serial`,
    [typeCode, issuerCode],
  );
  return formatSerial(Number(rows[0]!.last_serial));
}

/** What a signing reads of the request itself. */
type SigningRequest = Pick<
  LicenceIssuance,
  | 'id'
  | 'status'
  | 'statusReason'
  | 'licenceId'
  | 'kind'
  | 'request'
  | 'previousLicenceId'
  | 'caseId'
  | 'late'
  | 'typeId'
  | 'organisationId'
  | 'requestedBy'
>;

/**
 * The request with its type, issuing unit and requester (the audit's actor), in one read (issue 19 Build 3: one
 * statement and no entities instead of four).
 */
async function signingParties(
  em: EntityManager,
  issuanceId: string,
): Promise<{
  issuance: SigningRequest;
  type: Pick<LicenceType, 'id' | 'version' | 'definition'>;
  issuer: Pick<Organisation, 'id' | 'name' | 'uscc'>;
  actor: AuditActor;
}> {
  const rows: Array<{
    status: LicenceIssuance['status'];
    status_reason: string | null;
    licence_id: string | null;
    kind: LicenceIssuance['kind'];
    request: LicenceIssuance['request'];
    previous_licence_id: string | null;
    case_id: string;
    late: boolean;
    type_id: string;
    organisation_id: string;
    requested_by: string;
    type_version: number;
    definition: LicenceType['definition'];
    issuer_name: string;
    uscc: string;
    username: string;
    roles: string[];
    user_organisation_id: string | null;
  }> = await em.execute(
    `select i.status, i.status_reason, i.licence_id, i.kind, i.request, i.previous_licence_id, i.case_id, i.late,
            i.type_id, i.organisation_id, i.requested_by,
            t.version as type_version, t.definition, o.name as issuer_name, o.uscc,
            u.username, u.roles, u.organisation_id as user_organisation_id
       from licence_issuance i
       join licence_type t on t.id = i.type_id
       join organisation o on o.id = i.organisation_id
       join app_user u on u.id = i.requested_by
      where i.id = ?`,
    [issuanceId],
  );
  const row = rows[0];
  if (!row)
    throw new Error(`licence issuance ${issuanceId}, its type, issuing unit or requester does not exist`);
  return {
    issuance: {
      id: issuanceId,
      status: row.status,
      statusReason: row.status_reason,
      licenceId: row.licence_id,
      kind: row.kind,
      request: row.request,
      previousLicenceId: row.previous_licence_id,
      caseId: row.case_id,
      late: row.late,
      typeId: row.type_id,
      organisationId: row.organisation_id,
      requestedBy: row.requested_by,
    },
    type: { id: row.type_id, version: row.type_version, definition: row.definition },
    issuer: { id: row.organisation_id, name: row.issuer_name, uscc: row.uscc },
    actor: {
      userId: row.requested_by,
      username: row.username,
      roles: row.roles,
      organisationId: row.user_organisation_id,
    },
  };
}

export interface SignAndStoreInput {
  issuanceId: string;
  now: Date;
  pkiMasterKey: string;
}

export async function signAndStoreLicence(
  em: EntityManager,
  input: SignAndStoreInput,
): Promise<SignAndStoreResult> {
  const { now } = input;
  const { issuance, type, issuer, actor } = await signingParties(em, input.issuanceId);
  if (issuance.status === 'issued' && issuance.licenceId) {
    const done = await em.findOneOrFail(Licence, { id: issuance.licenceId }, { disableIdentityMap: true });
    return { outcome: 'issued', licenceId: done.id, identifier: done.identifier };
  }
  if (issuance.status === 'failed') return { outcome: 'failed', reason: issuance.statusReason ?? '' };
  const definition = type.definition;
  const title = licenceSealDocumentTitle(definition);

  // The serial is taken in its own short statement, not in the transaction below: every licence of a type and
  // issuer goes through the same counter row, and holding its lock while signing and storing would let only one
  // licence of the type be issued at a time. A transaction that rolls back leaves a gap; serials are unique, and
  // need not be gapless.
  let serial: string | null = null;

  // Issue 11: an authorisation whose last use another signing took (or that was revoked) in between is not a reason
  // to wait: the next live authorisation for the type is taken at once. Only when none is left does the issuance
  // wait (awaiting_seal). Bounded: each round either signs or finds one authorisation fewer.
  let lastProblem = '';
  for (let round = 0; round < MAX_AUTHORISATION_ROUNDS; round++) {
    const authorisation = await findLicenceAuthorisation(em, {
      organisationId: issuer.id,
      sealKind: definition.sealKind,
      title,
      now,
    });
    if (!authorisation) {
      return {
        outcome: 'awaiting_seal',
        reason: `${issuer.name}没有可用于“${title}”的用印授权（需本单位有效的${definition.sealKind === 'business' ? '业务专用章' : '印章'}，并经用印审批，SM-12）`,
      };
    }
    if (issuance.kind === 'issue' && serial === null)
      serial = await nextSerial(em, definition.code, issuer.uscc);
    try {
      return await signingTransaction(em, async (tx) => {
        let previous: Licence | null = null;
        let metadata: LicenceMetadata;
        let data: LicenceData;
        let holderEmail: string | null;
        if (issuance.kind === 'issue') {
          const body = issuance.request as unknown as IssueLicenceBody & { plan: IssuancePlan };
          metadata = {
            name: definition.name,
            typeCode: definition.code,
            typeVersion: type.version,
            identifier: licenceIdentifier({
              typeCode: definition.code,
              issuerCode: issuer.uscc,
              serial: serial!,
              version: 1,
            }),
            licenceNumber: body.licenceNumber,
            version: 1,
            previousIdentifier: null,
            issuer: { name: issuer.name, code: issuer.uscc },
            issueDate: body.plan.issueDate,
            holder: { name: body.holder.name, code: body.holder.code, codeType: body.plan.holderCodeType },
            validFrom: body.plan.validFrom,
            validTo: body.plan.validTo,
            serviceItems: definition.serviceItems,
          };
          data = body.data as LicenceData;
          holderEmail = body.holder.email ?? null;
        } else {
          const body = issuance.request as unknown as ChangeLicenceBody;
          // Lock the version being replaced: two changes of one licence must not both build on it.
          previous = await tx.findOneOrFail(
            Licence,
            { id: issuance.previousLicenceId! },
            { lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true },
          );
          if (previous.status === 'superseded') {
            return {
              outcome: 'failed',
              reason: `证照 ${previous.identifier} 已有更新的版本，请基于最新版本变更`,
            } as const;
          }
          const version = previous.version + 1;
          const end =
            body.validTo === undefined
              ? { validTo: previous.validTo }
              : validityEnd(definition.validity, previous.validFrom, body.validTo);
          if ('problem' in end) return { outcome: 'failed', reason: end.problem } as const;
          metadata = {
            ...previous.metadata,
            name: definition.name,
            typeVersion: type.version,
            identifier: licenceIdentifier({
              typeCode: previous.typeCode,
              issuerCode: previous.issuerCode,
              serial: previous.serial,
              version,
            }),
            version,
            previousIdentifier: previous.identifier,
            issueDate: previous.metadata.issueDate,
            holder: { ...previous.metadata.holder, name: body.holder?.name ?? previous.holderName },
            validTo: end.validTo,
            serviceItems: definition.serviceItems,
          };
          data = body.data as LicenceData;
          holderEmail = body.holder?.email ?? previous.holderEmail;
        }

        const dataHash = licenceDataHash({ metadata, data });
        const licenceId = randomUUID();
        // SM-12: signed under the authorisation, the licence and its outbox row written before the use is taken
        // (last, by signUnderAuthorisation: its row stays locked only from then to the commit, issue 19 Build 3).
        await signUnderAuthorisation(
          tx,
          {
            authorisationId: authorisation.id,
            sealId: authorisation.sealId,
            signerUserId: authorisation.granteeId,
            documentHash: dataHash,
            documentTitle: title,
            now,
            pkiMasterKey: input.pkiMasterKey,
            actor,
            // Issue 19: the record stored once, in the licence row written below.
            recordInLicence: licenceId,
            // Purpose-bound (issue 11): the signature names what it is for, the licence and its type's seal kind.
            licencePurpose: {
              purpose: expectedLicencePurpose(metadata.version),
              identifier: metadata.identifier,
              typeCode: metadata.typeCode,
              sealKind: definition.sealKind,
            },
          },
          async (w, signed) => {
            if (previous) await w.nativeUpdate(Licence, { id: previous.id }, { status: 'superseded' });
            const licenceRow = insertStatement(w, Licence, {
              id: licenceId,
              identifier: metadata.identifier,
              seriesId: previous?.seriesId ?? licenceId,
              typeId: type.id,
              typeCode: metadata.typeCode,
              typeVersion: type.version,
              name: metadata.name,
              issuerOrganisationId: issuer.id,
              issuerCode: metadata.issuer.code,
              serial: metadata.identifier.split('.')[7]!,
              version: metadata.version,
              previousIdentifier: metadata.previousIdentifier,
              licenceNumber: metadata.licenceNumber,
              holderName: metadata.holder.name,
              holderCode: metadata.holder.code,
              holderCodeType: metadata.holder.codeType,
              holderEmail,
              metadata,
              data,
              issueDate: metadata.issueDate,
              validFrom: metadata.validFrom,
              validTo: metadata.validTo,
              status: 'valid',
              dataHash,
              // Issue 19: the record without the seal and certificate, stored once (usecases/signature-material.ts).
              ...(await storedSignatureOf(w, signed.record)),
              signatureId: signed.signatureId,
              sealId: authorisation.sealId,
              issuanceId: issuance.id,
              issuedAt: now,
              createdAt: now,
            });
            // The licence; LM-8: the exchange message and the holder's e-mail as rows for the delivery relay
            // (activities/delivery-relay.ts); the request marked issued: in one statement, its values bound (issue
            // 19: the licence's data and signature record are not escaped into the text). The message stores no
            // payload: its export is built from the licence row when it is sent (activities/exchange.ts
            // withPayloads), as a converted licence's is, so the signature record is not written a second time.
            await executeBound(
              w,
              `with licence_row as (${licenceRow.sql}),
               outbox as (
                 insert into exchange_outbox (id, licence_id, event, payload, status, attempts, created_at)
                 values (?, ?, ?, null, 'pending', 0, ?)),
               notice as (
                 insert into holder_notice (licence_id, status, attempts, created_at)
                 select ?, 'pending', 0, ? where ?::boolean)
               update licence_issuance set status = 'issued', status_reason = null, licence_id = ?, completed_at = ?
                where id = ?`,
              [
                ...licenceRow.bindings,
                randomUUID(),
                licenceId,
                exchangeEvent(issuance.kind),
                now,
                licenceId,
                now,
                holderEmail !== null,
                licenceId,
                now,
                issuance.id,
              ],
            );
            // The licence's audit row goes with the signing's, in one statement (issue 19 Build 3).
            const audit = {
              actor,
              action: issuance.kind === 'issue' ? 'licence.issue' : 'licence.change',
              targetType: 'licence',
              targetId: metadata.identifier,
              outcome: 'success',
              eventKey: `licence.issue:${issuance.id}`,
              details: {
                issuanceId: issuance.id,
                caseId: issuance.caseId,
                typeCode: metadata.typeCode,
                version: metadata.version,
                previousIdentifier: metadata.previousIdentifier,
                sealId: authorisation.sealId,
                authorisationId: authorisation.id,
                late: issuance.late,
              },
            } as const;
            return { value: undefined, audits: [audit] };
          },
        );
        return { outcome: 'issued', licenceId, identifier: metadata.identifier } as const;
      });
    } catch (err) {
      // Another signing took the authorisation's last use (or it was revoked) in between: take the next one.
      if (!(err instanceof SealUseError)) throw err;
      lastProblem = err.message;
    }
  }
  return { outcome: 'awaiting_seal', reason: lastProblem };
}
