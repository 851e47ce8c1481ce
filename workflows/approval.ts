/**
 * The approval engine as a reusable child workflow: any process that needs people's decisions starts it with a
 * flow snapshot and waits for its outcome. The rules live in domain/approval.ts; this workflow holds the state,
 * applies human actions (updates with validators), resolves approvers and deadlines through activities, waits on
 * each step's working-day deadline with a durable timer, and projects everything to the database for the inboxes.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  patched,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ApprovalActivities, ClockTimingRequest } from '../activities/approval';
import {
  ACTION_NAMES,
  ActionName,
  actionProblem,
  ActionRequest,
  ApprovalInput,
  ApprovalOutcome,
  ApprovalState,
  applyAction,
  breach,
  currentStep,
  escalate,
  Notice,
  openStep,
  openTasks,
  outcomeOf,
  pendingDeadline,
  startApproval,
} from '../domain/approval';
import {
  applyTiming,
  clockStale,
  markClockStale,
  nextClockWake,
  remind,
  openedStep,
  startClock,
  StepStartReads,
} from '../domain/approval-clock-steps';
import { projectionFingerprint } from '../domain/approval-fingerprint';
import { newClock } from '../domain/approval-clock';
import type { EngineStep } from '../domain/flow-definition';
import {
  ACTION_UPDATES,
  approvalStateQuery,
  PROBLEM_FAILURE_TYPES,
  readyUpdate,
  moveUnitTasksSignal,
  releaseTasksSignal,
  retimeSignal,
} from './approval-messages';
import { moveUnitTasks, releaseTasksOf } from '../domain/approval-release';
import {
  CurrentAssignees,
  ProcessJurisdiction,
  ProcessKind,
  ProcessOrganisation,
  ProcessStatus,
  ProcessStep,
  StepDueAt,
} from './search-attributes';
import { activityProxies, localActivityProxies } from './activity-proxies';

const activities = activityProxies<ApprovalActivities>();
/** What the workflow waits on before it can answer an action: local activities (activity-options.ts). */
const local = localActivityProxies<ApprovalActivities>();
/** Issue 19: a step's reads in the deciding workflow task, and e-mail queued after the projection. */
const FEWER_ROUND_TRIPS = 'approval-step-in-one-task';
/**
 * Issue 19: the projection a local activity too, so that an approver's decision is accepted, the next step opened
 * and projected, and the update answered in one workflow task: one round trip through the server, not three.
 */
const PROJECTION_IN_TASK = 'approval-projection-in-task';
/**
 * Issue 19: a step opened in one local activity that reads for it, opens it as the workflow will and projects that
 * state, not three reads side by side and a projection after them: one local activity and one activation less.
 */
const STEP_IN_ONE = 'approval-step-opened-in-one';

const now = () => new Date().toISOString();

