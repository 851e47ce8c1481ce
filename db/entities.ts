/**
 * Records kept in PostgreSQL (the system of record, DESIGN §1), as MikroORM entity schemas over plain classes.
 * Foreign keys are plain id columns; their constraints live in the migrations.
 */
import { EntitySchema, Opt } from '@mikro-orm/core';
import type { OrganisationFunction, UserRole } from '../domain/roles';
import type { SealInfo, SealKind, SealMakerSignature, SealStatus } from '../domain/seal';
import type { TaskOrigin, TaskStatus } from '../domain/approval';
import type { StoredInitiatorOptions } from '../domain/flow-definition';
import type { ApplicationStatus, ReviewLevel } from '../domain/seal-application';
import { APPROVAL_ENTITIES } from './approval-entities';
import { CalendarDaySchema, CalendarYearSchema } from './calendar-entities';
import {
  SealSignatureRecordSchema,
  SealUseHandoverSchema,
  SealUseAuthorisationSchema,
  SealUseRequestSchema,
} from './seal-use-entities';
import { LICENCE_ENTITIES } from './licence-entities';
import { SEAL_STATUS_ENTITIES } from './seal-status-entities';
import { DISPUTE_ENTITIES } from './dispute-entities';
import { FORCE_MAJEURE_ENTITIES } from './force-majeure-entities';
import { SUPERVISION_ENTITIES } from './supervision-entities';
import { CERTIFICATE_ENTITIES } from './certificate-entities';
import { ORGANISATION_ENTITIES } from './organisation-entities';

const timestamptz = { type: 'Date', columnType: 'timestamptz' } as const;

export type JurisdictionLevel = 'province' | 'city' | 'county' | 'district' | 'zone';

export class Jurisdiction {
  id!: string; // administrative division code (GB/T 2260), or a platform code for development zones
  name!: string;
  level!: JurisdictionLevel;
  parentId!: string | null;
  sealReviewChain!: string[] | null;
}

export class Organisation {
  id!: string;
  name!: string;
  uscc!: string;
  jurisdictionId!: string;
  functions!: OrganisationFunction[];
  createdAt: Date = new Date();
  /** The unit it belongs to, if any (issue 15). */
  parentId: string | null = null;
  /** When it was closed (issue 15); a closed unit keeps its records but takes no new work. */
  closedAt: Date | null = null;
  /** The unit that took it over in a reorganisation (issue 15 Build 4), if any. */
  successorId: string | null = null;
}

export class AppUser {
  id!: string;
  username!: string;
  displayName!: string;
  email!: string | null;
  organisationId!: string;
  roles!: UserRole[];
  active: boolean = true;
  /** For a holder's account (licence_holder): the citizen ID or USCC of the holder it acts for. */
  holderCode: string | null = null;
  /** The `sub` the OIDC provider gives this person: sign-in binds by it, never by a changeable username. */
  oidcSubject: string | null = null;
}

export class CertificateAuthority {
  id!: string;
  name!: string;
  certificatePem!: string;
  privateKeyEncrypted!: string;
  /** Issue 20: where the CA certificate is published; issued certificates point to it (authority info access). */
  caIssuersUrl: string | null = null;
  createdAt: Date = new Date();
}

export class OrganisationCertificate {
  id!: string;
  organisationId!: string;
  serialNumber!: string;
  subject!: string;
  notBefore!: Date;
  notAfter!: Date;
  certificatePem!: string;
  privateKeyEncrypted!: string;
  revokedAt: Date | null = null;
  /** Why it was revoked (issue 12 Build 5, SM-6), beside the time. */
  revocationReason: string | null = null;
  createdAt: Date = new Date();
}

export class SealApplication {
  id!: string;
  organisationId!: string;
  applicantId!: string;
  clientRequestId: string | null = null;
  kind!: SealKind;
  sealName!: string;
  imprintMediaType!: string;
  imprint!: Buffer;
  widthMm!: number;
  heightMm!: number;
  custodianName!: string;
  custodianPhone: string | null = null;
  reason!: string;
  chain!: ReviewLevel[];
  workflowId!: string;
  status: ApplicationStatus = 'pending';
  outcomeReason: string | null = null;
  sealId: string | null = null;
  approvalWorkflowId: string | null = null;
  /** The applicant's chosen approvers and CC list (user ids), to start the approval again after a crash. */
  approvalOptions: Opt<StoredInitiatorOptions> = { approvers: {}, cc: [] };
  createdAt: Date = new Date();
  decidedAt: Date | null = null;
}

