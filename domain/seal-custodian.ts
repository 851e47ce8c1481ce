/**
 * A seal's custodian and deputy (issue 15 Build 5, SM-14): each seal names a custodian (保管人) and a deputy
 * (备用保管人), people of the seal's unit. A change is a request decided by the unit leader through the approval
 * engine (process kind `seal_custodian_change`); the requests, approved ones with who held the posts before, are
 * the custodian history. A seal without a custodian does not sign. Pure: the body, the rules and the labels.
 */
import { z } from 'zod';
import { INITIATOR_OPTIONS } from './flow-definition-schema';
import type { SealUseProblem } from './seal-use';

const Username = z.string().trim().min(1, { message: '请选择人员' }).max(64);

export const SealCustodianChangeBody = z
  .object({
    /** The new custodian, by username. */
    custodian: Username,
    /** The new deputy, by username; optional, never the custodian. */
    deputy: Username.optional(),
    reason: z.string().trim().min(2, { message: '请填写变更原因（至少 2 个字）' }).max(500),
    ...INITIATOR_OPTIONS,
  })
  .strict()
  .refine((b) => b.deputy === undefined || b.deputy !== b.custodian, {
    path: ['deputy'],
    message: '备用保管人不能与保管人为同一人',
  });
export type SealCustodianChangeBody = z.infer<typeof SealCustodianChangeBody>;

export type SealCustodianChangeStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';
export const SEAL_CUSTODIAN_CHANGE_STATUS_LABELS: Record<SealCustodianChangeStatus, string> = {
  pending: '审批中',
  approved: '已批准',
  rejected: '已驳回',
  withdrawn: '已撤回',
};

/** The request's process (a parent of its approval): one per request, its id from the request's. */
export function sealCustodianChangeWorkflowId(requestId: string): string {
  return `seal-custodian-change-${requestId}`;
}

/** A person named for a post: they must belong to the seal's unit and be active. */
export function custodianCandidateProblem(
  person: { organisationId: string; active: boolean } | null,
  sealOrganisationId: string,
): string | null {
  if (!person) return '没有该人员';
  if (person.organisationId !== sealOrganisationId) return '保管人须为印章所属单位的人员';
  if (!person.active) return '该人员已停用，不能担任保管人';
  return null;
}

/** SM-14: a seal signs only while it names a custodian. */
export function custodianProblem(seal: { custodianId: string | null }): SealUseProblem | null {
  if (seal.custodianId) return null;
  return {
    code: 'NO_CUSTODIAN',
    message: '该印章尚未指定保管人，不能用印：请先提交保管人变更申请，经单位负责人批准后再用印',
  };
}
