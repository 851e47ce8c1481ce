/**
 * E-licence records (LM-6, LM-7, LM-9): catalogue versions, issuance requests, licences with their signature, the
 * data-exchange outbox and using units' usage lists. Schema and constraints: Migration20261127040000_licences.
 */
import { EntitySchema, Opt } from '@mikro-orm/core';
import type { LicenceMetadata, LicenceStatus } from '../domain/licence';
import type {
  HolderCodeType,
  LicenceData,
  LicenceTypeDefinition,
  LicenceTypeStatus,
} from '../domain/licence-type';
import type { IssuanceStatus } from '../domain/licence-issuance';
import type { CompactSealSignature, SealSignature } from '../domain/seal-signature';
import type { LicenceEventKind, LifecycleState, Suspension } from '../domain/licence-lifecycle';
import type { LicenceUsageRequestStatus } from '../domain/licence-usage';
import type { StoredInitiatorOptions } from '../domain/flow-definition';
import { licenceSignatureRecordSql } from './signature-material';

const timestamptz = { type: 'Date', columnType: 'timestamptz' } as const;

export class LicenceType {
  id!: string;
  code!: string;
  version!: number;
  status!: LicenceTypeStatus;
  name!: string;
  definition!: LicenceTypeDefinition;
  createdBy: string | null = null;
  createdAt: Opt<Date> = new Date();
  publishedAt: Date | null = null;
  supersededAt: Date | null = null;
}

export type IssuanceKind = 'issue' | 'change';

/** One request from an issuing unit's business system, unique per unit and business case (idempotency key). */
export class LicenceIssuance {
  id!: string;
  organisationId!: string;
  caseId!: string;
  kind!: IssuanceKind;
  typeId!: string;
  typeCode!: string;
  /** For a change: the licence (version) being replaced. */
  previousLicenceId: string | null = null;
  /** The validated request as received. */
  request!: Record<string, unknown>;
  /** SHA-256 of the request's canonical JSON: a repeat with other content is a conflict, not a repeat. */
  requestFingerprint!: string;
  workflowId!: string;
  status: IssuanceStatus = 'pending';
  statusReason: string | null = null;
  licenceId: string | null = null;
  requestedBy!: string;
  receivedAt!: Date;
  caseClosedAt!: Date;
  /** LM-9: 24:00 of the first working day after the case closed. */
  deadlineAt!: Date;
  deadlineProvisional!: boolean;
  late!: boolean;
  /** LM-11: the force-majeure incident that excuses this late arrival, if any. */
  excusedIncidentId: string | null = null;
  completedAt: Date | null = null;
}

export class Licence {
  id!: string;
  identifier!: string;
  /** The id of version 001: every version of one licence shares it. */
  seriesId!: string;
  typeId!: string;
  typeCode!: string;
  typeVersion!: number;
  name!: string;
  issuerOrganisationId!: string;
  issuerCode!: string;
  serial!: string;
  version!: number;
  previousIdentifier: string | null = null;
  licenceNumber!: string;
  holderName!: string;
  holderCode!: string;
  holderCodeType!: HolderCodeType;
  holderEmail: string | null = null;
  /** Exactly as signed (the canonical form covers metadata and data). */
  metadata!: LicenceMetadata;
  data!: LicenceData;
  issueDate!: string;
  validFrom!: string;
  validTo: string | null = null;
  status!: LicenceStatus;
  /** Issue 12: the suspensions in force (挂失, 暂扣, 质押); while one holds the status is `suspended`. */
  suspensions: Opt<Suspension[]> = [];
  /** SHA-256 (hex) of the canonical form, the signature's data hash. */
  dataHash!: string;
  /**
   * The signature record as stored in this row: without the material its seal's records share, stored once and
   * named by `signatureMaterial` (issue 19, domain/seal-signature.ts), or whole in rows stored before that. Written
   * on insert; readers read `signature`.
   */
  storedSignature!: Opt<SealSignature | CompactSealSignature>;
  signatureMaterial: string | null = null;
  /** The whole signature record, its material put back (read only: a formula, licence_signature_record). */
  signature!: Opt<SealSignature>;
  signatureId!: string;
  sealId!: string;
  /** The issuance request; null for a licence converted from the legacy stock (issue 19, conversionJobId). */
  issuanceId: string | null = null;
  /** Issue 19 (LM-10): the conversion job and the legacy licence number of a converted (存量转换) licence. */
  conversionJobId: string | null = null;
  legacyNumber: string | null = null;
  issuedAt!: Date;
  createdAt: Opt<Date> = new Date();
}

