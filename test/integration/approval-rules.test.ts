/**
 * The approval engine defined once (issue 9): the action table is what the API dispatches, what the workflow
 * registers and what the OpenAPI document lists; nobody approves their own request under any flow; a task is handed
 * only to someone holding the step's role; the legal-name seal's use goes to the unit leader and never back to its
 * requester (SM-12); a user with several roles sees the group tasks of each.
 */
import {
  ACTION_NAMES,
  approvalWorkflowId,
  PROCESS_ACTION_NAMES,
  TASK_ACTION_NAMES,
} from '../../domain/approval';
import { AppUser } from '../../db/entities';
import { applicationBody, approvalHelpers, ApprovalHelpers, step } from '../support/approvals';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';

let t: TestPlatform;
let h: ApprovalHelpers;
let legalSealId: string;
let businessSealId: string;

beforeAll(async () => {
  t = await startTestPlatform();
  h = approvalHelpers(t);
  legalSealId = await makeTestSeal(t, 'legal_name', '泽州县市场监督管理局');
  businessSealId = await makeTestSeal(t, 'business', '泽州县市场监督管理局合同专用章');
});
afterAll(async () => {
  await t?.stop();
});

const userId = async (username: string) => (await t.em().findOneOrFail(AppUser, { username })).id;

function sealUseBody(sealId: string, over: Record<string, unknown> = {}) {
  return {
    sealId,
    documents: [{ title: '政府采购合同（甲方）' }],
    maxUses: 1,
    validFrom: new Date(Date.now() - 60_000).toISOString(),
    validTo: new Date(Date.now() + 24 * 3600_000).toISOString(),
    reason: '签订政府采购合同',
    ...over,
  };
}

async function requestSealUse(as: string, sealId: string): Promise<string> {
  const res = await t.call('POST', '/api/seal-use-requests', { as, body: sealUseBody(sealId) });
  if (res.status !== 201) throw new Error(`seal use: ${res.status} ${JSON.stringify(res.body)}`);
  return approvalWorkflowId('seal_use', res.body.id);
}

/** The users who hold a process's open tasks, by username, as its view lists them. */
async function holders(key: string, as = 'zz-amr-clerk'): Promise<string[]> {
  const view = await h.view(key, as);
  const open = view.tasks.filter((x: any) => x.status === 'pending');
  const users = await t.em().find(AppUser, {});
  return open.map((x: any) =>
    x.assignee.kind === 'user'
      ? users.find((u) => u.id === x.assignee.userId)!.username
      : `group:${x.assignee.organisationId}:${x.assignee.role}`,
  );
}

describe('one table of actions', () => {
  it('the API routes, the workflow’s update handlers and the OpenAPI operations are exactly the table’s', async () => {
    // OpenAPI.
    const doc = (await t.call('GET', '/api/openapi.json')).body;
    const paths = Object.keys(doc.paths);
    const listed = (prefix: string) =>
      paths
        .filter((p) => p.startsWith(prefix) && p.split('/').length === 5)
        .map((p) => p.split('/')[4])
        .sort();
    expect(listed('/api/tasks/{id}/')).toEqual([...TASK_ACTION_NAMES].sort());
    expect(listed('/api/approvals/{id}/')).toEqual([...PROCESS_ACTION_NAMES].sort());

    // The workflow: its registered updates, as Temporal's built-in metadata query reports them.
    const key = (await h.start()).key;
    const meta: any = await t.platform.temporal.workflow.getHandle(key).query('__temporal_workflow_metadata');
    const updates = (meta.definition.updateDefinitions as Array<{ name: string }>).map((u) => u.name);
    expect(updates.filter((n) => n !== 'ready').sort()).toEqual([...ACTION_NAMES].sort());

    // The API dispatch: every table action is routed (an unknown task is a 404 naming the task, not the path),
    // and nothing else is: an inherited property name is an unknown path.
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    for (const name of TASK_ACTION_NAMES) {
      const res = await t.call('POST', `/api/tasks/no-such-task/${name}`, {
        as: 'zz-approval-reviewer',
        body: {},
      });
      expect([400, 404]).toContain(res.status);
      expect(JSON.stringify(res.body)).not.toContain('Cannot POST');
    }
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'add_signer', 'withdraw']) {
      const res = await t.call('POST', `/api/tasks/${taskId}/${name}`, {
        as: 'zz-approval-reviewer',
        body: {},
      });
      expect(res.status).toBe(404);
    }
    for (const name of PROCESS_ACTION_NAMES) {
      const res = await t.call('POST', `/api/approvals/no-such-process/${name}`, {
        as: 'zz-amr-clerk',
        body: {},
      });
      expect([400, 404]).toContain(res.status);
    }
    for (const name of ['constructor', 'approve', 'valueOf']) {
      const res = await t.call('POST', `/api/approvals/${key}/${name}`, { as: 'zz-amr-clerk', body: {} });
      expect(res.status).toBe(404);
    }
  });
});

