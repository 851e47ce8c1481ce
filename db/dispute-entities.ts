/**
 * Disputes over a licence (issue 13, LM-23): the challenge with its deadlines, its timeline and its breaches. The
 * workflow `dispute-<id>` owns the process; these rows are what pages, supervision and the licence views read.
 */
import { EntitySchema, Opt } from '@mikro-orm/core';
import type { AttachmentRef } from '../domain/approval-state';
import type {
  ChallengerKind,
  DisputeBreachKind,
  DisputeGround,
  DisputeStatus,
  OutcomeKind,
} from '../domain/dispute';

const timestamptz = { type: 'Date', columnType: 'timestamptz' } as const;
const optionalTimestamptz = { ...timestamptz, nullable: true } as const;

export class Dispute {
  id!: string;
  licenceIdentifier!: string;
  licenceSeriesId!: string;
  typeCode!: string;
  issuerOrganisationId!: string;
  challengerKind!: ChallengerKind;
  challengerUserId: string | null = null;
  challengerOrganisationId: string | null = null;
  challengerName!: string;
  challengerEmail: string | null = null;
  challengerPhone: string | null = null;
  ground!: DisputeGround;
  /** The data items concerned, by their labels. */
  items!: string[];
  description!: string;
  attachments: Opt<AttachmentRef[]> = [];
  status!: DisputeStatus;
  receivedAt!: Date;
  markerDueAt!: Date;
  markerProvisional!: boolean;
  outcomeDueAt!: Date;
  outcomeProvisional!: boolean;
  markedAt: Date | null = null;
  markedBy: 'unit' | 'platform' | null = null;
  outcome: OutcomeKind | null = null;
  outcomeReasons: string | null = null;
  newIdentifier: string | null = null;
  closedAt: Date | null = null;
  workflowId!: string;
}

export class DisputeEvent {
  id!: string;
  disputeId!: string;
  kind!: string;
  actorUsername!: string;
  detail: Opt<Record<string, unknown>> = {};
  at!: Date;
  eventKey!: string;
}

export class DisputeBreach {
  disputeId!: string;
  kind!: DisputeBreachKind;
  issuerOrganisationId!: string;
  dueAt!: Date;
  breachedAt!: Date;
}

export const DisputeSchema = new EntitySchema<Dispute>({
  class: Dispute,
  tableName: 'dispute',
  properties: {
    id: { type: 'string', primary: true },
    licenceIdentifier: { type: 'string' },
    licenceSeriesId: { type: 'string' },
    typeCode: { type: 'string' },
    issuerOrganisationId: { type: 'string' },
    challengerKind: { type: 'string' },
    challengerUserId: { type: 'string', nullable: true },
    challengerOrganisationId: { type: 'string', nullable: true },
    challengerName: { type: 'string' },
    challengerEmail: { type: 'string', nullable: true },
    challengerPhone: { type: 'string', nullable: true },
    ground: { type: 'string' },
    items: { type: 'json' },
    description: { type: 'text' },
    attachments: { type: 'json' },
    status: { type: 'string' },
    receivedAt: timestamptz,
    markerDueAt: timestamptz,
    markerProvisional: { type: 'boolean' },
    outcomeDueAt: timestamptz,
    outcomeProvisional: { type: 'boolean' },
    markedAt: optionalTimestamptz,
    markedBy: { type: 'string', nullable: true },
    outcome: { type: 'string', nullable: true },
    outcomeReasons: { type: 'text', nullable: true },
    newIdentifier: { type: 'string', nullable: true },
    closedAt: optionalTimestamptz,
    workflowId: { type: 'string', unique: true },
  },
});

export const DisputeEventSchema = new EntitySchema<DisputeEvent>({
  class: DisputeEvent,
  tableName: 'dispute_event',
  properties: {
    id: { type: 'string', primary: true },
    disputeId: { type: 'string' },
    kind: { type: 'string' },
    actorUsername: { type: 'string' },
    detail: { type: 'json' },
    at: timestamptz,
    eventKey: { type: 'string', unique: true },
  },
});

export const DisputeBreachSchema = new EntitySchema<DisputeBreach>({
  class: DisputeBreach,
  tableName: 'dispute_breach',
  properties: {
    disputeId: { type: 'string', primary: true },
    kind: { type: 'string', primary: true },
    issuerOrganisationId: { type: 'string' },
    dueAt: timestamptz,
    breachedAt: timestamptz,
  },
});

/** LM-24: a unit's responsible person or deputy, from `sinceAt` until `untilAt` (null: current). */
export class DesignatedStaff {
  id!: string;
  organisationId!: string;
  position!: 'responsible' | 'deputy';
  userId!: string;
  assignedBy!: string;
  sinceAt!: Date;
  untilAt: Date | null = null;
}

export const DesignatedStaffSchema = new EntitySchema<DesignatedStaff>({
  class: DesignatedStaff,
  tableName: 'designated_staff',
  properties: {
    id: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    position: { type: 'string' },
    userId: { type: 'string' },
    assignedBy: { type: 'string' },
    sinceAt: timestamptz,
    untilAt: optionalTimestamptz,
  },
});

export const DISPUTE_ENTITIES = [
  DisputeSchema,
  DisputeEventSchema,
  DisputeBreachSchema,
  DesignatedStaffSchema,
];
