/**
 * Tasks of a person who left or moved (issue 15 Build 3): each open task they held goes back to the group of the
 * role the step asks for (the same unit), or to the unit's leaders where the task was theirs alone (a step naming
 * the person, a delegation, an added signer). The old task is closed as handed over and the timeline says why.
 * Pure: the approval workflow applies it when told (workflows/approval-messages.ts releaseTasksSignal).
 * A reorganisation (Build 4) moves a unit's open tasks to its successor's group of the same role the same way.
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
    const to = releaseTarget(state, task);
    const note =
      `${task.assignee.kind === 'user' ? task.assignee.displayName : ''}${REASON_TEXT[req.reason]}，` +
      `任务改由${to.organisationName}${groupText(to)}办理`;
    next = handOver(next, task, to, note, at);
  }
  return next;
}

/** Issue 15 Build 4: a unit was reorganised; its open tasks go to the successor, to the same role's group. */
export interface UnitTasksMove {
  fromOrganisationId: string;
  toOrganisationId: string;
  toOrganisationName: string;
}

export function moveUnitTasks(state: ApprovalState, req: UnitTasksMove, at: string): ApprovalState {
  let next = state;
  for (const task of state.tasks.filter(
    (t) => isOpen(t) && t.assignee.organisationId === req.fromOrganisationId,
  )) {
    const to = {
      ...releaseTarget(state, task),
      organisationId: req.toOrganisationId,
      organisationName: req.toOrganisationName,
    };
    const note = `${task.assignee.organisationName}机构改革，任务改由${to.organisationName}${groupText(to)}办理`;
    next = handOver(next, task, to, note, at);
  }
  return next;
}

const groupText = (to: { role: string }) => (to.role === 'unit_leader' ? '单位负责人' : '同岗位人员');

function handOver(
  state: ApprovalState,
  task: ApprovalTask,
  to: Extract<Assignee, { kind: 'group' }>,
  note: string,
  at: string,
): ApprovalState {
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
