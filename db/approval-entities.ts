/**
 * Records of the approval engine: versioned flow definitions, the projection of each approval process (what the
 * inboxes and supervision read), its timeline, CC list and deadline breaches, and uploaded attachments. The
 * approval workflow is the process of record while it runs; these rows are written by its activities.
 */
import { EntitySchema } from '@mikro-orm/core';
import type { ActorRef, AttachmentRef, Deadline, EventAction, ProcessStatus } from '../domain/approval';
import type {
  BreachAction,
  FlowNode,
  FlowStatus,
  ProcessKind,
  ProcessVariables,
} from '../domain/flow-definition';
import type { JurisdictionLevel } from './entities';

const timestamptz = { type: 'Date', columnType: 'timestamptz' } as const;

export class FlowDefinition {
  id!: string;
  kind!: ProcessKind;
  name!: string;
  organisationId: string | null = null;
  jurisdictionLevel: JurisdictionLevel | null = null;
  version!: number;
  steps!: FlowNode[];
  status: FlowStatus = 'draft';
  createdBy!: string;
  createdAt: Date = new Date();
  /** When and by whom the version became active (published, or made by a restore); null for a draft. */
  publishedAt: Date | null = null;
  publishedBy: string | null = null;
  /** For a version made by restoring an earlier one: that version's id. */
  restoredFromId: string | null = null;
}

export class ApprovalProcess {
  /** The approval workflow id. */
  id!: string;
  kind!: ProcessKind;
  processId!: string;
  title!: string;
  detailPath!: string;
  initiatorId!: string;
  organisationId!: string;
  jurisdictionId!: string;
  definitionId!: string;
  definitionVersion!: number;
  status!: ProcessStatus;
  currentStepIndex: number | null = null;
  currentStepName: string | null = null;
  stepDueAt: Date | null = null;
  stepDueProvisional: boolean = false;
  /** The current step's open suspension (issue 10: 补正 etc.): its kind and since when; the inbox shows 已中止. */
  suspensionKind: string | null = null;
  suspendedAt: Date | null = null;
  outcomeReason: string | null = null;
  startedAt!: Date;
  endedAt: Date | null = null;
  updatedAt: Date = new Date();
  /** The variables its conditional branches test (issue 10); null for processes started before. */
  variables: ProcessVariables | null = null;
}

export class ApprovalEventRecord {
  processKey!: string;
  seq!: number;
  at!: Date;
  action!: EventAction;
  stepIndex: number | null = null;
  stepName: string | null = null;
  taskId: string | null = null;
  actor: ActorRef | null = null;
  targets: string[] = [];
  comment: string | null = null;
  attachments: AttachmentRef[] = [];
  due: Deadline | null = null;
  /** An approval's handwritten signature, an attachment id (issue 10). */
  signatureId: string | null = null;
}

export class ApprovalCc {
  processKey!: string;
  userId!: string;
  at!: Date;
  addedBy!: ActorRef;
  stepIndex: number | null = null;
}

export class DeadlineBreach {
  /** `<process key>:s<step>:r<round>`: one breach per step round. */
  id!: string;
  processKey!: string;
  kind!: ProcessKind;
  organisationId!: string;
  jurisdictionId!: string;
  stepIndex!: number;
  stepName!: string;
  dueAt!: Date;
  breachedAt!: Date;
  action!: BreachAction;
  taskIds!: string[];
  assigneeOrganisationIds: string[] = [];
}

export class Attachment {
  id!: string;
  fileName!: string;
  mediaType!: string;
  size!: number;
  sha256!: string;
  content!: Buffer;
  uploadedBy!: string;
  uploadedAt: Date = new Date();
}

export const FlowDefinitionSchema = new EntitySchema<FlowDefinition>({
  class: FlowDefinition,
  tableName: 'flow_definition',
  properties: {
    id: { type: 'string', primary: true },
    kind: { type: 'string' },
    name: { type: 'string' },
    organisationId: { type: 'string', nullable: true },
    jurisdictionLevel: { type: 'string', nullable: true },
    version: { type: 'integer' },
    steps: { type: 'json' },
    status: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: timestamptz,
    publishedAt: { ...timestamptz, nullable: true },
    publishedBy: { type: 'string', nullable: true },
    restoredFromId: { type: 'string', nullable: true },
  },
});

