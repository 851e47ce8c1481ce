/** Messages of the seal application workflow, defined once and shared by the workflow and the API. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Decision, SealApplicationState } from '../domain/seal-application';

export const approveUpdate = defineUpdate<SealApplicationState, [Decision]>('approve');
export const rejectUpdate = defineUpdate<SealApplicationState, [Decision & { reason: string }]>('reject');
/** Resolves once the first review task is open, so that a submitter's reply shows a process reviewers can act on. */
export const readyUpdate = defineUpdate<SealApplicationState>('ready');
export const stateQuery = defineQuery<SealApplicationState>('state');
