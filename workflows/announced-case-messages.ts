/**
 * Messages of the announced-case workflow (LM-9), defined once and shared by the workflow and the API: the licence
 * of the case arrived (an issuance request with the same case id was received).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AnnouncedCaseStatus } from '../domain/supervision';

export interface AnnouncedCaseInput {
  announcedCaseId: string;
  /** ISO instant: 24:00 of the next working day after the case closed (domain/supervision.ts). */
  deadlineAt: string;
  /** The issuance request's receipt, when the licence arrived before the case was announced. */
  arrivedAt?: string | null;
}

export interface AnnouncedCaseState {
  status: AnnouncedCaseStatus;
  arrivedAt: string | null;
}

/** The issuance request of the case was received at `receivedAt` (the platform's receipt, not the signing). */
export const licenceArrivedSignal = defineSignal<[{ receivedAt: string }]>('licenceArrived');
export const announcedCaseStateQuery = defineQuery<AnnouncedCaseState>('announcedCaseState');