export class Seal {
  id!: string;
  esId!: string;
  /** Null for seals registered at platform setup (存量印章), which had no application here. */
  applicationId: string | null = null;
  organisationId!: string;
  certificateId!: string;
  kind!: SealKind;
  name!: string;
  validFrom!: Date;
  validTo!: Date;
  status: SealStatus = 'active';
  /** Since when the current status holds (issue 12 Build 5); the history is in seal_status_change. */
  statusSince!: Date;
  /** Why the seal is not active (the loss or the cancellation), null while active. */
  statusReason: string | null = null;
  /** SM-8: 1 when made, one more at each renewal (same code, new certificate); earlier ones in seal_version. */
  version: Opt<number> = 1;
  imprintMediaType!: string;
  imprint!: Buffer;
  widthMm!: number;
  heightMm!: number;
  custodianName!: string;
  /** SM-14: the custodian and deputy, people of the seal's unit; without a custodian the seal does not sign. */
  custodianId: string | null = null;
  deputyCustodianId: string | null = null;
  sealInfo!: SealInfo;
  makerSignature!: SealMakerSignature;
  createdAt: Date = new Date();
}

export type { TaskStatus } from '../domain/approval';

/** The inbox row of one approval task: the projection of the approval workflow's state (DESIGN §1). */
export class Task {
  id!: string;
  processKind!: string;
  /** The business record's id (e.g. the seal application). */
  processId!: string;
  /** The approval workflow, which receives the actions on this task. */
  workflowId!: string;
  title!: string;
  stepName!: string;
  stepIndex: number = 0;
  round: number = 1;
  origin: TaskOrigin = 'step';
  isPrimary: boolean = true;
  parentTaskId: string | null = null;
  /** A task goes to one user, or to whoever holds a role in an organisation. */
  assigneeUserId: string | null = null;
  assigneeName: string | null = null;
  assigneeOrganisationId: string | null = null;
  assigneeRole: UserRole | null = null;
  status: TaskStatus = 'pending';
  outcome: string | null = null;
  actedById: string | null = null;
  actedByName: string | null = null;
  actedAt: Date | null = null;
  comment: string | null = null;
  dueAt: Date | null = null;
  dueProvisional: boolean = false;
  lastUrgedAt: Date | null = null;
  openedAt: Date | null = null;
  createdAt: Date = new Date();
  /** On a parallel node: the branch the task belongs to (issue 10). */
  branchKey: string | null = null;
}

export type AuditOutcome = 'success' | 'denied' | 'rejected' | 'failed';

/**
 * An audit row. The table also holds the hash chain (`chain_day`, `chain_part`, `seq`, `prev_hash`, `hash`), set by
 * the database's trigger on insert whatever the writer sends, and read by db/audit-chain.ts only.
 */
export class AuditEvent {
  id!: string;
  /** Set by activities so that a retried activity records its event once. */
  eventKey: string | null = null;
  at: Date = new Date();
  actorUserId: string | null = null;
  actorUsername!: string;
  actorRoles: string[] = [];
  actorOrganisationId: string | null = null;
  action!: string;
  targetType!: string;
  targetId: string | null = null;
  outcome!: AuditOutcome;
  details: Record<string, unknown> = {};
  requestId: string | null = null;
  ip: string | null = null;
}

/** Anonymous verifications counted per identifier, day, channel and result (not audit rows: LM-25, LM-19). */
export class AnonymousVerificationCount {
  day!: string;
  identifier!: string;
  channel!: string;
  indication!: string;
  count!: string;
  lastAt!: Date;
}

export class EmailMessage {
  /** The idempotency key of the send, e.g. `seal-application-<id>:outcome`. */
  id!: string;
  toAddress!: string;
  subject!: string;
  template!: string;
  status: 'pending' | 'sent' = 'pending';
  messageId!: string;
  attempts: number = 0;
  createdAt: Date = new Date();
  sentAt: Date | null = null;
}

