/**
 * Deadlines and escalation (issue 3, Build 4): a step's working-day deadline is a durable Temporal timer in the
 * approval workflow. On Temporal's time-skipping test server the days pass in moments, while the activities are
 * the real ones against real PostgreSQL and a real SMTP server: the breach fires its action, e-mails the
 * supervisors and is recorded for supervision (LM-28).
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApprovalProcess, DeadlineBreach } from '../../db/approval-entities';
import { AuditEvent, Task } from '../../db/entities';
import { saveFlowDefinition } from '../../db/flow-definitions';
import { loadWorkingCalendar } from '../../db/calendar';
import { Actor, ApprovalInput, approvalWorkflowId, UserRef } from '../../domain/approval';
import { BreachAction } from '../../domain/flow-definition';
import { FlowDefinitionBody } from '../../domain/flow-definition-schema';
import { ACTION_UPDATES, readyUpdate } from '../../workflows/approval-messages';
import type { TestPlatform } from '../support/platform';
import { startTimeSkippingPlatform, TimeSkippingPlatform } from '../support/time-skipping-platform';

let t: TestPlatform;
let env: TestWorkflowEnvironment;
let taskQueue: string;
let rig: TimeSkippingPlatform;

beforeAll(async () => {
  rig = await startTimeSkippingPlatform('deadline');
  ({ t, env, taskQueue } = rig);
});

afterAll(async () => {
  await rig?.stop();
});

const clerk: UserRef = {
  userId: 'user-zz-amr-clerk',
  displayName: '张丽',
  organisationId: 'zz-amr',
  organisationName: '泽州县市场监督管理局',
  email: 'zz-amr-clerk@jincheng.example',
};

const REVIEWERS: Record<string, Actor> = {
  'zz-approval-reviewer': {
    userId: 'user-zz-approval-reviewer',
    displayName: '王建国',
    organisationId: 'zz-approval',
    organisationName: '泽州县行政审批服务管理局',
    roles: ['seal_reviewer'],
  },
  'jc-approval-reviewer': {
    userId: 'user-jc-approval-reviewer',
    displayName: '李明',
    organisationId: 'jc-approval',
    organisationName: '晋城市行政审批服务管理局',
    roles: ['seal_reviewer'],
  },
};

/** An approval sent straight to the workflow, as the API would after its checks. */
function approveAs(handle: WorkflowHandle, taskId: string, reviewer: string, comment?: string) {
  return handle.executeUpdate(ACTION_UPDATES.approve, {
    args: [
      {
        taskId,
        actor: REVIEWERS[reviewer]!,
        body: comment ? { comment } : {},
        people: {},
        attachments: [],
      },
    ],
  });
}

/** Starts an approval whose one step (the county's seal reviewers) is due in one working day. */
async function startWith(onBreach: BreachAction, workingDays = 1) {
  const body = FlowDefinitionBody.parse({
    kind: 'seal_application',
    name: `时限测试（${onBreach}）`,
    organisationId: 'zz-amr',
    steps: [
      {
        key: 'county',
        name: '县级审核',
        approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'zz-approval' }],
        mode: 'single',
        due: { workingDays },
        onBreach,
      },
    ],
  });
  const definition = await saveFlowDefinition(t.em(), body, 'test');
  const processId = randomUUID();
  const input: ApprovalInput = {
    processKey: approvalWorkflowId('seal_application', processId),
    kind: 'seal_application',
    processId,
    title: `时限测试 ${onBreach}`,
    detailPath: `/seal-applications/${processId}`,
    initiator: clerk,
    jurisdictionId: '140525',
    flow: {
      definitionId: definition.id,
      version: definition.version,
      name: definition.name,
      kind: 'seal_application',
      steps: body.steps,
    },
    choices: {},
    cc: [],
    comment: null,
    attachments: [],
    approverAuthority: null,
    parentNotifiesOutcome: false,
  };
  const handle = await env.client.workflow.start('approvalWorkflow', {
    taskQueue,
    workflowId: input.processKey,
    args: [input],
  });
  return { handle, key: input.processKey };
}

/** Moves the test server's clock just past the step's deadline (working days: anything from 1 to 10+ days). */
async function sleepPastDeadline(handle: WorkflowHandle, key: string): Promise<void> {
  await handle.executeUpdate(readyUpdate); // the step's timer is set before the clock moves
  const task = await t.em().findOneOrFail(Task, { workflowId: key, status: 'pending' });
  await env.sleep(task.dueAt!.getTime() - (await env.currentTimeMs()) + 60_000);
}

