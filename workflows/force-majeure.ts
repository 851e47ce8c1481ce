/**
 * A force-majeure incident (LM-11), one workflow per report (`force-majeure-<id>`). The management unit is told
 * and acknowledges; while the incident is open the unit's late licences of the affected types are excused (at
 * intake, api/services/licences.ts). When the unit reports the fault cleared, the backlog deadline (3 working
 * days) is computed at the workflow's time of clearance, the unit is reminded of its backlog, and at the deadline
 * the cases still lacking a licence are recorded as a breach and escalated.
 */
import { allHandlersFinished, ApplicationFailure, condition, setHandler, sleep } from '@temporalio/workflow';
import type { ForceMajeureActivities } from '../activities/force-majeure';
import { activityProxies } from './activity-proxies';
import {
  acknowledgeIncidentUpdate,
  clearIncidentUpdate,
  ForceMajeureInput,
  ForceMajeureState,
  forceMajeureStateQuery,
  INCIDENT_REFUSED,
} from './force-majeure-messages';

const activities = activityProxies<ForceMajeureActivities>();

const now = () => new Date().toISOString();
const until = (iso: string) => Math.max(1, Date.parse(iso) - Date.now());
const refuse = (message: string) =>
  ApplicationFailure.create({ message, type: INCIDENT_REFUSED, nonRetryable: true });

export async function forceMajeureWorkflow(input: ForceMajeureInput): Promise<ForceMajeureState> {
  const { incidentId } = input;
  const state: ForceMajeureState = {
    incidentId,
    status: 'open',
    acknowledged: false,
    backlogDueAt: null,
    backlog: [],
    missing: null,
  };
  let clearing = false;

  setHandler(
    clearIncidentUpdate,
    async ({ actor, clearance }) => {
      clearing = true;
      const recorded = await activities.recordIncidentClearance({ incidentId, actor, clearance, at: now() });
      state.status = 'cleared';
      state.backlogDueAt = recorded.backlogDueAt;
      state.backlog = recorded.backlog;
      return state;
    },
    {
      validator: (_req) => {
        if (clearing || state.status !== 'open') throw refuse('该故障已报告排除');
      },
    },
  );
  setHandler(
    acknowledgeIncidentUpdate,
    async ({ actor, comment }) => {
      state.acknowledged = true;
      await activities.recordIncidentAcknowledgement({
        incidentId,
        actor,
        comment: comment ?? null,
        at: now(),
      });
      return state;
    },
    {
      validator: (_req) => {
        if (state.acknowledged) throw refuse('该报备已确认');
      },
    },
  );
  setHandler(forceMajeureStateQuery, () => state);

  // Main flow: the report to the management unit, the clearance, the reminder, the backlog deadline.
  await activities.notifyIncident({ incidentId, notice: 'reported' });
  await condition(() => state.backlogDueAt !== null);
  await activities.notifyIncident({ incidentId, notice: 'backlog' });
  await sleep(until(state.backlogDueAt!));
  state.missing = await activities.checkIncidentBacklog({ incidentId, at: now() });
  state.status = 'closed';
  await condition(allHandlersFinished);
  return state;
}