export const JurisdictionSchema = new EntitySchema<Jurisdiction>({
  class: Jurisdiction,
  tableName: 'jurisdiction',
  properties: {
    id: { type: 'string', primary: true },
    name: { type: 'string' },
    level: { type: 'string' },
    parentId: { type: 'string', nullable: true },
    sealReviewChain: { type: 'json', nullable: true },
  },
});

export const OrganisationSchema = new EntitySchema<Organisation>({
  class: Organisation,
  tableName: 'organisation',
  properties: {
    id: { type: 'string', primary: true },
    name: { type: 'string' },
    uscc: { type: 'string', unique: true },
    jurisdictionId: { type: 'string' },
    functions: { type: 'string[]' },
    createdAt: timestamptz,
    parentId: { type: 'string', nullable: true },
    closedAt: { ...timestamptz, nullable: true },
    successorId: { type: 'string', nullable: true },
  },
});

export const AppUserSchema = new EntitySchema<AppUser>({
  class: AppUser,
  tableName: 'app_user',
  properties: {
    id: { type: 'string', primary: true },
    username: { type: 'string', unique: true },
    displayName: { type: 'string' },
    email: { type: 'string', nullable: true },
    organisationId: { type: 'string' },
    roles: { type: 'string[]' },
    active: { type: 'boolean' },
    holderCode: { type: 'string', nullable: true },
    oidcSubject: { type: 'string', nullable: true, unique: true },
  },
});

export const CertificateAuthoritySchema = new EntitySchema<CertificateAuthority>({
  class: CertificateAuthority,
  tableName: 'certificate_authority',
  properties: {
    id: { type: 'string', primary: true },
    name: { type: 'string' },
    certificatePem: { type: 'text' },
    privateKeyEncrypted: { type: 'text' },
    caIssuersUrl: { type: 'text', nullable: true },
    createdAt: timestamptz,
  },
});

export const OrganisationCertificateSchema = new EntitySchema<OrganisationCertificate>({
  class: OrganisationCertificate,
  tableName: 'organisation_certificate',
  properties: {
    id: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    serialNumber: { type: 'string', unique: true },
    subject: { type: 'string' },
    notBefore: timestamptz,
    notAfter: timestamptz,
    certificatePem: { type: 'text' },
    privateKeyEncrypted: { type: 'text' },
    revokedAt: { ...timestamptz, nullable: true },
    revocationReason: { type: 'text', nullable: true },
    createdAt: timestamptz,
  },
});

export const SealApplicationSchema = new EntitySchema<SealApplication>({
  class: SealApplication,
  tableName: 'seal_application',
  properties: {
    id: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    applicantId: { type: 'string' },
    clientRequestId: { type: 'string', nullable: true },
    kind: { type: 'string' },
    sealName: { type: 'string' },
    imprintMediaType: { type: 'string' },
    imprint: { type: 'blob' },
    widthMm: { type: 'double' },
    heightMm: { type: 'double' },
    custodianName: { type: 'string' },
    custodianPhone: { type: 'string', nullable: true },
    reason: { type: 'text' },
    chain: { type: 'json' },
    workflowId: { type: 'string' },
    status: { type: 'string' },
    outcomeReason: { type: 'text', nullable: true },
    sealId: { type: 'string', nullable: true },
    approvalWorkflowId: { type: 'string', nullable: true },
    approvalOptions: { type: 'json' },
    createdAt: timestamptz,
    decidedAt: { ...timestamptz, nullable: true },
  },
});

export const SealSchema = new EntitySchema<Seal>({
  class: Seal,
  tableName: 'seal',
  properties: {
    id: { type: 'string', primary: true },
    esId: { type: 'string', unique: true },
    applicationId: { type: 'string', unique: true, nullable: true },
    organisationId: { type: 'string' },
    certificateId: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    validFrom: timestamptz,
    validTo: timestamptz,
    status: { type: 'string' },
    statusSince: timestamptz,
    statusReason: { type: 'text', nullable: true },
    version: { type: 'integer' },
    imprintMediaType: { type: 'string' },
    imprint: { type: 'blob' },
    widthMm: { type: 'double' },
    heightMm: { type: 'double' },
    custodianName: { type: 'string' },
    custodianId: { type: 'string', nullable: true },
    deputyCustodianId: { type: 'string', nullable: true },
    sealInfo: { type: 'json' },
    makerSignature: { type: 'json' },
    createdAt: timestamptz,
  },
});

