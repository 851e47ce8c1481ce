/**
 * The clock's transitions over ApprovalState (issue 10 Build 1): starting a step's clock, suspending it (补正,
 * 检验检测, 专家评审, 听证) and resuming it, applying a deadline the calendar gave (on a step's start, a resumption,
 * a calendar edit), sending reminders, and the next instant the workflow's timer waits for. Pure.
 */
import {
  Actor,
  ApprovalState,
  AttachmentRef,
  Deadline,
  event,
  isOpen,
  notify,
  Notice,
  NoticeType,
  openTasks,
  refOf,
  SYSTEM_ACTOR_REF,
  UserRef,
  currentStep,
} from './approval-state';
import { openStep, pendingDeadline, ResolvedStep } from './approval-steps';
import {
  ClockStaleReason,
  ClockTiming,
  newClock,
  SUSPENSION_KIND_LABELS,
  SuspensionKind,
} from './approval-clock';

/** What is read for a step when it starts: its approvers, and its deadline and clock's timing if it has a limit. */
export interface StepStartReads {
  resolved: ResolvedStep;
  due: Deadline | null;
  timing: ClockTiming | null;
}

/**
 * The starting step opened at `at` with what was read for it: its tasks, its clock started, and the clock's timing
 * applied unless the step was skipped or the process ended. One definition for the workflow and the local activity
 * that projects the opened step before the workflow has it (issue 19).
 */
export function openedStep(state: ApprovalState, reads: StepStartReads, at: string): ApprovalState {
  const { stepIndex } = state;
  const opened = startClock(openStep(state, reads.resolved, reads.due, at), at);
  // The timing was computed for the clock the step starts with; a step skipped for want of approvers has none.
  return reads.timing && opened.phase === 'waiting' && opened.stepIndex === stepIndex && opened.clock
    ? applyTiming(opened, reads.timing, at)
    : opened;
}

/** Starts the clock of a step that has just opened with its deadline; a step without `due` has none. */
export function startClock(state: ApprovalState, at: string): ApprovalState {
  if (state.phase !== 'waiting') return state;
  const due = currentStep(state).due;
  return { ...state, clock: due ? newClock(due, at) : null, suspension: null };
}

export function isSuspended(state: ApprovalState): boolean {
  return state.status === 'running' && !!state.suspension;
}

function notifyAt(
  state: ApprovalState,
  type: NoticeType,
  taskIds: string[],
  users: UserRef[],
  comment: string | null,
  at: string,
): ApprovalState {
  const next = notify(state, type, taskIds, users, comment);
  const last: Notice = { ...next.outbox[next.outbox.length - 1]!, at };
  return { ...next, outbox: [...next.outbox.slice(0, -1), last] };
}

/** How a suspension reads in the timeline and in the initiator's e-mail. */
export function suspensionText(kind: SuspensionKind, reason: string, items: string[]): string {
  const label = SUSPENSION_KIND_LABELS[kind];
  const list = items.length ? `；需补正：${items.map((x, i) => `${i + 1}. ${x}`).join(' ')}` : '';
  return `${label}：${reason}${list}`;
}

/** An approver of the open step suspends its clock; the initiator is told (with the items to supplement). */
export function suspendStep(
  state: ApprovalState,
  a: { actor: Actor; taskId: string; kind: SuspensionKind; reason: string; items: string[] },
  at: string,
): ApprovalState {
  const clock = state.clock;
  const next: ApprovalState = {
    ...state,
    clock:
      clock && clock.runningSince
        ? {
            ...clock,
            segments: [...clock.segments, { from: clock.runningSince, to: at }],
            runningSince: null,
            stale: null,
          }
        : clock,
    suspension: { kind: a.kind, reason: a.reason, items: a.items, at, by: refOf(a.actor), taskId: a.taskId },
  };
  const text = suspensionText(a.kind, a.reason, a.items);
  const withEvent = event(next, at, 'suspended', {
    actor: refOf(a.actor),
    taskId: a.taskId,
    targets: [SUSPENSION_KIND_LABELS[a.kind], ...a.items],
    comment: text,
  });
  return notifyAt(withEvent, 'suspended', [a.taskId], [state.initiator], text, at);
}

