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

export const ORGANISATION_ENTITIES = [OrganisationVersionSchema];
