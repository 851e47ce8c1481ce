/**
 * Issue 19 Build 3 (LM-8): the delivery relay's workflow (workflows/delivery-relay.ts) is started at platform start,
 * one per task queue; a start that finds it running leaves it be.
 */
import type { Client } from '@temporalio/client';
import { DELIVERY_RELAY_WORKFLOW_PREFIX, deliveryRelayWorkflow } from '../workflows/delivery-relay';
import { ensureStandingWorkflow } from './durable-request';

export const deliveryRelayWorkflowId = (taskQueue: string) =>
  `${DELIVERY_RELAY_WORKFLOW_PREFIX}-${taskQueue}`;

export async function ensureDeliveryRelay(client: Client, taskQueue: string): Promise<void> {
  await ensureStandingWorkflow(client, deliveryRelayWorkflow, {
    taskQueue,
    workflowId: deliveryRelayWorkflowId(taskQueue),
  });
}
