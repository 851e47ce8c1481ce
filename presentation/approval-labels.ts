/**
 * How the approval engine's states, origins and events read to people (zh-CN): one place for the labels the pages,
 * the inboxes and the e-mails show. The rules in domain/ never depend on them.
 */
import type { EventAction, ProcessStatus, TaskOrigin, TaskStatus } from '../domain/approval';

export const TASK_STATUS_LABELS: Record<TaskStatus, string> = {
  pending: '待处理',
  waiting: '等待中',
  approved: '已同意',
  rejected: '已驳回',
  transferred: '已转办',
  delegated: '已委派',
  returned: '已退回',
  cancelled: '已取消',
  removed: '已减签',
};
export const PROCESS_STATUS_LABELS: Record<ProcessStatus, string> = {
  running: '审批中',
  approved: '已通过',
  rejected: '已驳回',
  withdrawn: '已撤回',
};
export const EVENT_LABELS: Record<EventAction, string> = {
  submitted: '提交申请',
  step_started: '进入步骤',
  step_skipped: '跳过步骤',
  approved: '同意',
  rejected: '驳回',
  transferred: '转办',
  delegated: '委派',
  delegate_done: '委派办理完毕',
  reassigned: '人员变动改派',
  signer_added: '加签',
  signer_removed: '减签',
  returned: '退回',
  withdrawn: '撤回',
  urged: '催办',
  cc: '抄送',
  breached: '办理超期',
  escalated: '超期上报',
  auto_approved: '超期自动通过',
  auto_rejected: '超期自动驳回',
  step_passed: '步骤通过',
  completed: '流程结束',
  branch_taken: '条件分支',
  suspended: '中止计时',
  resumed: '恢复计时',
  reminded: '到期提醒',
  retimed: '重新计算期限',
};
/** The inbox's status of a pending task whose step's clock is suspended (issue 10). */
export const SUSPENDED_TASK_LABEL = '已中止';
export const TASK_ORIGIN_LABELS: Record<TaskOrigin, string> = {
  step: '审批',
  transfer: '转办',
  escalation: '超期上报',
  delegate: '委派',
  add_before: '前加签',
  add_after: '后加签',
};