async function breachOf(key: string): Promise<DeadlineBreach> {
  for (let i = 0; i < 100; i++) {
    const b = await t.em().findOne(DeadlineBreach, { processKey: key });
    if (b) return b;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no breach recorded for ${key}`);
}

describe('a breached working-day deadline (durable timer on the time-skipping server)', () => {
  it('auto-approve: fires at the computed deadline, approves, e-mails the supervisor and is recorded', async () => {
    const startedAt = new Date(await env.currentTimeMs());
    const { handle, key } = await startWith('auto_approve');
    const outcome = await handle.result(); // time skips to the deadline timer
    expect(outcome).toMatchObject({ status: 'approved' });

    const breach = await breachOf(key);
    // The timer waited for the calendar's deadline, not for n × 24 h.
    const calendar = await loadWorkingCalendar(t.em());
    const expected = calendar.addWorkingDays(startedAt, 1).dueAt.getTime();
    expect(Math.abs(breach.dueAt.getTime() - expected)).toBeLessThan(60_000);
    expect(breach.breachedAt.getTime()).toBeGreaterThanOrEqual(breach.dueAt.getTime());
    expect(breach).toMatchObject({
      action: 'auto_approve',
      stepName: '县级审核',
      jurisdictionId: '140525',
      assigneeOrganisationIds: ['zz-approval'],
    });
    const mail = await t.mailbox.waitFor(
      (m) => m.to.includes('zz-approval-supervisor@jincheng.example') && m.subject.includes('超过办理时限'),
    );
    expect(mail.text).toContain('县级审核');
    const audit = await t.em().find(AuditEvent, { action: 'approval.deadline_breach', targetId: key });
    expect(audit).toHaveLength(1);
    const state = await handle.query('approvalState');
    expect((state as { history: Array<{ action: string }> }).history.map((e) => e.action)).toEqual(
      expect.arrayContaining(['breached', 'auto_approved', 'completed']),
    );
    expect((await t.em().findOneOrFail(ApprovalProcess, { id: key })).status).toBe('approved');
  });

  it('auto-reject: the process ends rejected with the reason', async () => {
    const { handle, key } = await startWith('auto_reject');
    const outcome = await handle.result();
    expect(outcome.status).toBe('rejected');
    expect(outcome.reason).toContain('超过办理时限');
    expect((await breachOf(key)).action).toBe('auto_reject');
  });

  it('notify supervisor: the task stays open after the breach, and the approver can still decide', async () => {
    const { handle, key } = await startWith('notify_supervisor');
    await sleepPastDeadline(handle, key);
    const breach = await breachOf(key);
    expect(breach.action).toBe('notify_supervisor');
    await t.mailbox.waitFor(
      (m) =>
        m.to.includes('zz-approval-supervisor@jincheng.example') &&
        m.text.includes(`时限测试 notify_supervisor`),
    );
    const task = await t.em().findOneOrFail(Task, { workflowId: key, status: 'pending' });
    await approveAs(handle, task.id, 'zz-approval-reviewer', '超期后补办');
    expect((await handle.result()).status).toBe('approved');
  });

  it('escalate: the lapsed task moves to the management unit one level up', async () => {
    const { handle, key } = await startWith('escalate');
    await sleepPastDeadline(handle, key);
    await breachOf(key);
    let escalated: Task | null = null;
    for (let i = 0; i < 100 && !escalated; i++) {
      escalated = await t.em().findOne(Task, { workflowId: key, origin: 'escalation', status: 'pending' });
      if (!escalated) await new Promise((r) => setTimeout(r, 100));
    }
    expect(escalated).toMatchObject({ assigneeOrganisationId: 'jc-approval', assigneeRole: 'seal_reviewer' });
    expect((await t.em().findOneOrFail(Task, { workflowId: key, origin: 'step' })).status).toBe(
      'transferred',
    );
    await approveAs(handle, escalated!.id, 'jc-approval-reviewer');
    expect((await handle.result()).status).toBe('approved');
  });

  it('a step decided before its deadline records no breach', async () => {
    const { handle, key } = await startWith('auto_reject', 5);
    await handle.executeUpdate(readyUpdate);
    await env.sleep('1 day');
    const task = await t.em().findOneOrFail(Task, { workflowId: key, status: 'pending' });
    await approveAs(handle, task.id, 'zz-approval-reviewer');
    expect((await handle.result()).status).toBe('approved');
    expect(await t.em().count(DeadlineBreach, { processKey: key })).toBe(0);
  });
});
