/**
 * A dispute over a licence (LM-23), one workflow per challenge (`dispute-<id>`). The issuing unit's designated
 * staff mark it within 1 working day and answer within 5, both deadlines computed at receipt and waited for with
 * durable timers. If nobody marks in time the platform places the marker itself, records the breach and escalates
 * to the management unit; a missed outcome deadline is recorded and escalated likewise. Asking for more material
 * pauses neither deadline; the challenger may withdraw. Each decision is a task in the 待办 inbox of the unit's
 * dispute staff (api/services/dispute-inbox.ts) with the engine's reminder before its deadline.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  patched,
  setHandler,
} from '@temporalio/workflow';
import type { DisputeActivities, DisputeTask } from '../activities/dispute';
import { DisputeAction, disputeTransition, isOpen } from '../domain/dispute';
import { activityProxies } from './activity-proxies';
import {
  answerUpdate,
  DISPUTE_REFUSED,
  DisputeInput,
  DisputeState,
  disputeStateQuery,
  markUpdate,
  requestMaterialUpdate,
  withdrawUpdate,
} from './dispute-messages';

const activities = activityProxies<DisputeActivities>();

/** The workflow's time (deterministic), recorded as the time of each step rather than the activity's clock. */
const now = () => new Date().toISOString();

/** Milliseconds until an ISO instant, at least 1 (a timer must be positive). */
const until = (iso: string) => Math.max(1, Date.parse(iso) - Date.now());

export async function disputeWorkflow(input: DisputeInput): Promise<DisputeState> {
  const state: DisputeState = {
    disputeId: input.disputeId,
    status: 'received',
    markedBy: null,
    outcome: null,
    breaches: [],
  };
  const { disputeId } = input;

  // Handlers: validated, applied to the state at once (a second decision racing the first is refused), then
  // recorded by an activity before the answer.
  const check = (action: DisputeAction) => {
    const t = disputeTransition(state.status, action);
    if (!t.ok)
      throw ApplicationFailure.create({ message: t.reason, type: DISPUTE_REFUSED, nonRetryable: true });
    return t.to;
  };
  setHandler(
    markUpdate,
    async ({ actor, comment }) => {
      state.status = check('mark');
      state.markedBy = 'unit';
      await activities.markDispute({ disputeId, by: 'unit', actor, comment: comment ?? null, at: now() });
      return state;
    },
    { validator: (_req) => void check('mark') },
  );
  setHandler(
    answerUpdate,
    async ({ actor, answer }) => {
      state.status = check('answer');
      state.outcome = answer.outcome;
      await activities.recordDisputeOutcome({ disputeId, actor, answer, at: now() });
      await activities.notifyChallenger({ disputeId, notice: 'outcome' });
      return state;
    },
    { validator: (_req) => void check('answer') },
  );
  setHandler(
    requestMaterialUpdate,
    async ({ actor, message }) => {
      check('request_material');
      const eventId = await activities.recordDisputeEvent({
        disputeId,
        kind: 'material_requested',
        actor,
        detail: { message },
      });
      await activities.notifyChallenger({ disputeId, notice: 'material', eventId });
      return state;
    },
    { validator: (_req) => void check('request_material') },
  );
  setHandler(
    withdrawUpdate,
    async ({ actor, reason }) => {
      state.status = check('withdraw');
      await activities.withdrawDispute({ disputeId, actor, reason: reason ?? null, at: now() });
      return state;
    },
    { validator: (_req) => void check('withdraw') },
  );
  setHandler(disputeStateQuery, () => state);

  /** Waits for the task to be done by its deadline (true) or not (false), reminding its holders before it. */
  const taskDone = async (task: DisputeTask, done: () => boolean, dueAt: string): Promise<boolean> => {
    if (patched('dispute-task-reminders')) {
      const at = await activities.planDisputeReminder({ dueAt, now: now() });
      if (at && !(await condition(done, until(at)))) {
        await activities.remindDisputeHandlers({ disputeId, task, at: now() });
      }
    }
    return condition(done, until(dueAt));
  };

  // Main flow: the marker's deadline, then the outcome's.
  await activities.notifyChallenger({ disputeId, notice: 'receipt' });
  if (!(await taskDone('marker', () => state.status !== 'received', input.markerDueAt))) {
    state.status = 'marked';
    state.markedBy = 'platform';
    state.breaches.push('marker_late');
    await activities.markDispute({ disputeId, by: 'platform', actor: null, comment: null, at: now() });
    await activities.recordDisputeBreach({ disputeId, kind: 'marker_late', at: now() });
  }
  if (!(await taskDone('outcome', () => !isOpen(state.status), input.outcomeDueAt))) {
    state.breaches.push('outcome_late');
    await activities.recordDisputeBreach({ disputeId, kind: 'outcome_late', at: now() });
    await condition(() => !isOpen(state.status));
  }
  await condition(allHandlersFinished);
  return state;
}
