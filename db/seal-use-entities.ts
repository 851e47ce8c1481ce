/** Seal-use records (SM-12): requests, the authorisations their approval grants, and the signatures made. */
import { EntitySchema, Opt } from '@mikro-orm/core';
import type { StoredInitiatorOptions } from '../domain/flow-definition';
import type { ActorRef } from '../domain/approval';
import type { SealUseAuthorisationStatus, SealUseDocument, SealUseRequestStatus } from '../domain/seal-use';
import type { SealSignature } from '../domain/seal-signature';
import { licenceSignatureRecordSql } from './signature-material';

const timestamptz = { type: 'Date', columnType: 'timestamptz' } as const;

export class SealUseRequest {
  id!: string;
  sealId!: string;
  organisationId!: string;
  applicantId!: string;
  documents!: SealUseDocument[];
  maxUses!: number;
  validFrom!: Date;
  validTo!: Date;
  reason!: string;
  status: SealUseRequestStatus = 'pending';
  /** The approval engine's child workflow deciding the request, `approval-seal_use-<id>`. */
  approvalWorkflowId!: string;
  /** The seal-use workflow, `seal-use-<id>`. */
  workflowId!: string;
  outcomeReason: string | null = null;
  createdAt: Date = new Date();
  decidedAt: Date | null = null;
  clientRequestId: string | null = null;
  /** The requester's chosen approvers and CC list (user ids), to start the approval again after a crash. */
  approvalOptions: Opt<StoredInitiatorOptions> = { approvers: {}, cc: [] };
}

export class SealUseAuthorisation {
  id!: string;
  requestId!: string;
  sealId!: string;
  granteeId!: string;
  documents!: SealUseDocument[];
  maxUses!: number;
  usedCount: number = 0;
  validFrom!: Date;
  validTo!: Date;
  /** Who approved the last step (the approval outcome's finalApprovers). */
  approvedBy!: ActorRef[];
  createdAt: Date = new Date();
  status: SealUseAuthorisationStatus = 'active';
}

export class SealSignatureRecord {
  id!: string;
  authorisationId!: string;
  sealId!: string;
  signerUserId!: string;
  documentHash!: string;
  documentTitle!: string;
  signingTime!: Date;
  /**
   * The record as stored in this row (null for a licence's, issued or converted: it is stored once, in the licence
   * row).
   * Written on insert; readers read `record`.
   */
  storedRecord!: SealSignature | null;
  /** Issue 19: the licence (issued or converted) whose row holds this signing's record, or null. */
  licenceId: string | null = null;
  /** The record, wherever it is stored (read only: a formula). */
  record!: Opt<SealSignature>;
  createdAt: Date = new Date();
}

export const SealUseRequestSchema = new EntitySchema<SealUseRequest>({
  class: SealUseRequest,
  tableName: 'seal_use_request',
  properties: {
    id: { type: 'string', primary: true },
    sealId: { type: 'string' },
    organisationId: { type: 'string' },
    applicantId: { type: 'string' },
    documents: { type: 'json' },
    maxUses: { type: 'integer' },
    validFrom: timestamptz,
    validTo: timestamptz,
    reason: { type: 'text' },
    status: { type: 'string' },
    approvalWorkflowId: { type: 'string', unique: true },
    workflowId: { type: 'string', unique: true },
    outcomeReason: { type: 'text', nullable: true },
    createdAt: timestamptz,
    decidedAt: { ...timestamptz, nullable: true },
    clientRequestId: { type: 'string', nullable: true },
    approvalOptions: { type: 'json' },
  },
});

export const SealUseAuthorisationSchema = new EntitySchema<SealUseAuthorisation>({
  class: SealUseAuthorisation,
  tableName: 'seal_use_authorisation',
  properties: {
    id: { type: 'string', primary: true },
    requestId: { type: 'string', unique: true },
    sealId: { type: 'string' },
    granteeId: { type: 'string' },
    documents: { type: 'json' },
    maxUses: { type: 'integer' },
    usedCount: { type: 'integer' },
    validFrom: timestamptz,
    validTo: timestamptz,
    approvedBy: { type: 'json' },
    createdAt: timestamptz,
    status: { type: 'string' },
  },
});

export const SealSignatureRecordSchema = new EntitySchema<SealSignatureRecord>({
  class: SealSignatureRecord,
  tableName: 'seal_signature',
  properties: {
    id: { type: 'string', primary: true },
    authorisationId: { type: 'string' },
    sealId: { type: 'string' },
    signerUserId: { type: 'string' },
    documentHash: { type: 'string' },
    documentTitle: { type: 'text' },
    signingTime: timestamptz,
    storedRecord: { type: 'json', fieldName: 'record', nullable: true, lazy: true },
    licenceId: { type: 'string', nullable: true },
    // Issue 19: a licence's record is in its licence row (Migration20261205500001_conversion_record_once).
    record: {
      type: 'json',
      formula: (t) =>
        `coalesce(${t.alias}.record, (select ${licenceSignatureRecordSql('l')}
                                        from licence l where l.id = ${t.alias}.licence_id))`,
    },
    createdAt: timestamptz,
  },
});

/**
 * Issue 15 Build 3: a standing licence-signing authorisation whose holder left or moved, awaiting the unit leader's
 * decision (kept, passed to the leader or a named person, or revoked). Until then the authorisation stays usable.
 */
export class SealUseHandover {
  id!: string;
  authorisationId!: string;
  sealId!: string;
  organisationId!: string;
  leavingUserId!: string;
  changeId!: string;
  reason!: string;
  status: 'pending' | 'kept' | 'revoked' = 'pending';
  newGranteeId: string | null = null;
  decidedBy: string | null = null;
  decidedAt: Date | null = null;
  /** The leader's reason (required to revoke), shown once decided. */
  decisionComment: string | null = null;
  /** The decision's working-day deadline (SEAL_USE_HANDOVER_WORKING_DAYS); null on rows opened before it existed. */
  dueAt: Date | null = null;
  dueProvisional: boolean = false;
  createdAt: Date = new Date();
}

export const SealUseHandoverSchema = new EntitySchema<SealUseHandover>({
  class: SealUseHandover,
  tableName: 'seal_use_handover',
  properties: {
    id: { type: 'string', primary: true },
    authorisationId: { type: 'string' },
    sealId: { type: 'string' },
    organisationId: { type: 'string' },
    leavingUserId: { type: 'string' },
    changeId: { type: 'string' },
    reason: { type: 'text' },
    status: { type: 'string' },
    newGranteeId: { type: 'string', nullable: true },
    decidedBy: { type: 'string', nullable: true },
    decidedAt: { ...timestamptz, nullable: true },
    decisionComment: { type: 'text', nullable: true },
    dueAt: { ...timestamptz, nullable: true },
    dueProvisional: { type: 'boolean' },
    createdAt: timestamptz,
  },
});