describe('several roles', () => {
  it('a user holding two roles sees the group tasks of both', async () => {
    // 何永刚 is unit leader and seal reviewer of 泽州县行政审批服务管理局: a leaders' step, then the reviewers'.
    await h.saveFlow([
      step('lead', { approvers: [{ type: 'role', role: 'unit_leader', organisationId: 'zz-approval' }] }),
      step('review'),
    ]);
    const { key } = await h.start();
    const pendingOf = async () =>
      (await t.call('GET', '/api/tasks?box=pending', { as: 'zz-approval-leader' })).body.items.filter(
        (i: any) => i.processKey === key,
      );
    expect((await pendingOf()).map((i: any) => i.stepName)).toEqual(['步骤lead']);
    await h.approve('zz-approval-leader', key);
    for (let i = 0; i < 50 && (await pendingOf()).length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await pendingOf()).map((i: any) => i.stepName)).toEqual(['步骤review']);
  });
});

describe('nobody approves their own request', () => {
  it('a flow that names the requester sends the step to the unit leader; the requester acting is 403', async () => {
    const clerk = await userId('zz-amr-clerk');
    await h.saveFlow(
      [step('self', { approvers: [{ type: 'user', userId: clerk }], name: '经办人自审' })],
      'zz-amr',
      'seal_use',
    );
    const key = await requestSealUse('zz-amr-clerk', businessSealId);
    expect(await holders(key)).toEqual(['zz-amr-leader']);
    const view = await h.view(key);
    const started = view.history.find((e: any) => e.action === 'step_started');
    expect(started.comment).toContain('发起人不能审批本人的申请');

    // The requester cannot act on the task, even naming it directly.
    const taskId = await h.openTaskOf(key, 'zz-amr-leader');
    for (const action of ['approve', 'reject', 'transfer']) {
      const res = await h.act('zz-amr-clerk', taskId, action, { reason: '自己驳回', to: 'zz-amr-deputy' });
      expect([400, 403]).toContain(res.status);
    }
    expect((await h.act('zz-amr-clerk', taskId, 'approve')).status).toBe(403);
    expect((await h.view(key)).status).toBe('running');
  });

  it('a flow whose group is the requester’s own role never lets the requester approve', async () => {
    await h.saveFlow(
      [step('applicants', { approvers: [{ type: 'role', role: 'seal_applicant' }], mode: 'any' })],
      'zz-amr',
      'seal_use',
    );
    const key = await requestSealUse('zz-amr-clerk', businessSealId);
    // 马红 (also a seal applicant) gets a task; 张丽, the requester, does not.
    expect(await holders(key)).toEqual(['zz-amr-deputy']);
    const inbox = (await t.call('GET', '/api/tasks?box=pending', { as: 'zz-amr-clerk' })).body.items;
    expect(inbox.map((i: any) => i.processKey)).not.toContain(key);
  });

  it('choosing oneself as approver is refused at submission (400)', async () => {
    await h.saveFlow(
      [step('chosen', { approvers: [{ type: 'initiator_choice' }] })],
      'zz-amr',
      'seal_application',
    );
    const res = await t.call('POST', '/api/seal-applications', {
      as: 'zz-amr-clerk',
      body: { ...applicationBody(), approvers: { chosen: ['zz-amr-clerk'] } },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('approvers.chosen');
  });

  it('transfer, delegate or add-signer to someone without the step’s role, or to the requester, is 403', async () => {
    await h.saveFlow([step('leader', { approvers: [{ type: 'department_leader' }] })], 'zz-amr', 'seal_use');
    const key = await requestSealUse('zz-amr-clerk', businessSealId);
    const taskId = await h.openTaskOf(key, 'zz-amr-leader');
    const cases: Array<[string, Record<string, unknown>]> = [
      ['transfer', { to: 'zz-amr-deputy' }],
      ['delegate', { to: 'zz-amr-deputy' }],
      ['add-signer', { signer: 'zz-amr-deputy', position: 'before' }],
      ['transfer', { to: 'zz-amr-clerk' }],
      ['add-signer', { signer: 'zz-amr-clerk', position: 'after' }],
    ];
    for (const [action, body] of cases) {
      const res = await h.act('zz-amr-leader', taskId, action, body);
      expect({ action, body, status: res.status }).toEqual({ action, body, status: 403 });
    }
    expect(await holders(key)).toEqual(['zz-amr-leader']);
  });
});

describe('the legal-name seal (SM-12)', () => {
  it('goes to the unit leader when a clerk asks, and never back to the requester when the leader asks', async () => {
    // The unit's own flow is removed by saving the default-like flow: department leader.
    await h.saveFlow([step('leader', { approvers: [{ type: 'department_leader' }] })], 'zz-amr', 'seal_use');
    const byClerk = await requestSealUse('zz-amr-clerk', legalSealId);
    expect(await holders(byClerk)).toEqual(['zz-amr-leader']);

    const byLeader = await requestSealUse('zz-amr-leader', legalSealId);
    const held = await holders(byLeader, 'zz-amr-leader');
    expect(held).not.toContain('zz-amr-leader');
    expect(held).toEqual(['zz-approval-leader']); // the leader of the county's management unit
    const taskId = await h.openTaskOf(byLeader, 'zz-approval-leader');
    expect((await h.act('zz-amr-leader', taskId, 'approve')).status).toBe(403);
    expect((await h.act('zz-approval-leader', taskId, 'approve')).status).toBe(200);
    expect((await h.waitForStatus(byLeader, 'approved', 'zz-amr-leader')).status).toBe('approved');
  });
});
