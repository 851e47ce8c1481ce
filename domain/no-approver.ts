/**
 * The no-approver rule of a step (issue 10 build item 1): when a step's rules find nobody, the process is rejected
 * with a clear reason (`reject`, the default), or the task goes to the management unit's administrator
 * (`assign_admin`), never where the process requires a role the administrator lacks (approverAuthority: the
 * legal-name seal's use needs `unit_leader`, SM-12); then the process is rejected and the reason says why.
 * Pure: the activity finds the administrators, this decides.
 */
import type { Assignee, UserRef } from './approval-state';
import type { NoApproverRule, StepMode } from './flow-definition';
import type { UserRole } from './roles';

export type NoApproverOutcome =
  | { assignees: Assignee[]; note: string; reason?: undefined }
  | { assignees: []; reason: string; note?: undefined };

export function noApproverReason(stepName: string): string {
  return `步骤“${stepName}”找不到审批人，流程终止，请联系平台管理员检查流程定义或人员配置`;
}

/**
 * What a step with nobody found gets under its rule. `admins` are the administrators of the nearest management
 * unit (the initiator excluded), with their roles; `unitName` names that unit.
 */
export function noApproverOutcome(p: {
  rule: NoApproverRule | undefined;
  stepName: string;
  mode: StepMode;
  admins: UserRef[];
  unitName: string | null;
  authority: { roles: UserRole[]; reason: string } | null;
}): NoApproverOutcome {
  if ((p.rule ?? 'reject') === 'reject') return { assignees: [], reason: noApproverReason(p.stepName) };
  if (p.admins.length === 0) {
    return { assignees: [], reason: `步骤“${p.stepName}”找不到审批人，也找不到管理单位管理员，流程终止` };
  }
  const authority = p.authority;
  const allowed = authority
    ? p.admins.filter((a) => authority.roles.some((r) => (a.roles ?? []).includes(r)))
    : p.admins;
  if (allowed.length === 0) {
    return {
      assignees: [],
      reason: `步骤“${p.stepName}”找不到审批人；管理单位管理员不具备本流程要求的审批权限（${authority!.reason}），不能代为审批，流程终止`,
    };
  }
  // One approver for a single-approver step (the first by account name), every administrator otherwise.
  const chosen = p.mode === 'single' ? allowed.slice(0, 1) : allowed;
  return {
    assignees: chosen.map((u) => ({ kind: 'user' as const, ...u })),
    note: `本步骤找不到审批人，按流程规定交由${p.unitName ?? '管理单位'}管理员办理`,
  };
}