export const TaskSchema = new EntitySchema<Task>({
  class: Task,
  tableName: 'task',
  properties: {
    id: { type: 'string', primary: true },
    processKind: { type: 'string' },
    processId: { type: 'string' },
    workflowId: { type: 'string' },
    title: { type: 'string' },
    stepName: { type: 'string' },
    stepIndex: { type: 'integer' },
    round: { type: 'integer' },
    origin: { type: 'string' },
    isPrimary: { type: 'boolean' },
    parentTaskId: { type: 'string', nullable: true },
    assigneeUserId: { type: 'string', nullable: true },
    assigneeName: { type: 'string', nullable: true },
    assigneeOrganisationId: { type: 'string', nullable: true },
    assigneeRole: { type: 'string', nullable: true },
    status: { type: 'string' },
    outcome: { type: 'string', nullable: true },
    actedById: { type: 'string', nullable: true },
    actedByName: { type: 'string', nullable: true },
    actedAt: { ...timestamptz, nullable: true },
    comment: { type: 'text', nullable: true },
    dueAt: { ...timestamptz, nullable: true },
    dueProvisional: { type: 'boolean' },
    lastUrgedAt: { ...timestamptz, nullable: true },
    openedAt: { ...timestamptz, nullable: true },
    createdAt: timestamptz,
    branchKey: { type: 'string', nullable: true },
  },
});

export const AuditEventSchema = new EntitySchema<AuditEvent>({
  class: AuditEvent,
  tableName: 'audit_event',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    eventKey: { type: 'string', nullable: true, unique: true },
    at: timestamptz,
    actorUserId: { type: 'string', nullable: true },
    actorUsername: { type: 'string' },
    actorRoles: { type: 'string[]' },
    actorOrganisationId: { type: 'string', nullable: true },
    action: { type: 'string' },
    targetType: { type: 'string' },
    targetId: { type: 'string', nullable: true },
    outcome: { type: 'string' },
    details: { type: 'json' },
    requestId: { type: 'string', nullable: true },
    ip: { type: 'string', nullable: true },
  },
});

export const AnonymousVerificationCountSchema = new EntitySchema<AnonymousVerificationCount>({
  class: AnonymousVerificationCount,
  tableName: 'anonymous_verification_count',
  properties: {
    day: { type: 'date', primary: true },
    identifier: { type: 'string', primary: true },
    channel: { type: 'string', primary: true },
    indication: { type: 'string', primary: true },
    count: { type: 'bigint' },
    lastAt: timestamptz,
  },
});

export const EmailMessageSchema = new EntitySchema<EmailMessage>({
  class: EmailMessage,
  tableName: 'email_message',
  properties: {
    id: { type: 'string', primary: true },
    toAddress: { type: 'string' },
    subject: { type: 'string' },
    template: { type: 'string' },
    status: { type: 'string' },
    messageId: { type: 'string' },
    attempts: { type: 'integer' },
    createdAt: timestamptz,
    sentAt: { ...timestamptz, nullable: true },
  },
});

export const ENTITIES = [
  JurisdictionSchema,
  OrganisationSchema,
  AppUserSchema,
  CertificateAuthoritySchema,
  OrganisationCertificateSchema,
  SealApplicationSchema,
  SealSchema,
  TaskSchema,
  AuditEventSchema,
  AnonymousVerificationCountSchema,
  EmailMessageSchema,
  CalendarYearSchema,
  CalendarDaySchema,
  ...APPROVAL_ENTITIES,
  SealUseRequestSchema,
  SealUseAuthorisationSchema,
  SealSignatureRecordSchema,
  SealUseHandoverSchema,
  ...LICENCE_ENTITIES,
  ...SEAL_STATUS_ENTITIES,
  ...DISPUTE_ENTITIES,
  ...FORCE_MAJEURE_ENTITIES,
  ...ORGANISATION_ENTITIES,
  ...SUPERVISION_ENTITIES,
  ...CERTIFICATE_ENTITIES,
];
