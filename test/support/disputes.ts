/**
 * A dispute stored as the API stores it (api/services/disputes.ts raise) and its workflow started on a given
 * Temporal client, for tests whose platform issues no licences (time-skipping, a separate worker process): the
 * dispute table references the issuing organisation, not the licence.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadWorkingCalendar } from '../../db/calendar';
import { Dispute } from '../../db/dispute-entities';
import { disputeDeadlines, disputeWorkflowId } from '../../domain/dispute';

export async function storeAndStartDispute(
  em: EntityManager,
  temporal: Client,
  taskQueue: string,
  receivedAt: Date,
) {
  const due = disputeDeadlines(await loadWorkingCalendar(em), receivedAt);
  const id = randomUUID();
  em.create(Dispute, {
    id,
    licenceIdentifier: `1.2.156.3005.2.TEST.${id}`,
    licenceSeriesId: id,
    typeCode: '11100000000013338W001',
    issuerOrganisationId: 'zz-amr',
    challengerKind: 'public',
    challengerName: '王五',
    challengerEmail: `wangwu-${id.slice(0, 8)}@example.com`,
    ground: 'accuracy',
    items: ['住所'],
    description: '住所有误',
    status: 'received',
    receivedAt,
    markerDueAt: new Date(due.marker.dueAt),
    markerProvisional: due.marker.provisional,
    outcomeDueAt: new Date(due.outcome.dueAt),
    outcomeProvisional: due.outcome.provisional,
    workflowId: disputeWorkflowId(id),
  });
  await em.flush();
  const handle = await temporal.workflow.start('disputeWorkflow', {
    taskQueue,
    workflowId: disputeWorkflowId(id),
    args: [{ disputeId: id, markerDueAt: due.marker.dueAt, outcomeDueAt: due.outcome.dueAt }],
  });
  return { id, handle, due, receivedAt, challengerEmail: `wangwu-${id.slice(0, 8)}@example.com` };
}
