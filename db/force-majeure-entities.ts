/**
 * Force-majeure incidents (issue 13 Build 4, LM-11): the report, its acknowledgement and clearance with the
 * backlog and its deadline, and the breach when the backlog was not issued in time. The workflow
 * `force-majeure-<id>` owns the clearance and the backlog deadline; these rows are what the API and pages read.
 */
import { EntitySchema, Opt } from '@mikro-orm/core';
import type { IncidentStatus } from '../domain/force-majeure';

const timestamptz = { type: 'Date', columnType: 'timestamptz' } as const;
const optionalTimestamptz = { ...timestamptz, nullable: true } as const;

export class ForceMajeureIncident {
  id!: string;
  organisationId!: string;
  failure!: string;
  since!: Date;
  typeCodes!: string[];
  measures!: string;
  status!: IncidentStatus;
  reportedBy!: string;
  reportedAt!: Date;
  acknowledgedBy: string | null = null;
  acknowledgedAt: Date | null = null;
  clearedBy: string | null = null;
  clearedAt: Date | null = null;
  clearanceNote: string | null = null;
  /** The case ids still lacking a licence at clearance (declared by the unit and known to the platform). */
  backlog: Opt<string[]> = [];
  backlogDueAt: Date | null = null;
  backlogDueProvisional: boolean | null = null;
  closedAt: Date | null = null;
  workflowId!: string;
}

export class ForceMajeureBreach {
  incidentId!: string;
  organisationId!: string;
  dueAt!: Date;
  breachedAt!: Date;
  missingCaseIds!: string[];
}

export const ForceMajeureIncidentSchema = new EntitySchema<ForceMajeureIncident>({
  class: ForceMajeureIncident,
  tableName: 'force_majeure_incident',
  properties: {
    id: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    failure: { type: 'text' },
    since: timestamptz,
    typeCodes: { type: 'json' },
    measures: { type: 'text' },
    status: { type: 'string' },
    reportedBy: { type: 'string' },
    reportedAt: timestamptz,
    acknowledgedBy: { type: 'string', nullable: true },
    acknowledgedAt: optionalTimestamptz,
    clearedBy: { type: 'string', nullable: true },
    clearedAt: optionalTimestamptz,
    clearanceNote: { type: 'text', nullable: true },
    backlog: { type: 'json' },
    backlogDueAt: optionalTimestamptz,
    backlogDueProvisional: { type: 'boolean', nullable: true },
    closedAt: optionalTimestamptz,
    workflowId: { type: 'string', unique: true },
  },
});

export const ForceMajeureBreachSchema = new EntitySchema<ForceMajeureBreach>({
  class: ForceMajeureBreach,
  tableName: 'force_majeure_breach',
  properties: {
    incidentId: { type: 'string', primary: true },
    organisationId: { type: 'string' },
    dueAt: timestamptz,
    breachedAt: timestamptz,
    missingCaseIds: { type: 'json' },
  },
});

export const FORCE_MAJEURE_ENTITIES = [ForceMajeureIncidentSchema, ForceMajeureBreachSchema];
