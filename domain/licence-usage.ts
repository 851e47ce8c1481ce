/**
 * A using unit's usage-list request (issue 16 Build 5, LM-12, LM-14, LM-15): the unit asks for a licence type on
 * its usage list, for a stated purpose, masked or in full; the management unit of its jurisdiction decides it
 * through the approval engine (process kind `licence_usage`). Approved, the list entry is written (or changed):
 * from then on the unit's verifiers see that type as the entry allows. Pure: the body and the labels.
 */
import { z } from 'zod';
import { INITIATOR_OPTIONS } from './flow-definition-schema';
import { TYPE_CODE_PATTERN } from './licence-identifier';
import { ServiceItemCode } from './service-item';

export const LicenceUsageRequestBody = z
  .object({
    typeCode: z.string().regex(TYPE_CODE_PATTERN, { message: '应为 21 位证照类型代码' }),
    purpose: z.string().trim().min(2, { message: '请填写用证目的（至少 2 个字）' }).max(200),
    /** true: the unit asks to see the type's sensitive items in full; false: masked. */
    fullData: z.boolean({ message: '请选择是否需要完整数据' }),
    /** LM-15: the service items the entry is for (codes of the public service-item list). */
    serviceItems: z.array(ServiceItemCode).max(20, { message: '最多选择 20 个服务事项' }).default([]),
    ...INITIATOR_OPTIONS,
  })
  .strict();
export type LicenceUsageRequestBody = z.infer<typeof LicenceUsageRequestBody>;

export type LicenceUsageRequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';
export const LICENCE_USAGE_REQUEST_STATUS_LABELS: Record<LicenceUsageRequestStatus, string> = {
  pending: '审批中',
  approved: '已批准',
  rejected: '已驳回',
  withdrawn: '已撤回',
};

/** The request's process (a parent of its approval): one per request, its id from the request's. */
export function licenceUsageRequestWorkflowId(requestId: string): string {
  return `licence-usage-request-${requestId}`;
}

/** The one sentence a using unit's staff and the approver read: 完整数据 or 脱敏数据. */
export function usageScopeLabel(fullData: boolean): string {
  return fullData ? '完整数据' : '脱敏数据';
}
