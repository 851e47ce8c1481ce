/**
 * Messages of the approval workflow, defined once and shared by the workflow and the API. Every human action is an
 * update named after its entry in the action table (domain/approval-actions.ts), with a validator: a refused action
 * fails with one of PROBLEM_FAILURE_TYPES and changes nothing.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { ACTION_NAMES, ActionName, ActionRequest, ApprovalState, Problem } from '../domain/approval';
import type { ReleaseRequest, UnitTasksMove } from '../domain/approval-release';

/** One update per action of the table, named as the action. */
export const ACTION_UPDATES = Object.fromEntries(
  ACTION_NAMES.map((name) => [name, defineUpdate<ApprovalState, [ActionRequest]>(name)]),
) as Record<ActionName, UpdateDefinition<ApprovalState, [ActionRequest]>>;

/** Resolves once the first step's tasks are open and projected, so that a submitter's reply shows them. */
export const readyUpdate = defineUpdate<ApprovalState>('ready');
export const approvalStateQuery = defineQuery<ApprovalState>('approvalState');
/** The working-day calendar changed (issue 10): compute the running deadline again from its start and used time. */
export const retimeSignal = defineSignal('retime');
/** Issue 15: a person left or moved; their open tasks go back to the role group or the unit leader. */
export const releaseTasksSignal = defineSignal<[ReleaseRequest]>('releaseTasks');
/** Issue 15 Build 4: a unit was reorganised; its open tasks go to the successor's group of the same role. */
export const moveUnitTasksSignal = defineSignal<[UnitTasksMove]>('moveUnitTasks');

/** The failure types the workflow raises for refused actions; the API maps each to its status. */
export const PROBLEM_FAILURE_TYPES: Record<Problem['kind'], string> = {
  forbidden: 'ApprovalForbidden',
  conflict: 'TaskNotPending',
  invalid: 'InvalidApprovalAction',
  rate_limited: 'UrgeRateLimited',
};
