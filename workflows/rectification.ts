/**
 * A rectification order (LM-30), one workflow per order (`rectification-<id>`). The unit submits a report; the
 * management unit accepts it (closed) or returns it (the clock keeps running). A reminder on the morning of the
 * last working day; at the deadline a report under review is judged first, and an order not rectified escalates:
 * 逾期未整改, the unit's leader and the higher management unit told, the persons responsible recorded. One
 * extension moves the deadline (and the reminder).
 */
import { allHandlersFinished, ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { RectificationActivities } from '../activities/rectification';
import { isClosed, RectificationAction, rectificationTransition } from '../domain/rectification';
import { activityProxies } from './activity-proxies';
import {
  acceptReportUpdate,
  extendOrderUpdate,
  RECTIFICATION_REFUSED,
  RectificationInput,
  RectificationState,
  rectificationStateQuery,
  returnReportUpdate,
  submitReportUpdate,
} from './rectification-messages';

const activities = activityProxies<RectificationActivities>();

const now = () => new Date().toISOString();
const until = (iso: string) => Math.max(1, Date.parse(iso) - Date.now());

export async function rectificationWorkflow(input: RectificationInput): Promise<RectificationState> {
  const state: RectificationState = {
    orderId: input.orderId,
    status: 'open',
    dueAt: input.dueAt,
    remindAt: input.remindAt,
    reminded: false,
    extended: false,
    steps: 0,
  };
  const { orderId } = input;
  const check = (action: RectificationAction) => {
    const t = rectificationTransition(state.status, action, state.extended);
    if (!t.ok)
      throw ApplicationFailure.create({ message: t.reason, type: RECTIFICATION_REFUSED, nonRetryable: true });
    return t.to;
  };
  /** Applies a step to the state at once (a racing second decision is refused), then records it. */
  const step = async (
    action: RectificationAction,
    actor: { username: string },
    detail: Record<string, unknown>,
    apply?: () => void,
  ) => {
    state.status = check(action);
    apply?.();
    const n = ++state.steps;
    await activities.recordRectificationStep({
      orderId,
      action,
      n,
      actor,
      detail,
      status: state.status,
      at: now(),
    });
    return state;
  };

  setHandler(
    submitReportUpdate,
    ({ actor, report, attachments }) => step('submit', actor, { report, attachments }),
    {
      validator: (_req) => void check('submit'),
    },
  );
  setHandler(
    acceptReportUpdate,
    ({ actor, comment }) => step('accept', actor, { comment: comment ?? null }),
    {
      validator: (_req) => void check('accept'),
    },
  );
  setHandler(
    returnReportUpdate,
    ({ actor, comment }) => step('return', actor, { comment: comment ?? null }),
    {
      validator: (_req) => void check('return'),
    },
  );
  setHandler(
    extendOrderUpdate,
    ({ actor, reason, dueAt, remindAt }) =>
      step('extend', actor, { reason, from: state.dueAt, dueAt }, () =>
        Object.assign(state, { extended: true, dueAt, remindAt, reminded: false }),
      ),
    { validator: (_req) => void check('extend') },
  );
  setHandler(rectificationStateQuery, () => state);

  while (!isClosed(state.status)) {
    const dueAt = state.dueAt;
    const changed = () => isClosed(state.status) || state.dueAt !== dueAt;
    if (state.remindAt && !state.reminded) {
      if (!(await condition(changed, until(state.remindAt)))) {
        state.reminded = true;
        await activities.remindRectification({ orderId, dueAt, at: now() });
      }
      continue;
    }
    if (await condition(changed, until(dueAt))) continue;
    // The deadline passed: a report under review is judged first.
    await condition(() => state.status !== 'submitted');
    if (state.status === 'accepted') break;
    state.status = 'overdue';
    await activities.escalateRectification({ orderId, dueAt, at: now() });
  }
  await condition(allHandlersFinished);
  return state;
}
