/**
 * Issue 19 Build 3 (LM-8): the delivery relay's workflow, one per task queue, started at platform start
 * (platform/delivery-relay.ts). It runs the relay activity (activities/delivery-relay.ts) over and over, each attempt
 * about a minute of claiming and delivering pending exchange messages and holder e-mails, and starts a fresh run
 * every RUNS_PER_HISTORY attempts to keep its history small. A killed worker's attempt is retried after the heartbeat
 * timeout; its claims lapse on their own.
 */
import { continueAsNew } from '@temporalio/workflow';
import type { DeliveryRelayActivities } from '../activities/delivery-relay';
import { activityProxies } from './activity-proxies';

const activities = activityProxies<DeliveryRelayActivities>();
const RUNS_PER_HISTORY = 200;

export const DELIVERY_RELAY_WORKFLOW_PREFIX = 'delivery-relay';

export async function deliveryRelayWorkflow(): Promise<void> {
  for (let runs = 0; runs < RUNS_PER_HISTORY; runs++) await activities.relayDeliveries();
  await continueAsNew<typeof deliveryRelayWorkflow>();
}
