/**
 * Announced cases and rectification orders stored as the API stores them (api/services/announced-cases.ts,
 * rectification-orders.ts) and their workflows started on a given Temporal client, for the time-skipping tests
 * whose workflows run on the test server rather than the platform's Temporal.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadWorkingCalendar } from '../../db/calendar';
import { AnnouncedCase, RectificationOrder } from '../../db/supervision-entities';
import { recordFinding } from '../../db/supervision-findings';
import {
  rectificationDeadline,
  rectificationReminderAt,
  rectificationWorkflowId,
} from '../../domain/rectification';
import { announcedCaseDeadline, announcedCaseWorkflowId } from '../../domain/supervision';
import { SupervisionFinding } from '../../db/supervision-entities';

export const BUSINESS_LICENCE_CODE = '11100000000013338W001';

/** A case of 泽州县市场监督管理局 closed at `closedAt`, announced, its workflow started. */
export async function announceCase(em: EntityManager, temporal: Client, taskQueue: string, closedAt: Date) {
  const due = announcedCaseDeadline(await loadWorkingCalendar(em), closedAt);
  const id = randomUUID();
  const caseId = `ZZ-CASE-${id}`;
  const workflowId = announcedCaseWorkflowId('zz-amr', caseId);
  em.create(AnnouncedCase, {
    id,
    organisationId: 'zz-amr',
    caseId,
    typeCode: BUSINESS_LICENCE_CODE,
    closedAt,
    deadlineAt: new Date(due.dueAt),
    deadlineProvisional: due.provisional,
    announcedAt: closedAt,
    announcedBy: 'zz-amr-system',
    status: 'open',
    workflowId,
  });
  await em.flush();
  const handle = await temporal.workflow.start('announcedCaseWorkflow', {
    taskQueue,
    workflowId,
    args: [{ announcedCaseId: id, deadlineAt: due.dueAt }],
  });
  return { id, caseId, handle, due };
}

/** A finding of 泽州县市场监督管理局 (an announced case never issued), as a supervision run records it. */
export async function findingFor(em: EntityManager, foundAt: Date): Promise<string> {
  const key = `test-case:${randomUUID()}`;
  await recordFinding(em, {
    organisationId: 'zz-amr',
    rule: 'announced_case_without_licence',
    evidence: { caseId: key },
    foundAt,
    sourceKey: key,
  });
  return (await em.findOneOrFail(SupervisionFinding, { sourceKey: key })).id;
}

/** An order by 泽州县行政审批服务管理局 to 泽州县市场监督管理局 to rectify one finding in `workingDays`. */
export async function orderRectification(
  em: EntityManager,
  temporal: Client,
  taskQueue: string,
  orderedAt: Date,
  workingDays: number,
) {
  const calendar = await loadWorkingCalendar(em);
  const due = rectificationDeadline(calendar, orderedAt, { workingDays });
  const findingId = await findingFor(em, orderedAt);
  const id = randomUUID();
  em.create(RectificationOrder, {
    id,
    managementOrganisationId: 'zz-approval',
    organisationId: 'zz-amr',
    findingIds: [findingId],
    requirements: '限期补录逾期未归集的电子证照',
    deadlineAt: new Date(due.dueAt),
    deadlineProvisional: due.provisional,
    status: 'open',
    orderedBy: 'zz-approval-supervisor',
    orderedAt,
    workflowId: rectificationWorkflowId(id),
  });
  await em.nativeUpdate(SupervisionFinding, { id: findingId }, { state: 'ordered', orderId: id });
  await em.flush();
  const remindAt = rectificationReminderAt(calendar, due.dueAt, orderedAt);
  const handle = await temporal.workflow.start('rectificationWorkflow', {
    taskQueue,
    workflowId: rectificationWorkflowId(id),
    args: [{ orderId: id, dueAt: due.dueAt, remindAt }],
  });
  return { id, findingId, handle, due, remindAt, calendar };
}
