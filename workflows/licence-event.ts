/**
 * Issue 12 Build 2: one short workflow per licence lifecycle event (LM-8), its id from the issuing unit's case id
 * (licenceEventWorkflowId), so a repeat finds the same process and a million licences cost nothing while idle.
 * A decision (注销、撤销、吊销、废止) first runs the issuing unit's `licence_revocation` flow in the approval engine as a
 * child workflow; rejected or withdrawn, the event is marked so and the licence stays as it is. Then the event is
 * signed and recorded on the signing task queue (waiting, durably, while the unit has no usable authorisation) and
 * pushed to the data-exchange platform from the outbox. Every step is idempotent, so a restart repeats nothing.
 */
import { executeChild, patched, sleep } from '@temporalio/workflow';
import type { ExchangeActivities } from '../activities/exchange';
import type { LicenceEventActivities } from '../activities/licence-events';
import { ApprovalInput, approvalWorkflowId } from '../domain/approval';
import { activityProxies } from './activity-proxies';
import { approvalWorkflow } from './approval';
import { signingActivities } from './signing';

const activities = activityProxies<LicenceEventActivities & ExchangeActivities>();

/** Without a usable seal-use authorisation, look again after this long. */
const AWAITING_SEAL_RETRY = '10 minutes';

export interface LicenceEventInput {
  eventId: string;
  licenceId: string;
  /** Present for the kinds that need a decision (domain/licence-lifecycle.ts LICENCE_EVENT_RULES). */
  approval: ApprovalInput | null;
}

export type LicenceEventOutcome = { status: 'recorded' | 'rejected' | 'failed'; reason: string | null };

/** One workflow per (issuing unit, case id): the event row is unique on both. */
export function licenceEventWorkflowId(organisationId: string, caseId: string): string {
  return `licence-event-${organisationId}-${caseId}`;
}

export async function licenceEventWorkflow(input: LicenceEventInput): Promise<LicenceEventOutcome> {
  if (input.approval) {
    await activities.markEventWaiting({ eventId: input.eventId, status: 'awaiting_approval', reason: null });
    const outcome = await executeChild(approvalWorkflow, {
      workflowId: approvalWorkflowId('licence_revocation', input.eventId),
      args: [input.approval],
    });
    if (outcome.status !== 'approved') {
      const reason = outcome.reason ?? (outcome.status === 'rejected' ? '审批未通过' : '申请已撤回');
      await activities.markEventRejected({ eventId: input.eventId, status: 'rejected', reason });
      return { status: 'rejected', reason };
    }
  }
  const signing = signingActivities();
  for (;;) {
    const result = await signing.recordLicenceEvent({ eventId: input.eventId });
    if (result.outcome === 'recorded') break;
    if (result.outcome === 'failed') return { status: 'failed', reason: result.reason };
    await activities.markEventWaiting({
      eventId: input.eventId,
      status: 'awaiting_seal',
      reason: result.reason,
    });
    await sleep(AWAITING_SEAL_RETRY);
  }
  // Issue 19 Build 3: the delivery relay pushes the event's message, in order with the licence's others (LM-8);
  // runs begun before it deliver it themselves.
  if (!patched('issue-19-delivery-relay'))
    await activities.deliverToExchange({ licenceId: input.licenceId, scope: 'lifecycle' });
  return { status: 'recorded', reason: null };
}