/** The clock runs again: the initiator resubmitted (补正) or the approver ended the wait; the holders are told. */
export function resumeStep(
  state: ApprovalState,
  a: { actor: Actor; comment: string | null; attachments: AttachmentRef[] },
  at: string,
): ApprovalState {
  const suspension = state.suspension;
  if (!suspension) throw new Error('the step is not suspended');
  const next: ApprovalState = {
    ...state,
    suspension: null,
    clock: state.clock ? { ...state.clock, runningSince: at, stale: 'resumed' } : state.clock,
  };
  const withEvent = event(next, at, 'resumed', {
    actor: refOf(a.actor),
    taskId: suspension.taskId,
    targets: [SUSPENSION_KIND_LABELS[suspension.kind]],
    comment: a.comment,
    attachments: a.attachments,
  });
  const holders = openTasks(withEvent).map((t) => t.id);
  return notifyAt(withEvent, 'resumed', holders, [], a.comment, at);
}

/** A calendar edit: the running clock's deadline must be computed again (the workflow asks the calendar). */
export function markClockStale(state: ApprovalState, reason: ClockStaleReason): ApprovalState {
  if (state.status !== 'running' || !state.clock) return state;
  // A resumption still waiting for its deadline keeps its reason; a suspended clock has no deadline to redo.
  if (state.clock.stale || !state.clock.runningSince) return state;
  return { ...state, clock: { ...state.clock, stale: reason } };
}

/** Whether the workflow must ask the calendar for the clock's deadline now. */
export function clockStale(state: ApprovalState): boolean {
  return state.status === 'running' && state.phase === 'waiting' && !!state.clock?.stale;
}

const RETIME_COMMENTS: Record<ClockStaleReason, string> = {
  resumed: '恢复计时，已用时间照计，重新计算办理时限',
  calendar: '工作日历已更新，重新计算办理时限',
};

function sameDeadline(a: Deadline | null, b: Deadline | null): boolean {
  return (a?.dueAt ?? null) === (b?.dueAt ?? null) && (a?.provisional ?? false) === (b?.provisional ?? false);
}

/**
 * Applies what the calendar says about the clock: the step's deadline (on its open tasks too) and the reminder
 * plan. A changed deadline after a resumption or a calendar edit is recorded as `retimed`; the breach timer then
 * waits for the new one (a breach already recorded this round stays recorded).
 */
export function applyTiming(state: ApprovalState, timing: ClockTiming, at: string): ApprovalState {
  const clock = state.clock;
  if (!clock) return state;
  const reason = clock.stale;
  let next: ApprovalState = { ...state, clock: { ...clock, plan: timing.plan, stale: null } };
  if (!timing.due || sameDeadline(timing.due, state.stepDue)) return next;
  const due = timing.due;
  next = {
    ...next,
    stepDue: due,
    tasks: next.tasks.map((t) =>
      isOpen(t) && t.stepIndex === state.stepIndex && t.round === state.round
        ? { ...t, dueAt: due.dueAt, dueProvisional: due.provisional }
        : t,
    ),
  };
  return reason
    ? event(next, at, 'retimed', { actor: SYSTEM_ACTOR_REF, comment: RETIME_COMMENTS[reason], due })
    : next;
}

/** What the workflow's timer waits for next: the step's deadline or the next reminder; nothing while suspended. */
export function nextClockWake(state: ApprovalState): { at: string; what: 'deadline' | 'reminder' } | null {
  if (state.status !== 'running' || state.phase !== 'waiting' || isSuspended(state)) return null;
  const deadline = pendingDeadline(state);
  const reminder = state.clock?.plan[0] ?? null;
  if (deadline && (!reminder || Date.parse(deadline.dueAt) <= Date.parse(reminder.at))) {
    return { at: deadline.dueAt, what: 'deadline' };
  }
  return reminder ? { at: reminder.at, what: 'reminder' } : null;
}

/** The first planned reminder is due: the open tasks' holders get an e-mail and an in-app notice with time left. */
export function remind(state: ApprovalState, at: string): ApprovalState {
  const clock = state.clock;
  const reminder = clock?.plan[0];
  if (!clock || !reminder) throw new Error('no reminder to send');
  const sent =
    reminder.kind === 'before' ? { ...clock.sent, before: true } : { ...clock.sent, after: reminder.n };
  let next: ApprovalState = { ...state, clock: { ...clock, plan: clock.plan.slice(1), sent } };
  const open = openTasks(next).filter((t) => t.status === 'pending');
  if (open.length === 0) return next;
  const comment = reminder.kind === 'before' ? '即将到期' : `已超期（第 ${reminder.n} 次超期提醒）`;
  next = event(next, at, 'reminded', {
    actor: SYSTEM_ACTOR_REF,
    targets: open.map((t) =>
      t.assignee.kind === 'user' ? t.assignee.displayName : t.assignee.organisationName,
    ),
    comment,
    due: state.stepDue,
  });
  return notifyAt(
    next,
    'remind',
    open.map((t) => t.id),
    [],
    comment,
    at,
  );
}
