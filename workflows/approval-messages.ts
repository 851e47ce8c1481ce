/**
 * Messages of the approval workflow, defined once and shared by the workflow and the API. Every human action is an
 * update with a validator: a refused action fails with one of PROBLEM_FAILURE_TYPES and changes nothing.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  AddSignerAction,
  ApprovalState,
  ApproveAction,
  CcAction,
  DelegateAction,
  RejectAction,
  RemoveSignerAction,
  ReturnAction,
  TransferAction,
  UrgeAction,
  WithdrawAction,
} from '../domain/approval';

export const approveUpdate = defineUpdate<ApprovalState, [ApproveAction]>('approve');
export const rejectUpdate = defineUpdate<ApprovalState, [RejectAction]>('reject');
export const transferUpdate = defineUpdate<ApprovalState, [TransferAction]>('transfer');
export const delegateUpdate = defineUpdate<ApprovalState, [DelegateAction]>('delegate');
export const addSignerUpdate = defineUpdate<ApprovalState, [AddSignerAction]>('addSigner');
export const removeSignerUpdate = defineUpdate<ApprovalState, [RemoveSignerAction]>('removeSigner');
export const returnUpdate = defineUpdate<ApprovalState, [ReturnAction]>('return');
export const withdrawUpdate = defineUpdate<ApprovalState, [WithdrawAction]>('withdraw');
export const urgeUpdate = defineUpdate<ApprovalState, [UrgeAction]>('urge');
export const ccUpdate = defineUpdate<ApprovalState, [CcAction]>('cc');
/** Resolves once the first step's tasks are open and projected, so that a submitter's reply shows them. */
export const readyUpdate = defineUpdate<ApprovalState>('ready');
export const approvalStateQuery = defineQuery<ApprovalState>('approvalState');
