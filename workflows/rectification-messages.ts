/**
 * Messages of the rectification-order workflow (LM-30), defined once and shared by the workflow and the API.
 * Every decision is an update with a validator: a refused one fails with RECTIFICATION_REFUSED (the API's 409).
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AttachmentRef } from '../domain/approval-state';
import type { RectificationStatus } from '../domain/rectification';

export interface RectificationActor {
  userId: string;
  username: string;
  displayName: string;
}

export interface RectificationInput {
  orderId: string;
  /** ISO instants computed by the API from the working-day calendar (domain/rectification.ts). */
  dueAt: string;
  remindAt: string | null;
}

export interface RectificationState {
  orderId: string;
  status: RectificationStatus;
  dueAt: string;
  remindAt: string | null;
  reminded: boolean;
  extended: boolean;
  /** Steps taken so far: the key of each step's records, stable on a retried activity. */
  steps: number;
}

export const submitReportUpdate = defineUpdate<
  RectificationState,
  [{ actor: RectificationActor; report: string; attachments: AttachmentRef[] }]
>('submitReport');
export const acceptReportUpdate = defineUpdate<
  RectificationState,
  [{ actor: RectificationActor; comment?: string }]
>('acceptReport');
export const returnReportUpdate = defineUpdate<
  RectificationState,
  [{ actor: RectificationActor; comment?: string }]
>('returnReport');
export const extendOrderUpdate = defineUpdate<
  RectificationState,
  [{ actor: RectificationActor; reason: string; dueAt: string; remindAt: string | null }]
>('extendOrder');
export const rectificationStateQuery = defineQuery<RectificationState>('rectificationState');

export const RECTIFICATION_REFUSED = 'RectificationActionRefused';
