/**
 * The history of an organisation (issue 15): each version is its whole state from an effective date on, with who
 * changed it and why. The `organisation` row holds the current state; these rows are never changed.
 */
import { EntitySchema } from '@mikro-orm/core';
import type { OrganisationFunction } from '../domain/roles';
import type { OrganisationChangeKind } from '../domain/organisation-registry';

export class OrganisationVersion {
  id!: string;
  organisationId!: string;
  version!: number;
  change!: OrganisationChangeKind;
  name!: string;
  uscc!: string;
  jurisdictionId!: string;
  parentId: string | null = null;
  functions!: OrganisationFunction[];
  closed!: boolean;
  /** The day (Asia/Shanghai, YYYY-MM-DD) the state takes effect. */
  effectiveFrom!: string;
  reason: string | null = null;
  changedBy!: string;
  changedAt!: Date;
}

export const OrganisationVersionSchema = new EntitySchema<OrganisationVersion>({
  class: OrganisationVersion,
  tableName: 'organisation_version',
  properties: {
    id: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    version: { type: 'integer' },
    change: { type: 'string' },
    name: { type: 'string' },
    uscc: { type: 'string' },
    jurisdictionId: { type: 'string' },
    parentId: { type: 'string', nullable: true },
    functions: { type: 'string[]' },
    closed: { type: 'boolean' },
    effectiveFrom: { type: 'date' },
    reason: { type: 'string', nullable: true },
    changedBy: { type: 'string' },
    changedAt: { type: 'Date', columnType: 'timestamptz' },
  },
});

export type ReorganisationStatus = 'running' | 'done';

/** Issue 15 Build 4: one reorganisation (机构改革) of a unit into its successor; the workflow carries it out. */
export class Reorganisation {
  id!: string;
  kind!: 'rename';
  predecessorId!: string;
  /** Chosen when asked for (`org-reorg-<id>`); the row exists once the workflow created it. */
  successorId!: string;
  successorName!: string;
  successorUscc!: string;
  reason!: string;
  effectiveFrom!: string;
  status!: ReorganisationStatus;
  workflowId!: string;
  requestedBy!: string;
  summary: Record<string, unknown> | null = null;
  createdAt!: Date;
  finishedAt: Date | null = null;
}

export const ReorganisationSchema = new EntitySchema<Reorganisation>({
  class: Reorganisation,
  tableName: 'reorganisation',
  properties: {
    id: { type: 'string', primary: true },
    kind: { type: 'string' },
    predecessorId: { type: 'string' },
    successorId: { type: 'string' },
    successorName: { type: 'string' },
    successorUscc: { type: 'string' },
    reason: { type: 'string' },
    effectiveFrom: { type: 'date' },
    status: { type: 'string' },
    workflowId: { type: 'string' },
    requestedBy: { type: 'string' },
    summary: { type: 'json', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    finishedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
  },
});

export const ORGANISATION_ENTITIES = [OrganisationVersionSchema, ReorganisationSchema];
