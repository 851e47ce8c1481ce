/**
 * Messages of the licence issuance workflow, shared by the workflow, the activity that wakes waiting issuances and
 * the API: its deterministic id, the signal that a seal-use authorisation was granted, the state query and the
 * update the API waits on.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IssuanceStatus } from '../domain/licence-issuance';

/** One workflow per issuance row; the row is unique per (unit, business case), so a retry finds the same one. */
export function licenceIssuanceWorkflowId(issuanceId: string): string {
  return `licence-issuance-${issuanceId}`;
}

export interface LicenceIssuanceInput {
  issuanceId: string;
}

export interface LicenceIssuanceState {
  status: IssuanceStatus;
  reason: string | null;
  licenceId: string | null;
  identifier: string | null;
  /** Signing attempts made by this run (continue-as-new starts again at 0). */
  attempts: number;
  /**
   * LM-8: the data-exchange message was delivered (or no endpoint is configured). Set by runs begun before the
   * delivery relay only (issue 19 Build 3); for later ones the relay's rows say it (exchange_outbox, holder_notice).
   */
  exchangeDone: boolean;
  holderNotified: boolean;
}

/** A seal-use authorisation of the issuing unit was granted: look for one now instead of at the next hourly try. */
export const sealAuthorisationGranted = defineSignal('sealAuthorisationGranted');
export const issuanceStateQuery = defineQuery<LicenceIssuanceState>('issuanceState');
/**
 * Issue 19 Build 3: answers once the first signing attempt has settled — issued, failed or awaiting a seal-use
 * authorisation — with the issuance row already saying so. `POST /api/licenses` waits on it instead of polling
 * the row (one long-poll round trip instead of several reads and pauses).
 */
export const issuanceSettled = defineUpdate<IssuanceStatus>('issuanceSettled');
