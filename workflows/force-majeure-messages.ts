/**
 * Messages of the force-majeure workflow (LM-11), defined once and shared by the workflow and the API. The
 * unit's clearance and the management unit's acknowledgement are updates with validators: a refused one fails
 * with INCIDENT_REFUSED and changes nothing.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DisputeActor } from '../domain/dispute';
import type { IncidentClearance, IncidentStatus } from '../domain/force-majeure';

export interface ForceMajeureInput {
  incidentId: string;
}

/** The workflow's own state, plain JSON. */
export interface ForceMajeureState {
  incidentId: string;
  status: IncidentStatus;
  acknowledged: boolean;
  backlogDueAt: string | null;
  backlog: string[];
  /** At the backlog deadline: the cases still lacking a licence (a breach when not empty). */
  missing: string[] | null;
}

export const clearIncidentUpdate = defineUpdate<
  ForceMajeureState,
  [{ actor: DisputeActor; clearance: IncidentClearance }]
>('clearIncident');
export const acknowledgeIncidentUpdate = defineUpdate<
  ForceMajeureState,
  [{ actor: DisputeActor; comment?: string }]
>('acknowledgeIncident');
export const forceMajeureStateQuery = defineQuery<ForceMajeureState>('forceMajeureState');

/** The failure type of a refused clearance or acknowledgement; the API answers it with 409. */
export const INCIDENT_REFUSED = 'IncidentActionRefused';
