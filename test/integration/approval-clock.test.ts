/**
 * The approval clock on Temporal's time-skipping test server (issue 10 Build 1): reminders before and after a
 * step's deadline, counted in the mailbox, and a suspension for 补正 whose days do not count (行政许可法 art. 32,
 * 45), checked against the public `/api/calendar/deadline`. The activities are the real ones against real
 * PostgreSQL and a real SMTP server; only the time passes in moments.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { InAppNotice } from '../../db/approval-entities';
import { Task } from '../../db/entities';
import { saveFlowDefinition } from '../../db/flow-definitions';
import { loadWorkingCalendar } from '../../db/calendar';
import { Actor, ApprovalInput, ApprovalState, approvalWorkflowId, UserRef } from '../../domain/approval';
import { reminderPlan } from '../../domain/approval-reminders';
import { FlowStepInput } from '../../domain/flow-definition';
import { FlowDefinitionBody } from '../../domain/flow-definition-schema';
import { ACTION_UPDATES, approvalStateQuery, readyUpdate } from '../../workflows/approval-messages';
import type { TestPlatform } from '../support/platform';
import { startTimeSkippingPlatform, TimeSkippingPlatform } from '../support/time-skipping-platform';

let t: TestPlatform;
let env: TestWorkflowEnvironment;
let taskQueue: string;
let rig: TimeSkippingPlatform;
const DAY_MS = 24 * 3600 * 1000;

beforeAll(async () => {
  rig = await startTimeSkippingPlatform('clock');
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
const clerkActor: Actor = { ...clerk, roles: [] };
const reviewer: Actor = {
  userId: 'user-zz-approval-reviewer',
  displayName: '王建国',
  organisationId: 'zz-approval',
  organisationName: '泽州县行政审批服务管理局',
  roles: ['seal_reviewer'],
};
const REVIEWER_EMAIL = 'zz-approval-reviewer@jincheng.example';

/** Starts an approval with one step at the county's seal reviewers, with the given time options. */
async function startWith(title: string, options: Partial<FlowStepInput>) {
  const body = FlowDefinitionBody.parse({
    kind: 'seal_application',
    name: `时钟测试 ${title}`.slice(0, 60),
    organisationId: 'zz-amr',
    steps: [
      {
        key: 'county',
        name: '县级审核',
        approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'zz-approval' }],
        mode: 'single',
        onBreach: 'notify_supervisor',
        ...options,
      },
    ],
  });
  const definition = await saveFlowDefinition(t.em(), body, 'test');
  const processId = randomUUID();
  const input: ApprovalInput = {
    processKey: approvalWorkflowId('seal_application', processId),
    kind: 'seal_application',
    processId,
    title,
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
  const state = (await handle.executeUpdate(readyUpdate)) as ApprovalState;
  return { handle, key: input.processKey, state };
}

function act(
  handle: WorkflowHandle,
  name: keyof typeof ACTION_UPDATES,
  taskId: string | null,
  by: Actor,
  body: object,
) {
  return handle.executeUpdate(ACTION_UPDATES[name], {
    args: [{ taskId, actor: by, body, people: {}, attachments: [] }],
  }) as Promise<ApprovalState>;
}