export const ApprovalProcessSchema = new EntitySchema<ApprovalProcess>({
  class: ApprovalProcess,
  tableName: 'approval_process',
  properties: {
    id: { type: 'string', primary: true },
    kind: { type: 'string' },
    processId: { type: 'string' },
    title: { type: 'string' },
    detailPath: { type: 'string' },
    initiatorId: { type: 'string' },
    organisationId: { type: 'string' },
    jurisdictionId: { type: 'string' },
    definitionId: { type: 'string' },
    definitionVersion: { type: 'integer' },
    status: { type: 'string' },
    currentStepIndex: { type: 'integer', nullable: true },
    currentStepName: { type: 'string', nullable: true },
    stepDueAt: { ...timestamptz, nullable: true },
    stepDueProvisional: { type: 'boolean' },
    suspensionKind: { type: 'string', nullable: true },
    suspendedAt: { ...timestamptz, nullable: true },
    outcomeReason: { type: 'text', nullable: true },
    startedAt: timestamptz,
    endedAt: { ...timestamptz, nullable: true },
    updatedAt: timestamptz,
    variables: { type: 'json', nullable: true },
  },
});

export const ApprovalEventSchema = new EntitySchema<ApprovalEventRecord>({
  class: ApprovalEventRecord,
  tableName: 'approval_event',
  properties: {
    processKey: { type: 'string', primary: true },
    seq: { type: 'integer', primary: true },
    at: timestamptz,
    action: { type: 'string' },
    stepIndex: { type: 'integer', nullable: true },
    stepName: { type: 'string', nullable: true },
    taskId: { type: 'string', nullable: true },
    actor: { type: 'json', nullable: true },
    targets: { type: 'json' },
    comment: { type: 'text', nullable: true },
    attachments: { type: 'json' },
    due: { type: 'json', nullable: true },
    signatureId: { type: 'string', nullable: true },
  },
});

export const ApprovalCcSchema = new EntitySchema<ApprovalCc>({
  class: ApprovalCc,
  tableName: 'approval_cc',
  properties: {
    processKey: { type: 'string', primary: true },
    userId: { type: 'string', primary: true },
    at: timestamptz,
    addedBy: { type: 'json' },
    stepIndex: { type: 'integer', nullable: true },
  },
});

export const DeadlineBreachSchema = new EntitySchema<DeadlineBreach>({
  class: DeadlineBreach,
  tableName: 'deadline_breach',
  properties: {
    id: { type: 'string', primary: true },
    processKey: { type: 'string' },
    kind: { type: 'string' },
    organisationId: { type: 'string' },
    jurisdictionId: { type: 'string' },
    stepIndex: { type: 'integer' },
    stepName: { type: 'string' },
    dueAt: timestamptz,
    breachedAt: timestamptz,
    action: { type: 'string' },
    taskIds: { type: 'json' },
    assigneeOrganisationIds: { type: 'string[]' },
  },
});

export const AttachmentSchema = new EntitySchema<Attachment>({
  class: Attachment,
  tableName: 'attachment',
  properties: {
    id: { type: 'string', primary: true },
    fileName: { type: 'string' },
    mediaType: { type: 'string' },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    content: { type: 'blob', lazy: true },
    uploadedBy: { type: 'string' },
    uploadedAt: timestamptz,
  },
});

/** An in-app notice (站内提醒, issue 10): a reminder with the task's time left, shown to its user in the platform. */
export class InAppNotice {
  /** `<notice id>:<user id>`: one per notice and recipient, so a retried activity writes it once. */
  id!: string;
  userId!: string;
  processKey!: string;
  kind!: string;
  title!: string;
  body!: string;
  url!: string;
  createdAt!: Date;
  readAt: Date | null = null;
}

export const InAppNoticeSchema = new EntitySchema<InAppNotice>({
  class: InAppNotice,
  tableName: 'in_app_notice',
  properties: {
    id: { type: 'string', primary: true },
    userId: { type: 'string' },
    processKey: { type: 'string' },
    kind: { type: 'string' },
    title: { type: 'text' },
    body: { type: 'text' },
    url: { type: 'text' },
    createdAt: timestamptz,
    readAt: { ...timestamptz, nullable: true },
  },
});

export const APPROVAL_ENTITIES = [
  InAppNoticeSchema,
  FlowDefinitionSchema,
  ApprovalProcessSchema,
  ApprovalEventSchema,
  ApprovalCcSchema,
  DeadlineBreachSchema,
  AttachmentSchema,
];
