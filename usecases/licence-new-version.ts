/**
 * Issue 12 Build 1 (LM-8): the new version a lifecycle event makes — 补发 (re-issue after a loss report) and 延续
 * (extension of validity). Like a 变更 (usecases/licence-issuing.ts) it is the same licence's successor: the next
 * version number of the same serial, signed by the issuing unit's seal under the same standing authorisation, and
 * stored with an issuance row of kind `change` (every licence row names the issuance that made it); the version it
 * replaces is superseded and keeps its suspensions, so a lost version stays marked 挂失. Runs inside the event's
 * transaction (usecases/licence-event-recording.ts), with the replaced version locked; the signature's id derives
 * from the event's, so a retry finds it instead of signing twice.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditActor } from '../db/audit';
import { Licence, LicenceEvent, LicenceIssuance, LicenceType } from '../db/licence-entities';
import type { LicenceMetadata } from '../domain/licence';
import { licenceIdentifier } from '../domain/licence-identifier';
import { type LifecycleState, newVersionId } from '../domain/licence-lifecycle';
import { expectedLicencePurpose } from '../domain/seal-signature';
import { licenceDataHash, licenceExport, LicenceExport } from '../pki/licence-document';
import { signUnderAuthorisation } from './seal-signing';
import { storedSignatureOf } from './signature-material';

export interface NewVersionInput {
  event: LicenceEvent;
  previous: Licence;
  type: LicenceType;
  title: string;
  authorisation: { id: string; sealId: string; granteeId: string };
  actor: AuditActor;
  /** The state of the new version (domain/licence-lifecycle.ts applyEvent). */
  state: LifecycleState;
  /** The new version's last day of validity (延续), or the previous one's. */
  validTo: string | null;
  now: Date;
  pkiMasterKey: string;
}

export interface NewVersion {
  licenceId: string;
  identifier: string;
  dataHash: string;
  validTo: string | null;
  export: LicenceExport;
}

export async function storeNewVersion(tx: EntityManager, p: NewVersionInput): Promise<NewVersion> {
  const { previous, event, now } = p;
  const version = previous.version + 1;
  const metadata: LicenceMetadata = {
    ...previous.metadata,
    identifier: licenceIdentifier({
      typeCode: previous.typeCode,
      issuerCode: previous.issuerCode,
      serial: previous.serial,
      version,
    }),
    version,
    previousIdentifier: previous.identifier,
    validTo: p.validTo,
  };
  const data = previous.data;
  const dataHash = licenceDataHash({ metadata, data });
  const id = newVersionId(event.id);
  // The version's rows are written before the use is taken (signUnderAuthorisation takes it last).
  const signed = await signUnderAuthorisation(
    tx,
    {
      signatureId: id,
      authorisationId: p.authorisation.id,
      sealId: p.authorisation.sealId,
      signerUserId: p.authorisation.granteeId,
      documentHash: dataHash,
      documentTitle: p.title,
      now,
      pkiMasterKey: p.pkiMasterKey,
      actor: p.actor,
      licencePurpose: {
        purpose: expectedLicencePurpose(version),
        identifier: metadata.identifier,
        typeCode: metadata.typeCode,
        sealKind: p.type.definition.sealKind,
      },
    },
    async (w, made) => {
      await w.insert(LicenceIssuance, {
        id,
        organisationId: previous.issuerOrganisationId,
        caseId: `${event.caseId}#${event.kind}`,
        kind: 'change',
        typeId: p.type.id,
        typeCode: previous.typeCode,
        previousLicenceId: previous.id,
        request: { lifecycleEventId: event.id, kind: event.kind, caseId: event.caseId },
        requestFingerprint: event.requestFingerprint,
        workflowId: event.workflowId,
        status: 'issued',
        statusReason: null,
        // Set once the licence row exists (each row refers to the other).
        licenceId: null,
        requestedBy: event.requestedBy,
        receivedAt: event.requestedAt,
        caseClosedAt: now,
        deadlineAt: now,
        deadlineProvisional: false,
        late: false,
        completedAt: now,
      });
      await w.nativeUpdate(Licence, { id: previous.id }, { status: 'superseded' });
      await w.insert(Licence, {
        ...carriedOver(previous),
        id,
        identifier: metadata.identifier,
        version,
        previousIdentifier: previous.identifier,
        metadata,
        validTo: p.validTo,
        status: p.state.status,
        suspensions: p.state.suspensions,
        dataHash,
        ...(await storedSignatureOf(w, made.record)),
        signatureId: made.signatureId,
        sealId: p.authorisation.sealId,
        issuanceId: id,
        issuedAt: now,
        createdAt: now,
      });
      await w.nativeUpdate(LicenceIssuance, { id }, { licenceId: id });
      return { value: undefined };
    },
  );
  return {
    licenceId: id,
    identifier: metadata.identifier,
    dataHash,
    validTo: p.validTo,
    export: licenceExport({ metadata, data, signature: signed.record }),
  };
}

/**
 * What a new version takes over from the version it replaces: everything but the signature record. The new version
 * stores its own (without its material, which it names itself); the replaced one's record, read through a formula,
 * and the material it names are not the new version's.
 */
function carriedOver(
  previous: Licence,
): Omit<Licence, 'signature' | 'storedSignature' | 'signatureMaterial'> {
  const { signature: _signature, storedSignature: _stored, signatureMaterial: _material, ...kept } = previous;
  return kept;
}