export class LicenceSerial {
  typeCode!: string;
  issuerCode!: string;
  lastSerial!: string;
}

export type OutboxStatus = 'pending' | 'delivered';

/** A message for the data-exchange platform (LM-8), written with the licence and delivered by an activity. */
export class ExchangeOutbox {
  id!: string;
  licenceId!: string;
  event!: string;
  /** Null for a converted licence's message: built from the licence row (activities/exchange.ts withPayloads). */
  payload!: Record<string, unknown> | null;
  status: OutboxStatus = 'pending';
  attempts: Opt<number> = 0;
  lastError: string | null = null;
  createdAt: Opt<Date> = new Date();
  deliveredAt: Date | null = null;
}

/** A using unit's usage list (LM-14): which types it may look up, and whether it sees sensitive items in full. */
export class LicenceUsageGrant {
  organisationId!: string;
  typeCode!: string;
  purpose!: string;
  fullData: Opt<boolean> = false;
  /** The approved usage-list request that last set this entry (issue 16 Build 5); null for a seeded entry. */
  requestId?: string | null;
  grantedAt?: Date | null;
}

/** Issue 16 Build 5 (LM-14): a using unit's request for a usage-list entry, decided by the management unit. */
export class LicenceUsageRequest {
  id!: string;
  organisationId!: string;
  applicantId!: string;
  typeCode!: string;
  purpose!: string;
  fullData!: boolean;
  /** Issue 16 Build 7 (LM-15): the codes of the service items the entry is asked for. */
  serviceItems: Opt<string[]> = [];
  status: LicenceUsageRequestStatus = 'pending';
  workflowId!: string;
  approvalWorkflowId!: string;
  outcomeReason: string | null = null;
  clientRequestId: string | null = null;
  approvalOptions: Opt<StoredInitiatorOptions> = { approvers: {}, cc: [] };
  createdAt: Date = new Date();
  decidedAt: Date | null = null;
}

export const LicenceTypeSchema = new EntitySchema<LicenceType>({
  class: LicenceType,
  tableName: 'licence_type',
  properties: {
    id: { type: 'string', primary: true },
    code: { type: 'string' },
    version: { type: 'integer' },
    status: { type: 'string' },
    name: { type: 'string' },
    definition: { type: 'json' },
    createdBy: { type: 'string', nullable: true },
    createdAt: timestamptz,
    publishedAt: { ...timestamptz, nullable: true },
    supersededAt: { ...timestamptz, nullable: true },
  },
});

export const LicenceIssuanceSchema = new EntitySchema<LicenceIssuance>({
  class: LicenceIssuance,
  tableName: 'licence_issuance',
  properties: {
    id: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    caseId: { type: 'string' },
    kind: { type: 'string' },
    typeId: { type: 'string' },
    typeCode: { type: 'string' },
    previousLicenceId: { type: 'string', nullable: true },
    request: { type: 'json' },
    requestFingerprint: { type: 'string' },
    workflowId: { type: 'string' },
    status: { type: 'string' },
    statusReason: { type: 'text', nullable: true },
    licenceId: { type: 'string', nullable: true },
    requestedBy: { type: 'string' },
    receivedAt: timestamptz,
    caseClosedAt: timestamptz,
    deadlineAt: timestamptz,
    deadlineProvisional: { type: 'boolean' },
    late: { type: 'boolean' },
    excusedIncidentId: { type: 'string', nullable: true },
    completedAt: { ...timestamptz, nullable: true },
  },
});

export const LicenceSchema = new EntitySchema<Licence>({
  class: Licence,
  tableName: 'licence',
  properties: {
    id: { type: 'string', primary: true },
    identifier: { type: 'string', unique: true },
    seriesId: { type: 'string' },
    typeId: { type: 'string' },
    typeCode: { type: 'string' },
    typeVersion: { type: 'integer' },
    name: { type: 'string' },
    issuerOrganisationId: { type: 'string' },
    issuerCode: { type: 'string' },
    serial: { type: 'string' },
    version: { type: 'integer' },
    previousIdentifier: { type: 'string', nullable: true },
    licenceNumber: { type: 'string' },
    holderName: { type: 'string' },
    holderCode: { type: 'string' },
    holderCodeType: { type: 'string' },
    holderEmail: { type: 'string', nullable: true },
    metadata: { type: 'json' },
    data: { type: 'json' },
    issueDate: { type: 'string' },
    validFrom: { type: 'string' },
    validTo: { type: 'string', nullable: true },
    status: { type: 'string' },
    suspensions: { type: 'json' },
    dataHash: { type: 'string' },
    storedSignature: { type: 'json', fieldName: 'signature', lazy: true },
    signatureMaterial: { type: 'string', nullable: true, lazy: true },
    // Issue 19: the record is stored without its material (Migration20261209100001_signature_material).
    signature: {
      type: 'json',
      formula: (t) => licenceSignatureRecordSql(t.alias),
    },
    signatureId: { type: 'string' },
    sealId: { type: 'string' },
    issuanceId: { type: 'string', unique: true, nullable: true },
    conversionJobId: { type: 'string', nullable: true },
    legacyNumber: { type: 'string', nullable: true },
    issuedAt: timestamptz,
    createdAt: timestamptz,
  },
});

