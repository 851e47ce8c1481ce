/**
 * Supervision (issue 14, LM-9, LM-28, LM-30): announced cases, findings with their evidence, rectification orders
 * and their timeline. The workflows `case-<unit>-<case id>` and `rectification-<id>` own the processes; these rows
 * are what the API, pages and reports read.
 */
import { EntitySchema, Opt } from '@mikro-orm/core';
import type { AttachmentRef } from '../domain/approval-state';
import type { RectificationStatus } from '../domain/rectification';
import type { AnnouncedCaseStatus, FindingState, ViolationKind } from '../domain/supervision';

const timestamptz = { type: 'Date', columnType: 'timestamptz' } as const;
const optionalTimestamptz = { ...timestamptz, nullable: true } as const;

export class AnnouncedCase {
  id!: string;
  organisationId!: string;
  caseId!: string;
  typeCode!: string;
  closedAt!: Date;
  deadlineAt!: Date;
  deadlineProvisional!: boolean;
  announcedAt!: Date;
  announcedBy!: string;
  status!: AnnouncedCaseStatus;
  arrivedAt: Date | null = null;
  flaggedAt: Date | null = null;
  workflowId!: string;
}

export class SupervisionFinding {
  id!: string;
  organisationId!: string;
  kind!: ViolationKind;
  rule!: string;
  evidence!: Record<string, unknown>;
  foundAt!: Date;
  state!: FindingState;
  orderId: string | null = null;
  sourceKey!: string;
}

/** A person recorded for disciplinary follow-up when an order escalates (LM-30). */
export interface ResponsiblePerson {
  userId: string;
  displayName: string;
  position: string;
}

export class RectificationOrder {
  id!: string;
  managementOrganisationId!: string;
  organisationId!: string;
  findingIds!: string[];
  requirements!: string;
  deadlineAt!: Date;
  deadlineProvisional!: boolean;
  status!: RectificationStatus;
  extensionReason: string | null = null;
  responsiblePersons: Opt<ResponsiblePerson[]> = [];
  orderedBy!: string;
  orderedAt!: Date;
  escalatedAt: Date | null = null;
  closedAt: Date | null = null;
  workflowId!: string;
}

export class RectificationEvent {
  id!: string;
  orderId!: string;
  kind!: string;
  actorUsername!: string;
  detail: Opt<Record<string, unknown> & { attachments?: AttachmentRef[] }> = {};
  at!: Date;
  eventKey!: string;
}

export const AnnouncedCaseSchema = new EntitySchema<AnnouncedCase>({
  class: AnnouncedCase,
  tableName: 'announced_case',
  properties: {
    id: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    caseId: { type: 'string' },
    typeCode: { type: 'string' },
    closedAt: timestamptz,
    deadlineAt: timestamptz,
    deadlineProvisional: { type: 'boolean' },
    announcedAt: timestamptz,
    announcedBy: { type: 'string' },
    status: { type: 'string' },
    arrivedAt: optionalTimestamptz,
    flaggedAt: optionalTimestamptz,
    workflowId: { type: 'string', unique: true },
  },
});

export const SupervisionFindingSchema = new EntitySchema<SupervisionFinding>({
  class: SupervisionFinding,
  tableName: 'supervision_finding',
  properties: {
    id: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    kind: { type: 'string' },
    rule: { type: 'string' },
    evidence: { type: 'json' },
    foundAt: timestamptz,
    state: { type: 'string' },
    orderId: { type: 'string', nullable: true },
    sourceKey: { type: 'string', unique: true },
  },
});

export const RectificationOrderSchema = new EntitySchema<RectificationOrder>({
  class: RectificationOrder,
  tableName: 'rectification_order',
  properties: {
    id: { type: 'string', primary: true },
    managementOrganisationId: { type: 'string' },
    organisationId: { type: 'string' },
    findingIds: { type: 'json' },
    requirements: { type: 'text' },
    deadlineAt: timestamptz,
    deadlineProvisional: { type: 'boolean' },
    status: { type: 'string' },
    extensionReason: { type: 'text', nullable: true },
    responsiblePersons: { type: 'json' },
    orderedBy: { type: 'string' },
    orderedAt: timestamptz,
    escalatedAt: optionalTimestamptz,
    closedAt: optionalTimestamptz,
    workflowId: { type: 'string', unique: true },
  },
});

export const RectificationEventSchema = new EntitySchema<RectificationEvent>({
  class: RectificationEvent,
  tableName: 'rectification_event',
  properties: {
    id: { type: 'string', primary: true },
    orderId: { type: 'string' },
    kind: { type: 'string' },
    actorUsername: { type: 'string' },
    detail: { type: 'json' },
    at: timestamptz,
    eventKey: { type: 'string', unique: true },
  },
});

export const SUPERVISION_ENTITIES = [
  AnnouncedCaseSchema,
  SupervisionFindingSchema,
  RectificationOrderSchema,
  RectificationEventSchema,
];
