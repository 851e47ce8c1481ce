/**
 * Messages of the seal-use handover workflow (issue 15 Build 3), defined once and shared by the workflow and the
 * API: the leader's decision is made in PostgreSQL (api/services/seal-use-handovers.ts); this signal only tells the
 * waiting workflow that no reminder is needed any more.
 */
import { defineSignal } from '@temporalio/workflow';

export interface SealUseHandoverInput {
  handoverId: string;
  /** The decision's deadline (ISO), computed from the working-day calendar when it was opened. */
  dueAt: string;
}

export const sealUseHandoverDecidedSignal = defineSignal('sealUseHandoverDecided');