/** Polls until `check` holds (e-mail and projections follow the workflow a moment later). */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 150; i++) {
    last = await read();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

describe('reminders (issue 10 Build 1, time-skipping)', () => {
  it('one working day before the deadline, then every 4 working hours after it, at most 3 times: 4 e-mails and 4 in-app notices', async () => {
    const title = `提醒测试 ${randomUUID().slice(0, 8)}`;
    const reminders = { beforeWorkingDays: 1, afterEveryWorkingHours: 4, afterMax: 3 };
    const { handle, key, state } = await startWith(title, { due: { workingDays: 2 }, reminders });
    const dueAt = state.stepDue!.dueAt;
    const calendar = await loadWorkingCalendar(t.em());
    const expected = reminderPlan(calendar, dueAt, reminders, state.stepStartedAt);
    expect(expected.map((r) => r.kind)).toEqual(['before', 'after', 'after', 'after']);

    const reminderMails = () =>
      t.mailbox.messages.filter(
        (m) => m.to.includes(REVIEWER_EMAIL) && m.subject.includes('办理时限提醒') && m.text.includes(title),
      );
    // Well past the last reminder (12 working hours after the deadline) and then some: no fifth reminder.
    const last = Date.parse(expected[expected.length - 1]!.at);
    await env.sleep(last - (await env.currentTimeMs()) + 10 * DAY_MS);
    const mails = await eventually(
      async () => reminderMails(),
      (m) => m.length >= 4,
      'four reminder e-mails',
    );
    await env.sleep(3 * DAY_MS);
    await new Promise((r) => setTimeout(r, 1000));
    expect(reminderMails()).toHaveLength(4);
    expect(mails[0]!.text).toMatch(/剩余时间：剩余 /);
    for (const m of mails.slice(1)) expect(m.text).toMatch(/剩余时间：已超期 /);

    // Each at its planned instant, each in the timeline.
    const after = (await handle.query(approvalStateQuery)) as ApprovalState;
    const reminded = after.history.filter((e) => e.action === 'reminded');
    expect(reminded.map((e) => e.at)).toHaveLength(4);
    reminded.forEach((e, i) => {
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(Date.parse(expected[i]!.at));
      expect(Date.parse(e.at) - Date.parse(expected[i]!.at)).toBeLessThan(60_000);
    });
    const notices = await eventually(
      () => t.em().find(InAppNotice, { processKey: key, userId: reviewer.userId, kind: 'remind' }),
      (n) => n.length === 4,
      'four in-app notices',
    );
    expect(notices.map((n) => n.body).join('\n')).toMatch(/已超期/);
    // The reviewer reads them in the platform; nobody else sees them.
    const mine = await t.call('GET', '/api/notices?limit=100', { as: 'zz-approval-reviewer' });
    expect(mine.status).toBe(200);
    const ofThis = mine.body.items.filter((n: { processKey: string }) => n.processKey === key);
    expect(ofThis).toHaveLength(4);
    expect(ofThis[0]).toMatchObject({ kind: 'remind', read: false, url: `/approvals/${key}` });
    expect(ofThis[0].title).toContain(title);
    const others = await t.call('GET', '/api/notices', { as: 'zz-amr-clerk' });
    expect(others.body.items.filter((n: { processKey: string }) => n.processKey === key)).toEqual([]);
    const bad = await t.call('GET', '/api/notices?limit=0', { as: 'zz-approval-reviewer' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('limit');

    const task = await t.em().findOneOrFail(Task, { workflowId: key, status: 'pending' });
    await act(handle, 'approve', task.id, reviewer, {});
    expect((await handle.result()).status).toBe('approved');
  });
});

describe('suspension of the clock (issue 10 Build 1, 行政许可法 art. 32, 45, time-skipping)', () => {
  it('补正 on day 2 of 5, resumed 10 calendar days later: due 3 working days after the resumption', async () => {
    const title = `补正测试 ${randomUUID().slice(0, 8)}`;
    const { handle, key, state } = await startWith(title, { due: { workingDays: 5 } });
    const calendar = await loadWorkingCalendar(t.em());
    // Noon (Shanghai) of the step's 2nd working day: the end of that day minus 12 hours.
    const day2 = calendar.addWorkingDays(new Date(state.stepStartedAt), 2).dueAt.getTime() - 12 * 3600_000;
    await env.sleep(day2 - (await env.currentTimeMs()));
    const taskId = state.tasks[0]!.id;
    const suspended = await act(handle, 'suspend', taskId, reviewer, {
      kind: 'supplement',
      reason: '申请材料不齐全',
      items: ['法定代表人身份证明', '印章样式说明'],
    });
    const suspendedAt = suspended.suspension!.at;
    expect(
      calendar.workingDaysBetween(
        new Date(Date.parse(state.stepStartedAt) + 8 * 3600_000).toISOString().slice(0, 10),
        new Date(Date.parse(suspendedAt) + 8 * 3600_000).toISOString().slice(0, 10),
      ).days,
    ).toBe(2);
    await t.mailbox.waitFor((m) => m.to.includes(clerk.email!) && m.text.includes('法定代表人身份证明'));

    // The inbox shows 已中止 while suspended, neither overdue nor counting down.
    const inbox = await eventually(
      () => t.call('GET', '/api/tasks?box=pending', { as: 'zz-approval-reviewer' }),
      (r) =>
        r.body.items.some(
          (i: { processKey: string; suspended: boolean }) => i.processKey === key && i.suspended,
        ),
      'the inbox to show the suspension',
    );
    expect(inbox.body.items.find((i: { processKey: string }) => i.processKey === key)).toMatchObject({
      statusLabel: '已中止',
      overdue: false,
      timeLeftMs: null,
    });

    await env.sleep(10 * DAY_MS); // no breach while suspended, however long
    const resumed = await act(handle, 'resume', null, clerkActor, { comment: '已补正' });
    const resumedAt = resumed.history.find((e) => e.action === 'resumed')!.at;
    const after = await eventually(
      async () => (await handle.query(approvalStateQuery)) as ApprovalState,
      (s) => s.history.some((e) => e.action === 'retimed'),
      'the deadline to be computed again',
    );
    expect(after.breaches).toEqual([]);
    const api = await t.call(
      'GET',
      `/api/calendar/deadline?from=${encodeURIComponent(resumedAt)}&workingDays=3`,
    );
    expect(api.status).toBe(200);
    expect(after.stepDue).toEqual(api.body);
    expect(after.tasks[0]).toMatchObject({ dueAt: api.body.dueAt });
    const projected = await eventually(
      () => t.em().fork().findOneOrFail(Task, { id: taskId }),
      (row) => row.dueAt?.toISOString() === api.body.dueAt,
      'the task row to carry the new due time',
    );
    expect(projected.dueAt!.toISOString()).toBe(api.body.dueAt);
    expect(after.history.map((e) => e.action)).toEqual(
      expect.arrayContaining(['suspended', 'resumed', 'retimed']),
    );

    await act(handle, 'approve', taskId, reviewer, {});
    expect((await handle.result()).status).toBe('approved');
  });
});
