/**
 * Messages of the dispute workflow (LM-23), defined once and shared by the workflow and the API. Every human
 * decision is an update with a validator: a refused one fails with DISPUTE_REFUSED and changes nothing.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DisputeActor, DisputeAnswer, DisputeStatus, OutcomeKind } from '../domain/dispute';

export type { DisputeActor };

export interface DisputeInput {
  disputeId: string;
  /** ISO instants computed at receipt from the working-day calendar (domain/dispute.ts disputeDeadlines). */
  markerDueAt: string;
  outcomeDueAt: string;
}

/** The workflow's own state, plain JSON. */
export interface DisputeState {
  disputeId: string;
  status: DisputeStatus;
  markedBy: 'unit' | 'platform' | null;
  outcome: OutcomeKind | null;
  breaches: Array<'marker_late' | 'outcome_late'>;
}

export const markUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; comment?: string }]>('mark');
export const answerUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; answer: DisputeAnswer }]>(
  'answer',
);
export const requestMaterialUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; message: string }]>(
  'requestMaterial',
);
export const withdrawUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; reason?: string }]>(
  'withdraw',
);
export const disputeStateQuery = defineQuery<DisputeState>('disputeState');

/** The failure type of a refused decision; the API answers it with 409. */
export const DISPUTE_REFUSED = 'DisputeActionRefused';