export const LicenceSerialSchema = new EntitySchema<LicenceSerial>({
  class: LicenceSerial,
  tableName: 'licence_serial',
  properties: {
    typeCode: { type: 'string', primary: true },
    issuerCode: { type: 'string', primary: true },
    lastSerial: { type: 'bigint' },
  },
});

export const ExchangeOutboxSchema = new EntitySchema<ExchangeOutbox>({
  class: ExchangeOutbox,
  tableName: 'exchange_outbox',
  properties: {
    id: { type: 'string', primary: true },
    licenceId: { type: 'string' },
    event: { type: 'string' },
    payload: { type: 'json', nullable: true },
    status: { type: 'string' },
    attempts: { type: 'integer' },
    lastError: { type: 'text', nullable: true },
    createdAt: timestamptz,
    deliveredAt: { ...timestamptz, nullable: true },
  },
});

export const LicenceUsageGrantSchema = new EntitySchema<LicenceUsageGrant>({
  class: LicenceUsageGrant,
  tableName: 'licence_usage_grant',
  properties: {
    organisationId: { type: 'string', primary: true },
    typeCode: { type: 'string', primary: true },
    purpose: { type: 'string' },
    fullData: { type: 'boolean' },
    requestId: { type: 'string', nullable: true },
    grantedAt: { ...timestamptz, nullable: true },
  },
});

export const LicenceUsageRequestSchema = new EntitySchema<LicenceUsageRequest>({
  class: LicenceUsageRequest,
  tableName: 'licence_usage_request',
  properties: {
    id: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    applicantId: { type: 'string' },
    typeCode: { type: 'string' },
    purpose: { type: 'text' },
    fullData: { type: 'boolean' },
    serviceItems: { type: 'json' },
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

export type LicenceEventStatus =
  'pending' | 'awaiting_approval' | 'awaiting_seal' | 'recorded' | 'rejected' | 'failed';

/** Issue 12 Build 1: one lifecycle event of a licence, unique per issuing unit and case id. */
export class LicenceEvent {
  id!: string;
  licenceId!: string;
  organisationId!: string;
  caseId!: string;
  kind!: LicenceEventKind;
  /** The validated request (legal basis, reason, effective time, the kind's own fields). */
  request!: Record<string, unknown>;
  requestFingerprint!: string;
  workflowId!: string;
  status: LicenceEventStatus = 'pending';
  statusReason: string | null = null;
  effectiveAt: Date | null = null;
  stateAfter: LifecycleState | null = null;
  dataHash: string | null = null;
  signature: SealSignature | null = null;
  signatureId: string | null = null;
  requestedBy!: string;
  requestedAt!: Date;
  recordedAt: Date | null = null;
}

export const LicenceEventSchema = new EntitySchema<LicenceEvent>({
  class: LicenceEvent,
  tableName: 'licence_event',
  properties: {
    id: { type: 'string', primary: true },
    licenceId: { type: 'string' },
    organisationId: { type: 'string' },
    caseId: { type: 'string' },
    kind: { type: 'string' },
    request: { type: 'json' },
    requestFingerprint: { type: 'string' },
    workflowId: { type: 'string' },
    status: { type: 'string' },
    statusReason: { type: 'text', nullable: true },
    effectiveAt: { ...timestamptz, nullable: true },
    stateAfter: { type: 'json', nullable: true },
    dataHash: { type: 'string', nullable: true },
    signature: { type: 'json', nullable: true },
    signatureId: { type: 'string', nullable: true },
    requestedBy: { type: 'string' },
    requestedAt: timestamptz,
    recordedAt: { ...timestamptz, nullable: true },
  },
});

export const LICENCE_ENTITIES = [
  LicenceEventSchema,
  LicenceTypeSchema,
  LicenceIssuanceSchema,
  LicenceSchema,
  LicenceSerialSchema,
  ExchangeOutboxSchema,
  LicenceUsageGrantSchema,
  LicenceUsageRequestSchema,
];
