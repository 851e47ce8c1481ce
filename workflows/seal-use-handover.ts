/**
 * Issue 15 Build 3 (SM-12): one open decision on a leaving person's standing licence-signing authorisation
 * (`seal-use-handover-<id>`, started by the person change). It waits for the unit leader's decision with durable
 * timers: the engine's reminder on the morning of the last working day before the deadline, then at the deadline
 * the overdue reminder and the escalation to the management unit's supervisors. The authorisation stays usable
 * throughout: the deadline never revokes it (the platform's licence issuance would stop). The activities act only
 * while the decision is open, so a lost signal costs no wrong reminder.
 */
import { condition, setHandler } from '@temporalio/workflow';
import type { SealUseHandoverActivities } from '../activities/seal-use-handover';
import { activityProxies } from './activity-proxies';
import { sealUseHandoverDecidedSignal, type SealUseHandoverInput } from './seal-use-handover-messages';

const activities = activityProxies<SealUseHandoverActivities>();

/** Milliseconds until an ISO instant, at least 1 (a timer must be positive). */
const until = (iso: string) => Math.max(1, Date.parse(iso) - Date.now());

/** Answers whether the leader decided in time. */
export async function sealUseHandoverWorkflow(input: SealUseHandoverInput): Promise<boolean> {
  let decided = false;
  setHandler(sealUseHandoverDecidedSignal, () => {
    decided = true;
  });

  const { handoverId, dueAt } = input;
  const remindAt = await activities.planSealUseHandoverReminder({ dueAt, now: new Date().toISOString() });
  if (remindAt && !(await condition(() => decided, until(remindAt)))) {
    await activities.remindSealUseHandover({ handoverId, stage: 'before', at: new Date().toISOString() });
  }
  if (await condition(() => decided, until(dueAt))) return true;
  await activities.remindSealUseHandover({ handoverId, stage: 'overdue', at: new Date().toISOString() });
  return false;
}