export async function approvalWorkflow(input: ApprovalInput): Promise<ApprovalOutcome> {
  let state = startApproval(input, now());
  /** Counts state changes; `synced` is the count the database has seen. */
  let changes = 1;
  let synced = 0;

  // Handlers. An action is validated, then applied at once (so that of two approvers acting on one any-one step
  // in the same moment, the second sees the step decided and is refused), and answered once the database shows it.
  const check = (name: ActionName, req: ActionRequest) => {
    const p = actionProblem(state, name, req, now());
    if (p)
      throw ApplicationFailure.create({
        message: p.message,
        type: PROBLEM_FAILURE_TYPES[p.kind],
        nonRetryable: true,
      });
  };
  const act = async (name: ActionName, req: ActionRequest): Promise<ApprovalState> => {
    check(name, req); // again: other updates may have run since the validator
    state = applyAction(state, name, req, now());
    const mine = ++changes;
    await condition(() => synced >= mine && state.phase !== 'starting_step');
    return state;
  };
  for (const name of ACTION_NAMES) {
    setHandler(ACTION_UPDATES[name], (req) => act(name, req), { validator: (req) => check(name, req) });
  }
  setHandler(readyUpdate, async () => {
    await condition(() => synced >= 1 && state.phase !== 'starting_step');
    return state;
  });
  setHandler(approvalStateQuery, () => state);
  setHandler(retimeSignal, () => {
    const before = state;
    state = markClockStale(state, 'calendar');
    if (state !== before) changes++;
  });
  setHandler(releaseTasksSignal, (req) => {
    const before = state;
    state = releaseTasksOf(state, req, now());
    if (state !== before) changes++;
  });
  setHandler(moveUnitTasksSignal, (req) => {
    const before = state;
    state = moveUnitTasks(state, req, now());
    if (state !== before) changes++;
  });

  // E-mail, in order, beside the main flow; each send is retried until it goes (never lost, never doubled).
  const mails: Array<{ state: ApprovalState; notice: Notice }> = [];
  let sending = false;
  void (async () => {
    for (;;) {
      await condition(() => mails.length > 0);
      sending = true;
      await activities.sendApprovalNotice(mails[0]!);
      mails.shift();
      sending = false;
    }
  })();

  // Main flow: open each step as it comes, keep the database in step, and wait for actions or the deadline.
  for (;;) {
    if (state.phase === 'starting_step') {
      await startStep();
      continue; // the next step may start at once (skipped step) or the process may be over
    }
    await sync();
    if (state.status !== 'running') break;
    if (clockStale(state)) {
      await timeClock(); // resumed, or the calendar changed: the deadline again from its start and used time
      continue;
    }

    const seen = changes;
    const wake = nextClockWake(state);
    const acted = wake
      ? await condition(() => changes !== seen, Math.max(0, Date.parse(wake.at) - Date.now()))
      : await condition(() => changes !== seen).then(() => true);
    if (!acted && wake?.what === 'reminder') {
      state = remind(state, now());
      changes++;
    } else if (!acted) {
      // The working-day deadline passed with the step still open (durable timer): its breach action.
      state = breach(state, now());
      changes++;
      const round = state.round;
      if (
        state.status === 'running' &&
        state.phase === 'waiting' &&
        currentStep(state).onBreach === 'escalate'
      ) {
        const to = await activities.resolveEscalation({
          step: currentStep(state),
          tasks: openTasks(state),
          jurisdictionId: state.jurisdictionId,
        });
        // Only if the lapsed step is still waiting: someone may have decided it meanwhile.
        if (to && state.phase === 'waiting' && state.round === round) {
          state = escalate(state, to, now());
          changes++;
        }
      }
    }
  }
  await sync();
  await condition(() => mails.length === 0 && !sending); // every e-mail is out before the process ends
  await allHandlersFinished();
  return outcomeOf(state);

  /**
   * Writes the state to the database and updates the search attributes; queues the e-mails. Actions are answered
   * once the database shows them; e-mail goes out on its own, so that a mail outage delays mail, not approvals.
   * Since issue 19 the projection runs in the workflow task that changed the state (a local activity), so that a
   * decision is answered in one round trip: a task lost after writing is run again from the recorded history, and
   * its projection overwrites whatever the lost one wrote (the rows are made exactly the state: db/approval-rows.ts).
   * Only an update lost with its task (the server restarted meanwhile; its caller was answered with an error) leaves
   * its rows until the process's next projection (its next action, signal or deadline).
   * Histories recorded before replay their projections as the activities they were.
   */
  async function sync(): Promise<void> {
    while (synced < changes) {
      const target = changes;
      const { projected, notices } = takeOutbox();
      // Since issue 19 the e-mail is queued once the database shows what it announces, so that its activity is not
      // in flight beside the projection (whose completion answers the action); before, it was queued first.
      const mailAfter = patched(FEWER_ROUND_TRIPS);
      if (!mailAfter) queueMails(projected, notices);
      await (patched(PROJECTION_IN_TASK) ? local : activities).projectApproval({ state: projected });
      if (mailAfter) queueMails(projected, notices);
      setSearchAttributes();
      synced = target;
    }
  }

  /** The state as a projection writes it (its notices taken out of it), and the notices. */
  function takeOutbox(): { projected: ApprovalState; notices: Notice[] } {
    const notices = state.outbox;
    state = { ...state, outbox: [] };
    return { projected: state, notices };
  }

  function queueMails(projected: ApprovalState, notices: Notice[]): void {
    mails.push(...notices.map((notice) => ({ state: projected, notice })));
  }

  /**
   * Opens the current step: its approvers, its deadline and its clock's timing. Since issue 19 this happens in the
   * workflow task that reached the step (for an approver's decision, the task that accepts it), in one local
   * activity that reads, opens the step as this workflow then does (domain openedStep) and projects it: when the
   * fingerprint of what it projected is that of the state here, the rows already show it and it counts as synced;
   * otherwise (the state changed meanwhile) sync() projects it as usual. Processes begun before replay what their
   * history recorded: three local reads side by side, or three activities one after the other.
   */
  async function startStep(): Promise<void> {
    if (!patched(FEWER_ROUND_TRIPS)) return startStepOneReadAtATime();
    const step = currentStep(state);
    const startedAt = now();
    const clock = step.due && patched('approval-clock') ? newClock(step.due, startedAt) : null;
    const timed = clock ? { clock, reminders: step.reminders ?? null, now: startedAt } : null;
    const { projected, ...reads } = patched(STEP_IN_ONE)
      ? await local.openStepAndProject({
          state,
          approvers: approverRequest(step),
          from: startedAt,
          due: step.due ?? null,
          clock: timed,
        })
      : { ...(await readsSideBySide(step, startedAt, timed)), projected: null };
    // No task is open while a step starts, but the initiator may have withdrawn (or CC'd) meanwhile.
    if (state.phase !== 'starting_step') return;
    state = openedStep(state, reads, startedAt);
    changes++;
    if (projected !== null && projected === projectionFingerprint(state)) {
      const { projected: shown, notices } = takeOutbox();
      queueMails(shown, notices);
      setSearchAttributes();
      synced = changes;
    }
  }

  /** A step's reads as processes begun before STEP_IN_ONE recorded them: three local activities side by side. */
  async function readsSideBySide(
    step: EngineStep,
    startedAt: string,
    timed: ClockTimingRequest | null,
  ): Promise<StepStartReads> {
    const [resolved, due, timing] = await Promise.all([
      local.resolveStepApprovers(approverRequest(step)),
      step.due ? local.computeDeadline({ from: startedAt, due: step.due }) : null,
      timed ? local.timeStepClock(timed) : null,
    ]);
    return { resolved, due, timing };
  }

  /** A step opened as before issue 19: each read an activity of its own, after the one before. */
  async function startStepOneReadAtATime(): Promise<void> {
    const step = currentStep(state);
    const resolved = await activities.resolveStepApprovers(approverRequest(step));
    const startedAt = now();
    const due = step.due ? await activities.computeDeadline({ from: startedAt, due: step.due }) : null;
    if (state.phase !== 'starting_step') return;
    state = startClock(openStep(state, resolved, due, startedAt), startedAt);
    changes++;
    // The reminder plan (issue 10); processes started before the clock existed replay without it.
    if (patched('approval-clock')) await timeClock();
  }

  function approverRequest(step: EngineStep) {
    return {
      initiator: state.initiator,
      jurisdictionId: state.jurisdictionId,
      step,
      choices: state.choices[step.key] ?? [],
      allChoices: state.choices,
      approverAuthority: state.approverAuthority,
    };
  }

  /** Asks the calendar for the step clock's deadline and reminders, and applies them unless the step moved on. */
  async function timeClock(): Promise<void> {
    const clock = state.clock;
    if (!clock || state.phase !== 'waiting') return;
    const { stepIndex, round } = state;
    const timing = await (patched(FEWER_ROUND_TRIPS) ? local : activities).timeStepClock({
      clock,
      reminders: currentStep(state).reminders ?? null,
      now: now(),
    });
    // Applied only to the clock it was computed for: a suspension (or a resumption) meanwhile changed the clock.
    const same =
      state.phase === 'waiting' &&
      state.stepIndex === stepIndex &&
      state.round === round &&
      state.clock?.runningSince === clock.runningSince &&
      state.clock?.segments.length === clock.segments.length;
    if (same && clock.runningSince) {
      state = applyTiming(state, timing, now());
      changes++;
    }
  }

  function setSearchAttributes(): void {
    const open = openTasks(state);
    const due = pendingDeadline(state) ?? state.stepDue;
    upsertSearchAttributes([
      { key: ProcessKind, value: state.kind },
      { key: ProcessOrganisation, value: state.initiator.organisationId },
      { key: ProcessJurisdiction, value: state.jurisdictionId },
      { key: ProcessStatus, value: state.status },
      { key: ProcessStep, value: state.status === 'running' ? currentStep(state).key : null },
      {
        key: CurrentAssignees,
        value: open.map((t) =>
          t.assignee.kind === 'user'
            ? `user:${t.assignee.userId}`
            : `group:${t.assignee.organisationId}:${t.assignee.role}`,
        ),
      },
      { key: StepDueAt, value: state.status === 'running' && due ? new Date(due.dueAt) : null },
    ]);
  }
}
