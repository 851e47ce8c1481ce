/**
 * A seal's status history and the requests that change it through the approval engine (issue 12 Build 5, SM-15,
 * SM-16). The seal row keeps its current status with the time it took effect; the history keeps every change.
 */
import { EntitySchema, Opt } from '@mikro-orm/core';
import type { StoredInitiatorOptions } from '../domain/flow-definition';
import type { AttachmentRef } from '../domain/approval';
import type { SealInfo, SealMakerSignature, SealStatus } from '../domain/seal';
import type {
  SealRequestProcessKind,
  SealStatusEvent,
  SealStatusRequestAction,
  SealStatusRequestStatus,
} from '../domain/seal-status';
import type { SealCustodianChangeStatus } from '../domain/seal-custodian';

const timestamptz = { type: 'Date', columnType: 'timestamptz' } as const;

export class SealStatusChange {
  id!: string;
  sealId!: string;
  status!: SealStatus;
  event!: SealStatusEvent;
  reason!: string;
  /** When the change took effect (a cancellation's stated time); may precede `recordedAt`. */
  effectiveAt!: Date;
  recordedAt: Date = new Date();
  actorUsername!: string;
  /** The request that decided it, for changes made through the approval engine. */
  requestId: string | null = null;
  /** Unique: a retried activity finds its own entry. */
  eventKey!: string;
}

export class SealStatusRequest {
  id!: string;
  sealId!: string;
  organisationId!: string;
  applicantId!: string;
  processKind!: SealRequestProcessKind;
  action!: SealStatusRequestAction;
  reason!: string;
  /** Null: effective when approved. */
  effectiveFrom: Date | null = null;
  attachments: Opt<AttachmentRef[]> = [];
  status: SealStatusRequestStatus = 'pending';
  workflowId!: string;
  approvalWorkflowId!: string;
  outcomeReason: string | null = null;
  clientRequestId: string | null = null;
  approvalOptions: Opt<StoredInitiatorOptions> = { approvers: {}, cc: [] };
  createdAt: Date = new Date();
  decidedAt: Date | null = null;
}

export const SealStatusChangeSchema = new EntitySchema<SealStatusChange>({
  class: SealStatusChange,
  tableName: 'seal_status_change',
  properties: {
    id: { type: 'string', primary: true },
    sealId: { type: 'string' },
    status: { type: 'string' },
    event: { type: 'string' },
    reason: { type: 'text' },
    effectiveAt: timestamptz,
    recordedAt: timestamptz,
    actorUsername: { type: 'string' },
    requestId: { type: 'string', nullable: true },
    eventKey: { type: 'string', unique: true },
  },
});

export const SealStatusRequestSchema = new EntitySchema<SealStatusRequest>({
  class: SealStatusRequest,
  tableName: 'seal_status_request',
  properties: {
    id: { type: 'string', primary: true },
    sealId: { type: 'string' },
    organisationId: { type: 'string' },
    applicantId: { type: 'string' },
    processKind: { type: 'string' },
    action: { type: 'string' },
    reason: { type: 'text' },
    effectiveFrom: { ...timestamptz, nullable: true },
    attachments: { type: 'json' },
    status: { type: 'string' },
    workflowId: { type: 'string', unique: true },
    approvalWorkflowId: { type: 'string', unique: true },
    outcomeReason: { type: 'text', nullable: true },
    clientRequestId: { type: 'string', nullable: true },
    approvalOptions: { type: 'json' },
    createdAt: timestamptz,
    decidedAt: { ...timestamptz, nullable: true },
  },
});

/** An earlier version of a renewed seal (SM-8): its certificate and seal info, as signatures made with it carry. */
export class SealVersion {
  sealId!: string;
  version!: number;
  certificateId!: string;
  validFrom!: Date;
  validTo!: Date;
  sealInfo!: SealInfo;
  makerSignature!: SealMakerSignature;
  createdAt!: Date;
}

export const SealVersionSchema = new EntitySchema<SealVersion>({
  class: SealVersion,
  tableName: 'seal_version',
  properties: {
    sealId: { type: 'string', primary: true },
    version: { type: 'integer', primary: true },
    certificateId: { type: 'string' },
    validFrom: timestamptz,
    validTo: timestamptz,
    sealInfo: { type: 'json' },
    makerSignature: { type: 'json' },
    createdAt: timestamptz,
  },
});

/** Issue 15 Build 5 (SM-14): a request to change a seal's custodian and deputy, decided by the unit leader. */
export class SealCustodianChange {
  id!: string;
  sealId!: string;
  organisationId!: string;
  applicantId!: string;
  custodianId!: string;
  deputyId: string | null = null;
  /** Who held the posts when the change was approved (null until then). */
  previousCustodianId: string | null = null;
  previousDeputyId: string | null = null;
  reason!: string;
  status: SealCustodianChangeStatus = 'pending';
  workflowId!: string;
  approvalWorkflowId!: string;
  outcomeReason: string | null = null;
  clientRequestId: string | null = null;
  approvalOptions: Opt<StoredInitiatorOptions> = { approvers: {}, cc: [] };
  createdAt: Date = new Date();
  decidedAt: Date | null = null;
}

export const SealCustodianChangeSchema = new EntitySchema<SealCustodianChange>({
  class: SealCustodianChange,
  tableName: 'seal_custodian_change',
  properties: {
    id: { type: 'string', primary: true },
    sealId: { type: 'string' },
    organisationId: { type: 'string' },
    applicantId: { type: 'string' },
    custodianId: { type: 'string' },
    deputyId: { type: 'string', nullable: true },
    previousCustodianId: { type: 'string', nullable: true },
    previousDeputyId: { type: 'string', nullable: true },
    reason: { type: 'text' },
    status: { type: 'string' },
    workflowId: { type: 'string', unique: true },
    approvalWorkflowId: { type: 'string', unique: true },
    outcomeReason: { type: 'text', nullable: true },
    clientRequestId: { type: 'string', nullable: true },
    approvalOptions: { type: 'json' },
    createdAt: timestamptz,
    decidedAt: { ...timestamptz, nullable: true },
  },
});

export const SEAL_STATUS_ENTITIES = [
  SealStatusChangeSchema,
  SealStatusRequestSchema,
  SealVersionSchema,
  SealCustodianChangeSchema,
];
