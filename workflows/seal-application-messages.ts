/**
 * Messages of the seal application workflow, shared by the workflow and the API. Decisions on the review go to
 * the approval workflow (approval-messages.ts).
 */
import { defineQuery } from '@temporalio/workflow';
import type { SealApplicationState } from '../domain/seal-application';

export const stateQuery = defineQuery<SealApplicationState>('state');
