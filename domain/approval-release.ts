/**
 * Tasks of a person who left or moved (issue 15 Build 3): each open task they held goes back to the group of the
 * role the step asks for (the same unit), or to the unit's leaders where the task was theirs alone (a step naming
 * the person, a delegation, an added signer). The old task is closed as handed over and the timeline says why.
 * Pure: the approval workflow applies it when told (workflows/approval-messages.ts releaseTasksSignal).
 */
import { requiredRoles } from './approval-actions';
import {
  ApprovalState,
  ApprovalTask,
  Assignee,
  event,
  isOpen,
  newTask,
  notify,
  sameUser,
  setTask,
} from './approval-state';

export type ReleaseReason = 'deactivated' | 'moved';

export interface ReleaseRequest {
  userId: string;
  reason: ReleaseReason;
}

const REASON_TEXT: Record<ReleaseReason, string> = { deactivated: '已停用', moved: '已调离本单位' };

/** Where a released task goes: its step's role group in the same unit, or that unit's leaders. */
export function releaseTarget(
  state: ApprovalState,
  task: ApprovalTask,
): Extract<Assignee, { kind: 'group' }> {
  const unit = {
    organisationId: task.assignee.organisationId,
    organisationName: task.assignee.organisationName,
  };
  const roles = task.primary && task.origin !== 'delegate' ? requiredRoles(state, task) : [];
  return { kind: 'group', ...unit, role: roles[0] ?? 'unit_leader' };
}

export function releaseTasksOf(state: ApprovalState, req: ReleaseRequest, at: string): ApprovalState {
  let next = state;
  for (const task of state.tasks.filter((t) => isOpen(t) && sameUser(t, req.userId))) {
    next = releaseOne(next, task, req.reason, at);
  }
  return next;
}

function releaseOne(
  state: ApprovalState,
  task: ApprovalTask,
  reason: ReleaseReason,
  at: string,
): ApprovalState {
  const to = releaseTarget(state, task);
  const note =
    `${task.assignee.kind === 'user' ? task.assignee.displayName : ''}${REASON_TEXT[reason]}，` +
    `任务改由${to.organisationName}${to.role === 'unit_leader' ? '单位负责人' : '同岗位人员'}办理`;
  let next = setTask(state, task.id, { status: 'transferred', actedAt: at, actedBy: null, comment: note });
  const created = newTask(
    next,
    {
      assignee: to,
      origin: task.origin,
      primary: task.primary,
      parentId: task.parentId,
      branchKey: task.branchKey ?? null,
      status: task.status,
    },
    at,
  );
  next = {
    ...created.state,
    tasks: created.state.tasks.map((t) => (t.parentId === task.id ? { ...t, parentId: created.task.id } : t)),
  };
  next = event(next, at, 'reassigned', {
    stepIndex: task.stepIndex,
    taskId: task.id,
    actor: null,
    targets: [to.organisationName],
    comment: note,
    attachments: [],
  });
  return notify(next, 'task', [created.task.id], [], note);
}
