/**
 * The approval engine on the real Temporal dev server and real PostgreSQL (issue 3): countersign all, by ratio and
 * any-one; transfer, delegate, add and remove signers, withdraw, urge, CC; return to earlier steps, also to and
 * from countersign steps; versions; authority and bad input; inboxes, supervision and search attributes.
 * Processes are seal applications of 泽州县市场监督管理局 (zz-amr) under flows saved for it in each test.
 */
import { ApprovalProcess, FlowDefinition } from '../../db/approval-entities';
import { AuditEvent, SealApplication, Task } from '../../db/entities';
import { applicationBody, approvalHelpers, ApprovalHelpers, step, ZZ_REVIEWERS } from '../support/approvals';
import type { EntityManager } from '@mikro-orm/postgresql';
import { directoryOf } from '../../db/directory';
import { projectionSql } from '../../db/approval-rows';
import type { ApprovalState } from '../../domain/approval';
import { approvalStateQuery } from '../../workflows/approval-messages';
import { openOrm } from '../../db/orm';
import { saveAndPublishFlow } from '../support/flows';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let h: ApprovalHelpers;
beforeAll(async () => {
  t = await startTestPlatform();
  h = approvalHelpers(t);
});
afterAll(async () => {
  await t?.stop();
});

const countersign = (key: string, extra: object = {}) => step(key, { mode: 'all', ...extra });
const jcStep = (key: string) =>
  step(key, { approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'jc-approval' }] });
const openOf = (v: { tasks: Array<{ status: string; stepIndex: number; round: number }> }) =>
  v.tasks.filter((x) => x.status === 'pending' || x.status === 'waiting' || x.status === 'delegated');

describe('countersign (会签) and any-one (或签)', () => {
  it('countersign all: the step passes only when every member approved', async () => {
    await h.saveFlow([countersign('all')]);
    const { key, applicationId } = await h.start();
    let v = await h.view(key);
    expect(v.steps[0].modeLabel).toBe('会签');
    expect(v.tasks.map((x: { assignee: { userId: string } }) => x.assignee.userId).sort()).toEqual(
      ZZ_REVIEWERS.map((u) => `user-${u}`).sort(),
    );
    for (const u of ZZ_REVIEWERS.slice(0, 3)) await h.approve(u, key);
    v = await h.view(key);
    expect(v.status).toBe('running');
    expect(openOf(v)).toHaveLength(1);
    await h.approve(ZZ_REVIEWERS[3], key);
    await h.waitForStatus(key, 'approved');
    // The business process goes on: the seal application makes its seal.
    for (let i = 0; i < 100; i++) {
      const a = await t
        .em()
        .findOneOrFail(SealApplication, { id: applicationId }, { disableIdentityMap: true });
      if (a.status === 'approved') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await t.em().findOneOrFail(SealApplication, { id: applicationId })).sealId).not.toBeNull();
  });

  it('countersign all: one rejection ends the process and cancels the other members’ tasks', async () => {
    await h.saveFlow([countersign('all')]);
    const { key } = await h.start();
    await h.approve('zz-approval-reviewer', key);
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer2');
    expect((await h.act('zz-approval-reviewer2', taskId, 'reject', { reason: '印模不清晰' })).status).toBe(
      200,
    );
    const v = await h.waitForStatus(key, 'rejected');
    expect(v.outcomeReason).toBe('印模不清晰');
    expect(openOf(v)).toHaveLength(0);
    expect(v.tasks.filter((x: { status: string }) => x.status === 'cancelled')).toHaveLength(2);
  });

  it('countersign by ratio: half of four members pass the step; the rest are cancelled', async () => {
    await h.saveFlow([countersign('half', { passRatio: 0.5 }), jcStep('city')]);
    const { key } = await h.start();
    await h.approve('zz-approval-reviewer', key);
    expect((await h.view(key)).currentStep).toBe(0);
    await h.approve('zz-approval-reviewer2', key);
    const v = await h.view(key);
    expect(v.currentStep).toBe(1);
    expect(v.steps[0].modeLabel).toBe('会签（50% 通过）');
    expect(
      v.tasks.filter(
        (x: { stepIndex: number; status: string }) => x.stepIndex === 0 && x.status === 'cancelled',
      ),
    ).toHaveLength(2);
    expect(await h.openTasksOf(key, 'zz-approval-reviewer3')).toEqual([]);
  });

  it('countersign by ratio: rejected once the ratio can no longer be reached', async () => {
    await h.saveFlow([countersign('most', { passRatio: 0.75 })]);
    const { key } = await h.start();
    await h.approve('zz-approval-reviewer', key);
    const r1 = await h.openTaskOf(key, 'zz-approval-reviewer2');
    await h.act('zz-approval-reviewer2', r1, 'reject', { reason: '不同意' });
    expect((await h.view(key)).status).toBe('running'); // 3 of 4 still possible
    const r2 = await h.openTaskOf(key, 'zz-approval-reviewer3');
    await h.act('zz-approval-reviewer3', r2, 'reject', { reason: '同样不同意' });
    await h.waitForStatus(key, 'rejected');
  });

  it('any-one: the first approval decides; the others’ tasks are cancelled and acting on them is 409', async () => {
    await h.saveFlow([step('any', { mode: 'any' }), jcStep('city')]);
    const { key } = await h.start();
    const late = await h.openTaskOf(key, 'zz-approval-reviewer3');
    await h.approve('zz-approval-reviewer', key);
    const v = await h.view(key);
    expect(v.currentStep).toBe(1);
    expect(v.steps[0].modeLabel).toBe('或签');
    const res = await h.act('zz-approval-reviewer3', late, 'approve');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
  });

  it('any-one: two approvers acting at the same moment — exactly one counts, the other gets 409', async () => {
    await h.saveFlow([step('any', { mode: 'any' }), jcStep('city')]);
    const { key } = await h.start();
    const a = await h.openTaskOf(key, 'zz-approval-reviewer');
    const b = await h.openTaskOf(key, 'zz-approval-reviewer2');
    const results = await Promise.all([
      h.act('zz-approval-reviewer', a, 'approve', { comment: '甲同意' }),
      h.act('zz-approval-reviewer2', b, 'approve', { comment: '乙同意' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const v = await h.view(key);
    expect(v.history.filter((e: { action: string }) => e.action === 'approved')).toHaveLength(1);
    expect(v.currentStep).toBe(1);
    expect(await h.openTasksOf(key, 'jc-approval-reviewer')).toHaveLength(1);
  });
});

describe('the projection, and the directory the steps resolve against (issue 19)', () => {
  const sealLevel = (levelsUp: number) =>
    step(`level-${levelsUp + 1}`, {
      approvers: [
        { type: 'management_unit', function: 'seal_management_department', role: 'seal_reviewer', levelsUp },
      ],
    });
  beforeAll(async () => {
    await h.saveFlow([sealLevel(0), sealLevel(1)]);
  });
  /** What both views carry of a task, a timeline entry and a CC entry (the records keep no unit names). */
  const comparable = (v: any) => ({
    tasks: v.tasks.map((x: any) => ({
      ...x,
      assignee: { ...x.assignee, organisationName: '', email: null, roles: undefined },
      actedBy: x.actedBy ? { ...x.actedBy, organisationName: '' } : null,
      branchKey: x.branchKey ?? null,
      statusLabel: undefined,
      originLabel: undefined,
      assigneeLabel: undefined,
      overdue: undefined,
      timeLeftMs: undefined,
      actions: undefined,
    })),
    history: v.history.map((e: any) => ({ ...e, signatureId: e.signatureId ?? null })),
    cc: v.cc.map((c: any) => ({ ...c, organisationName: '' })),
  });

  it('a process Temporal no longer knows is shown from its rows as the live view showed it (issue 19)', async () => {
    const { key } = await h.start();
    await h.approve('zz-approval-reviewer', key, '同意，转市局');
    const taskId = await h.openTaskOf(key, 'jc-approval-reviewer');
    expect((await h.act('jc-approval-reviewer', taskId, 'cc', { users: ['jc-hrss-verifier'] })).status).toBe(
      200,
    );
    const live = await h.view(key);
    expect(live.live).toBe(true);
    const handle = t.platform.temporal.workflow.getHandle(key);
    await t.platform.temporal.workflowService.deleteWorkflowExecution({
      namespace: t.platform.temporal.options.namespace,
      workflowExecution: { workflowId: key },
    });
    for (let gone = false; !gone;)
      gone = await handle.describe().then(
        () => false,
        () => true,
      );
    const records = await h.view(key);
    expect(records.live).toBe(false);
    expect(comparable(records)).toEqual(comparable(live));
    expect(records.history.length).toBeGreaterThanOrEqual(3);
    expect(records.tasks.length).toBeGreaterThanOrEqual(2);
  });

  it('rows a lost workflow task projected, which its history never recorded, are undone by the next projection', async () => {
    // The projection runs in the workflow task that changes the state (a local activity): if that task is lost
    // after writing, the rows may show a state the history does not. Written here by hand, then one action later.
    const { key } = await h.start();
    await h.approve('zz-approval-reviewer', key);
    const taskId = await h.openTaskOf(key, 'jc-approval-reviewer');
    const state = await t.platform.temporal.workflow.getHandle(key).query(approvalStateQuery);
    const open = state.tasks.find((x) => x.id === taskId)!;
    const lost = {
      ...state,
      tasks: [...state.tasks, { ...open, id: `${key}-t99` }],
      history: [...state.history, { ...state.history.at(-1)!, seq: state.history.length + 1 }],
      cc: [...state.cc, { user: state.initiator, at: open.openedAt, by: open.assignee, stepIndex: 1 }],
    } as ApprovalState;
    const { sql, params } = projectionSql(lost);
    await t.em().execute(sql, params);
    const closed = state.tasks.find((x) => x.status === 'approved')!.id;
    const version = async () =>
      (await t.em().execute('select xmin::text as v from task where id = ?', [closed]))[0]!.v;
    const before = await version();
    expect(await h.openTasksOf(key, 'jc-approval-reviewer')).toEqual([taskId, `${key}-t99`]);

    expect((await h.act('jc-approval-reviewer', taskId, 'cc', { users: ['jc-hrss-verifier'] })).status).toBe(
      200,
    );
    expect(await h.openTasksOf(key, 'jc-approval-reviewer')).toEqual([taskId]);
    const count = async (sql: string) => Number((await t.em().execute(sql, [key]))[0]!.n);
    expect(await count('select count(*) as n from task where workflow_id = ?')).toBe(2);
    expect(await count('select count(*) as n from approval_event where process_key = ?')).toBe(
      (await h.view(key)).history.length,
    );
    const ccd = await t.em().execute('select user_id from approval_cc where process_key = ?', [key]);
    expect(ccd.map((r) => r.user_id)).toEqual(['user-jc-hrss-verifier']);
    expect(await version()).toBe(before); // the county's closed task was left alone, not written again
  });

  it('a unit renamed just before a step: the step that follows names it so, in this and any other process', async () => {
    const other = await openOrm(t.workerEnv.DATABASE_URL!);
    try {
      const [city] = await t.em().execute<Array<{ id: string; name: string }>>(
        `select id, name from organisation
          where jurisdiction_id = '140500' and 'seal_management_department' = any(functions)`,
      );
      const otherEm = () => other.em.fork() as EntityManager;
      expect((await directoryOf(otherEm())).units.get(city!.id)?.name).toBe(city!.name); // a warm copy
      const { key } = await h.start();
      const renamed = `${city!.name}（更名）`;
      await t.em().execute('update organisation set name = ? where id = ?', [renamed, city!.id]);
      try {
        // At once: the other process's copy and the worker's next step both see the new name.
        expect((await directoryOf(otherEm())).units.get(city!.id)?.name).toBe(renamed);
        const res = await h.approve('zz-approval-reviewer', key);
        const next = res.body.tasks.find((x: any) => x.stepIndex === 1);
        expect(next.assignee).toMatchObject({ organisationId: city!.id, organisationName: renamed });
        // A change rolled back is never seen.
        await t
          .em()
          .transactional(async (tx) => {
            await tx.execute('update organisation set name = ? where id = ?', ['不应出现', city!.id]);
            throw new Error('rolled back');
          })
          .catch(() => undefined);
        expect((await directoryOf(otherEm())).units.get(city!.id)?.name).toBe(renamed);
      } finally {
        await t.em().execute('update organisation set name = ? where id = ?', [city!.name, city!.id]);
      }
      expect((await directoryOf(otherEm())).units.get(city!.id)?.name).toBe(city!.name);
    } finally {
      await other.close(true);
    }
  });
});

describe('transfer, delegate, add and remove signers (转办, 委派, 加签, 减签)', () => {
  beforeEach(async () => {
    await h.saveFlow([step('first'), jcStep('city')]);
  });

  it('transfer moves the task to another person for good', async () => {
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    const res = await h.act('zz-approval-reviewer', taskId, 'transfer', {
      to: 'zz-approval-reviewer2',
      comment: '请杨帆办理',
    });
    expect(res.status).toBe(200);
    const moved = res.body.tasks.find((x: { origin: string }) => x.origin === 'transfer');
    expect(moved).toMatchObject({ status: 'pending', assignee: { userId: 'user-zz-approval-reviewer2' } });
    expect(res.body.tasks.find((x: { id: string }) => x.id === taskId).status).toBe('transferred');
    // Gone from the department's inbox, in the new holder's, and in the transferrer's 已办.
    expect(await h.openTasksOf(key, 'zz-approval-reviewer')).toEqual([]);
    expect(await h.openTasksOf(key, 'zz-approval-reviewer3')).toEqual([]);
    const done = (await t.call('GET', '/api/tasks?box=done', { as: 'zz-approval-reviewer' })).body.items;
    expect(done.find((x: { taskId: string }) => x.taskId === taskId)).toMatchObject({
      status: 'transferred',
    });
    await h.approve('zz-approval-reviewer2', key);
    expect((await h.view(key)).currentStep).toBe(1);
    expect(res.body.history.at(-1)).toMatchObject({
      action: 'transferred',
      comment: '请杨帆办理',
      targets: ['杨帆'],
    });
  });

  it('transfer outside the approving unit is refused with 403 and changes nothing', async () => {
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    const before = await h.view(key);
    const res = await h.act('zz-approval-reviewer', taskId, 'transfer', { to: 'jc-approval-reviewer' });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('本审批单位');
    const after = await h.view(key);
    expect(after.tasks).toEqual(before.tasks);
    expect(after.history).toHaveLength(before.history.length);
  });

  it('delegate: the delegate handles it and it comes back to the delegator to decide', async () => {
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    expect(
      (await h.act('zz-approval-reviewer', taskId, 'delegate', { to: 'zz-approval-reviewer3' })).status,
    ).toBe(200);
    // The delegator waits; the delegate may only hand back, not decide the step.
    expect(await h.openTasksOf(key, 'zz-approval-reviewer')).toEqual([]);
    const delegated = await h.openTaskOf(key, 'zz-approval-reviewer3');
    const refused = await h.act('zz-approval-reviewer3', delegated, 'reject', { reason: '不同意此申请' });
    expect(refused.status).toBe(400);
    const back = await h.act('zz-approval-reviewer3', delegated, 'approve', { comment: '已核对印模与证书' });
    expect(back.status).toBe(200);
    expect(back.body.currentStep).toBe(0); // handing back does not pass the step
    expect(back.body.history.at(-1)).toMatchObject({ action: 'delegate_done', comment: '已核对印模与证书' });
    expect(await h.openTaskOf(key, 'zz-approval-reviewer')).toBe(taskId);
    await h.approve('zz-approval-reviewer', key);
    expect((await h.view(key)).currentStep).toBe(1);
  });

  it('add signer before: the added signer approves first, then the original approver decides', async () => {
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    const res = await h.act('zz-approval-reviewer', taskId, 'add-signer', {
      signer: 'zz-approval-leader',
      position: 'before',
    });
    expect(res.status).toBe(200);
    expect(res.body.tasks.find((x: { id: string }) => x.id === taskId).status).toBe('waiting');
    expect((await h.act('zz-approval-reviewer', taskId, 'approve')).status).toBe(409);
    await h.approve('zz-approval-leader', key, '负责人同意');
    expect((await h.view(key)).currentStep).toBe(0);
    await h.approve('zz-approval-reviewer', key);
    expect((await h.view(key)).currentStep).toBe(1);
  });

  it('add signer after: the step passes only once the added signer approved after the approver', async () => {
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    await h.act('zz-approval-reviewer', taskId, 'add-signer', {
      signer: 'zz-approval-reviewer3',
      position: 'after',
    });
    // Not yet: the signer added after waits for the approver.
    const added = (await h.view(key)).tasks.find((x: { origin: string }) => x.origin === 'add_after');
    expect(added).toMatchObject({ status: 'waiting', assignee: { userId: 'user-zz-approval-reviewer3' } });
    expect(await h.openTasksOf(key, 'zz-approval-reviewer3')).toEqual([taskId]); // the department's own task only
    await h.approve('zz-approval-reviewer', key);
    let v = await h.view(key);
    expect(v.currentStep).toBe(0);
    expect(openOf(v)).toEqual([expect.objectContaining({ origin: 'add_after', status: 'pending' })]);
    await h.approve('zz-approval-reviewer3', key);
    v = await h.view(key);
    expect(v.currentStep).toBe(1);
  });

  it('remove signer: an added signer who has not acted is removed and the approver may decide again', async () => {
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    const added = await h.act('zz-approval-reviewer', taskId, 'add-signer', {
      signer: 'zz-approval-reviewer2',
      position: 'before',
    });
    const signerTask = added.body.tasks.find((x: { origin: string }) => x.origin === 'add_before').id;
    // Only a holder of the task the signer was added to may remove them.
    expect((await h.act('zz-amr-clerk', taskId, 'remove-signer', { signerTaskId: signerTask })).status).toBe(
      403,
    );
    const res = await h.act('zz-approval-reviewer', taskId, 'remove-signer', { signerTaskId: signerTask });
    expect(res.status).toBe(200);
    expect(res.body.tasks.find((x: { id: string }) => x.id === signerTask).status).toBe('removed');
    expect(res.body.tasks.find((x: { id: string }) => x.id === taskId).status).toBe('pending');
    expect((await h.act('zz-approval-reviewer2', signerTask, 'approve')).status).toBe(409);
    await h.approve('zz-approval-reviewer', key);
    expect((await h.view(key)).currentStep).toBe(1);
  });
});

describe('withdraw, urge, CC (撤回, 催办, 抄送)', () => {
  beforeEach(async () => {
    await h.saveFlow([step('first'), jcStep('city')]);
  });

  it('withdraw by the initiator ends the process; others may not; the application is withdrawn', async () => {
    const { key, applicationId } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    const other = await t.call('POST', `/api/approvals/${key}/withdraw`, { as: 'zz-amr-deputy', body: {} });
    expect(other.status).toBe(403);
    const res = await t.call('POST', `/api/approvals/${key}/withdraw`, {
      as: 'zz-amr-clerk',
      body: { comment: '材料有误，撤回重报' },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('withdrawn');
    expect(openOf(res.body)).toHaveLength(0);
    expect((await h.act('zz-approval-reviewer', taskId, 'approve')).status).toBe(409);
    for (let i = 0; i < 100; i++) {
      const a = await t.em().findOneOrFail(SealApplication, { id: applicationId });
      if (a.status === 'withdrawn') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await t.em().findOneOrFail(SealApplication, { id: applicationId })).status).toBe('withdrawn');
  });

  it('urge notifies the current approvers by e-mail, at most once per hour per task (429 then)', async () => {
    const { key } = await h.start();
    expect(
      (await t.call('POST', `/api/approvals/${key}/urge`, { as: 'zz-approval-reviewer', body: {} })).status,
    ).toBe(403);
    const res = await t.call('POST', `/api/approvals/${key}/urge`, {
      as: 'zz-amr-clerk',
      body: { comment: '急用，请尽快' },
    });
    expect(res.status).toBe(200);
    const mail = await t.mailbox.waitFor(
      (m) => m.to.includes('zz-approval-reviewer2@jincheng.example') && m.subject.includes('催办'),
    );
    expect(mail.text).toContain('急用，请尽快');
    const again = await t.call('POST', `/api/approvals/${key}/urge`, { as: 'zz-amr-clerk', body: {} });
    expect(again.status).toBe(429);
    expect(again.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(again.body.error.message).toContain('每小时只能催办一次');
    expect((await h.view(key)).history.filter((e: { action: string }) => e.action === 'urged')).toHaveLength(
      1,
    );
  });

  it('CC at submission and at a step: the user sees it under 抄送, may read it, and gets an e-mail', async () => {
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    expect((await t.call('GET', `/api/approvals/${key}`, { as: 'zz-approval-supervisor' })).status).toBe(200); // oversees
    const res = await h.act('zz-approval-reviewer', taskId, 'cc', {
      users: ['jc-hrss-verifier'],
      comment: '请知悉',
    });
    expect(res.status).toBe(200);
    expect(res.body.cc).toEqual([expect.objectContaining({ userId: 'user-jc-hrss-verifier', by: '王建国' })]);
    const box = (await t.call('GET', '/api/tasks?box=cc', { as: 'jc-hrss-verifier' })).body.items;
    expect(box.map((x: { processKey: string }) => x.processKey)).toContain(key);
    expect((await t.call('GET', `/api/approvals/${key}`, { as: 'jc-hrss-verifier' })).status).toBe(200);
    await t.mailbox.waitFor(
      (m) => m.to.includes('jc-hrss-verifier@jincheng.example') && m.subject.includes('抄送'),
    );
    // Someone who is neither initiator nor holder may not CC; an unknown user is a 400 naming the field.
    expect(
      (
        await t.call('POST', `/api/approvals/${key}/cc`, {
          as: 'jc-hrss-verifier',
          body: { users: ['zz-amr-deputy'] },
        })
      ).status,
    ).toBe(403);
    const bad = await h.act('zz-approval-reviewer', taskId, 'cc', { users: ['nobody-here'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('users.0');
  });
});

describe('approvers chosen by the initiator, and CC at submission', () => {
  const pick = step('pick', { approvers: [{ type: 'initiator_choice' }], mode: 'any' });
  const submit = (body: object) =>
    t.call('POST', '/api/seal-applications', { as: 'zz-amr-clerk', body: { ...applicationBody(), ...body } });

  it('the chosen users get the step’s tasks; the CC’d user sees the process', async () => {
    await h.saveFlow([pick, jcStep('city')]);
    const res = await submit({
      approvers: { pick: ['zz-approval-reviewer3', 'zz-approval-leader'] },
      cc: ['jc-hrss-verifier'],
    });
    expect(res.status).toBe(201);
    const key = res.body.approvalWorkflowId;
    const v = await h.view(key);
    expect(v.tasks.map((x: { assignee: { userId: string } }) => x.assignee.userId).sort()).toEqual([
      'user-zz-approval-leader',
      'user-zz-approval-reviewer3',
    ]);
    expect(await h.openTasksOf(key, 'zz-approval-reviewer')).toEqual([]);
    expect(v.cc.map((c: { userId: string }) => c.userId)).toEqual(['user-jc-hrss-verifier']);
    const box = (await t.call('GET', '/api/tasks?box=cc', { as: 'jc-hrss-verifier' })).body.items;
    expect(box.some((x: { processKey: string }) => x.processKey === key)).toBe(true);
    await h.approve('zz-approval-reviewer3', key);
    expect((await h.view(key)).currentStep).toBe(1);
  });

  it('a missing choice, an unknown user or a step that takes no choice is a 400 naming it, and nothing is stored', async () => {
    await h.saveFlow([pick, jcStep('city')]);
    const count = () => t.em().count(SealApplication, {});
    const before = await count();
    const cases: Array<[object, string]> = [
      [{}, 'approvers.pick'],
      [{ approvers: { pick: [] } }, 'approvers.pick'],
      [{ approvers: { pick: ['nobody-here'] } }, 'approvers.pick.0'],
      [{ approvers: { pick: ['zz-approval-reviewer'], city: ['jc-approval-reviewer'] } }, 'approvers.city'],
      [{ approvers: { pick: ['zz-approval-reviewer'] }, cc: ['ghost'] }, 'cc.0'],
    ];
    for (const [body, field] of cases) {
      const res = await submit(body);
      expect([field, res.status]).toEqual([field, 400]);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect(await count()).toBe(before);
  });
});

describe('return (退回), also to and from countersign steps', () => {
  it('to the previous step: that step starts fresh, and the process can then finish', async () => {
    await h.saveFlow([step('first'), jcStep('city')]);
    const { key } = await h.start();
    const first = await h.openTaskOf(key, 'zz-approval-reviewer');
    await h.approve('zz-approval-reviewer', key);
    const cityTask = await h.openTaskOf(key, 'jc-approval-reviewer');
    const res = await h.act('jc-approval-reviewer', cityTask, 'return', {
      toStep: 'first',
      comment: '请补充核验意见',
    });
    expect(res.status).toBe(200);
    expect(res.body.currentStep).toBe(0);
    const fresh = await h.openTaskOf(key, 'zz-approval-reviewer');
    expect(fresh).not.toBe(first);
    expect(res.body.tasks.find((x: { id: string }) => x.id === cityTask).status).toBe('returned');
    await h.approve('zz-approval-reviewer', key);
    await h.approve('jc-approval-reviewer', key);
    await h.waitForStatus(key, 'approved');
  });

  it('to the first step from the third', async () => {
    await h.saveFlow([
      step('first'),
      jcStep('city'),
      step('last', { approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'sx-approval' }] }),
    ]);
    const { key } = await h.start();
    await h.approve('zz-approval-reviewer', key);
    await h.approve('jc-approval-reviewer', key);
    const last = await h.openTaskOf(key, 'sx-seal-reviewer');
    expect((await h.act('sx-seal-reviewer', last, 'return', { toStep: 'first' })).body.currentStep).toBe(0);
    expect(await h.openTasksOf(key, 'jc-approval-reviewer')).toEqual([]);
    await h.approve('zz-approval-reviewer', key);
    await h.approve('jc-approval-reviewer', key); // the middle step runs again too
    await h.approve('sx-seal-reviewer', key);
    await h.waitForStatus(key, 'approved');
  });

  it('from a countersign step: the other members’ tasks close, earlier votes are forgotten', async () => {
    await h.saveFlow([jcStep('city'), countersign('panel')]);
    const { key } = await h.start();
    await h.approve('jc-approval-reviewer', key);
    await h.approve('zz-approval-reviewer', key);
    await h.approve('zz-approval-reviewer2', key);
    const member = await h.openTaskOf(key, 'zz-approval-reviewer3');
    const res = await h.act('zz-approval-reviewer3', member, 'return', {
      toStep: 'city',
      comment: '退回市级重新审核',
    });
    expect(res.status).toBe(200);
    expect(res.body.currentStep).toBe(0);
    expect(openOf(res.body)).toEqual([expect.objectContaining({ stepIndex: 0, status: 'pending' })]);
    await h.approve('jc-approval-reviewer', key);
    // The panel starts fresh: four new tasks, none of the earlier approvals counted.
    const v = await h.view(key);
    expect(openOf(v)).toHaveLength(4);
    for (const u of ZZ_REVIEWERS.slice(0, 3)) await h.approve(u, key);
    expect((await h.view(key)).status).toBe('running');
    await h.approve(ZZ_REVIEWERS[3], key);
    await h.waitForStatus(key, 'approved');
  });

  it('to a countersign step: every member gets a fresh task and must approve again', async () => {
    await h.saveFlow([countersign('panel'), jcStep('city')]);
    const { key } = await h.start();
    for (const u of ZZ_REVIEWERS) await h.approve(u, key);
    const cityTask = await h.openTaskOf(key, 'jc-approval-reviewer');
    const res = await h.act('jc-approval-reviewer', cityTask, 'return', { toStep: 'panel' });
    expect(res.status).toBe(200);
    const open = openOf(res.body);
    expect(open).toHaveLength(4);
    expect(new Set(open.map((x: { round: number }) => x.round)).size).toBe(1);
    for (const u of ZZ_REVIEWERS) await h.approve(u, key);
    await h.approve('jc-approval-reviewer', key);
    await h.waitForStatus(key, 'approved');
  });

  it('refuses a return to the current or a later step with 400 naming toStep', async () => {
    await h.saveFlow([step('first'), jcStep('city')]);
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    for (const toStep of ['first', 'city', 'nowhere']) {
      const res = await h.act('zz-approval-reviewer', taskId, 'return', { toStep });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].field).toBe('toStep');
    }
    expect((await h.view(key)).history.some((e: { action: string }) => e.action === 'returned')).toBe(false);
  });
});

describe('authority and bad input', () => {
  it('an approver outside their authority or jurisdiction gets 403, audited, and nothing changes', async () => {
    await h.saveFlow([step('first'), jcStep('city')]);
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    const before = await h.view(key);
    for (const outsider of [
      'jc-approval-reviewer',
      'gp-approval-reviewer',
      'zz-amr-clerk',
      'zz-approval-supervisor',
    ]) {
      const res = await h.act(outsider, taskId, 'approve');
      expect(res.status).toBe(403);
    }
    expect((await h.view(key)).tasks).toEqual(before.tasks);
    const denials = await t
      .em()
      .find(AuditEvent, { action: 'task.approve', targetId: taskId, outcome: 'denied' });
    expect(denials).toHaveLength(4);
  });

  it('malformed flow definitions get 400 naming the problem, and nothing is stored', async () => {
    const count = () => t.em().count(FlowDefinition, {});
    const before = await count();
    const cases: Array<[object, string]> = [
      [{ steps: [] }, 'steps'],
      [{ steps: [step('a'), step('a')] }, 'steps.1.key'],
      [{ steps: [step('a', { passRatio: 0.5 })] }, 'steps.0.passRatio'],
      [{ steps: [step('a', { approvers: [{ type: 'astrologer' } as never] })] }, 'steps.0.approvers.0.type'],
      [
        { steps: [step('a', { approvers: [{ type: 'user', userId: 'user-nobody' }] })] },
        'steps.0.approvers.0.userId',
      ],
      [{ steps: [step('a', { due: { workingDays: 0 } })] }, 'steps.0.due.workingDays'],
      [{ steps: [step('Bad Key')] }, 'steps.0.key'],
      [
        {
          steps: [
            step('a', {
              mode: 'single',
              approvers: [{ type: 'department_leader' }, { type: 'department_leader' }],
            }),
          ],
        },
        'steps.0.approvers',
      ],
      [{ steps: [step('a')], colour: 'red' }, 'colour'],
    ];
    for (const [patch, field] of cases) {
      const res = await t.call('POST', '/api/flow-definitions', {
        as: 'jc-admin',
        body: {
          kind: 'seal_application',
          name: '有问题的流程',
          organisationId: 'zz-amr',
          steps: [step('a')],
          ...patch,
        },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(res.body.error.message).toContain(field);
    }
    const notAdmin = await t.call('POST', '/api/flow-definitions', {
      as: 'zz-approval-supervisor',
      body: { kind: 'seal_application', name: '越权流程', organisationId: 'zz-amr', steps: [step('a')] },
    });
    expect(notAdmin.status).toBe(403);
    expect(await count()).toBe(before);
  });

  it('malformed actions get 400 naming the field, and nothing changes', async () => {
    await h.saveFlow([step('first'), jcStep('city')]);
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    const before = await h.view(key);
    const cases: Array<[string, object, string]> = [
      ['reject', {}, 'reason'],
      ['reject', { reason: 'x' }, 'reason'],
      ['transfer', {}, 'to'],
      ['transfer', { to: 'nobody-at-all' }, 'to'],
      ['add-signer', { signer: 'zz-approval-reviewer2', position: 'middle' }, 'position'],
      ['add-signer', { signer: 'zz-approval-reviewer', position: 'before' }, 'signer'],
      ['approve', { comment: 'x'.repeat(501) }, 'comment'],
      ['approve', { attachments: ['not-a-uuid'] }, 'attachments.0'],
      ['approve', { attachments: ['4b0a3a56-1a5e-4a53-9d1e-9b0b9e6a1f10'] }, 'attachments.0'],
      ['approve', { verdict: 'yes' }, 'verdict'],
      ['remove-signer', { signerTaskId: 'no-such-task' }, 'signerTaskId'],
    ];
    for (const [action, body, field] of cases) {
      const res = await h.act('zz-approval-reviewer', taskId, action, body);
      expect([action, res.status]).toEqual([action, 400]);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const after = await h.view(key);
    expect(after.tasks).toEqual(before.tasks);
    expect(after.history).toEqual(before.history);
  });
});

describe('versions, deadlines, attachments', () => {
  it('a running process keeps the definition version it started with', async () => {
    const v1 = await h.saveFlow([step('only')]);
    const { key } = await h.start();
    const v2 = await h.saveFlow([step('first'), jcStep('city')]);
    expect(v2.version).toBe(v1.version + 1);
    await h.approve('zz-approval-reviewer', key);
    const done = await h.waitForStatus(key, 'approved');
    expect(done.definition).toMatchObject({ id: v1.id, version: v1.version });
    const next = await h.start();
    expect((await h.view(next.key)).steps).toHaveLength(2);
    const list = (
      await t.call('GET', '/api/flow-definitions?kind=seal_application&all=true', { as: 'zz-amr-clerk' })
    ).body.items;
    expect(list.find((d: { id: string }) => d.id === v1.id).status).toBe('superseded');
  });

  it('each task is due at 24:00 of the N-th working day from the calendar, as the public endpoint says', async () => {
    await h.saveFlow([step('first', { due: { workingDays: 3 } })]);
    const { key } = await h.start();
    const v = await h.view(key);
    const task = v.tasks[0];
    const expected = (
      await t.call('GET', `/api/calendar/deadline?from=${encodeURIComponent(task.openedAt)}&workingDays=3`)
    ).body;
    expect(task.dueAt).toBe(expected.dueAt);
    expect(v.stepDue).toMatchObject({
      dueAt: expected.dueAt,
      provisional: expected.provisional,
      overdue: false,
    });
    const row = await t.em().findOneOrFail(Task, { id: task.id });
    expect(row.dueAt?.toISOString()).toBe(expected.dueAt);
  });

  it('comments and attachments go with an action into the timeline; the attachment is readable by participants', async () => {
    await h.saveFlow([step('first'), jcStep('city')]);
    const { key } = await h.start();
    const form = new FormData();
    form.append(
      'file',
      new Blob([Buffer.from('核验意见：印模与证书一致')], { type: 'text/plain' }),
      '核验意见.txt',
    );
    const upload = await fetch(`${t.url}/api/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.token('zz-approval-reviewer')}` },
      body: form,
    });
    expect(upload.status).toBe(201);
    const attachment = (await upload.json()) as { id: string; fileName: string };
    expect(attachment.fileName).toBe('核验意见.txt');
    const res = await h.approve('zz-approval-reviewer', key, '同意，见附件');
    void res;
    const taskId = await h.openTaskOf(key, 'jc-approval-reviewer');
    const withFile = await h.act('jc-approval-reviewer', taskId, 'approve', { comment: '同意' });
    expect(withFile.status).toBe(200);
    // The city reviewer attaches nothing of the county's; the county's own upload goes with a CC action.
    const cc = await t.call('POST', `/api/approvals/${key}/cc`, {
      as: 'zz-amr-clerk',
      body: { users: ['zz-amr-deputy'] },
    });
    expect(cc.status).toBe(409); // the process is over
    const second = await h.start();
    const first = await h.openTaskOf(second.key, 'zz-approval-reviewer');
    const acted = await h.act('zz-approval-reviewer', first, 'approve', {
      comment: '同意，见附件',
      attachments: [attachment.id],
    });
    expect(acted.status).toBe(200);
    expect(acted.body.history.at(-3)).toMatchObject({
      action: 'approved',
      comment: '同意，见附件',
      attachments: [{ id: attachment.id, fileName: '核验意见.txt' }],
    });
    const read = await t.call('GET', `/api/attachments/${attachment.id}`, { as: 'zz-amr-clerk' });
    expect(read.status).toBe(200);
    expect(read.body).toBe('核验意见：印模与证书一致');
    expect((await t.call('GET', `/api/attachments/${attachment.id}`, { as: 'gp-amr-clerk' })).status).toBe(
      403,
    );
  });
});

describe('inboxes and the management unit’s view', () => {
  let key: string;
  beforeAll(async () => {
    await h.saveFlow([step('first', { due: { workingDays: 2 } }), jcStep('city')]);
    key = (await h.start()).key;
  });

  it('待办 lists the task with its due time, filtered by kind, unit, overdue and due date', async () => {
    const get = async (q: string) =>
      (await t.call('GET', `/api/tasks?box=pending${q}`, { as: 'zz-approval-reviewer' })).body
        .items as Array<{
        processKey: string;
        dueAt: string;
        overdue: boolean;
      }>;
    const item = (await get('')).find((x) => x.processKey === key)!;
    expect(item).toMatchObject({
      kindLabel: '电子印章申请',
      organisationName: '泽州县市场监督管理局',
      overdue: false,
    });
    expect(item.dueAt).toBeTruthy();
    expect((await get('&kind=seal_application')).some((x) => x.processKey === key)).toBe(true);
    expect((await get('&kind=seal_use')).some((x) => x.processKey === key)).toBe(false);
    expect((await get('&unit=zz-amr')).some((x) => x.processKey === key)).toBe(true);
    expect((await get('&unit=gp-amr')).some((x) => x.processKey === key)).toBe(false);
    expect((await get('&overdue=true')).some((x) => x.processKey === key)).toBe(false);
    expect((await get('&overdue=false')).some((x) => x.processKey === key)).toBe(true);
    const later = new Date(Date.parse(item.dueAt) + 1000).toISOString();
    const earlier = new Date(Date.parse(item.dueAt) - 1000).toISOString();
    expect((await get(`&dueBefore=${encodeURIComponent(later)}`)).some((x) => x.processKey === key)).toBe(
      true,
    );
    expect((await get(`&dueBefore=${encodeURIComponent(earlier)}`)).some((x) => x.processKey === key)).toBe(
      false,
    );
    const bad = await t.call('GET', '/api/tasks?box=later&overdue=maybe', { as: 'zz-approval-reviewer' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['box', 'overdue']);
  });

  it('我发起的 lists the initiator’s processes; 已办 the approver’s decisions', async () => {
    const started = (await t.call('GET', '/api/tasks?box=started', { as: 'zz-amr-clerk' })).body.items;
    expect(started.some((x: { processKey: string }) => x.processKey === key)).toBe(true);
    expect((await t.call('GET', '/api/tasks?box=started', { as: 'zz-amr-deputy' })).body.items).toEqual([]);
  });

  it('a management unit sees every pending task in its jurisdiction, least time left first; others get 403', async () => {
    const city = (await t.call('GET', '/api/supervision/pending-tasks', { as: 'jc-admin' })).body
      .items as Array<{
      processKey: string;
      timeLeftMs: number | null;
    }>;
    expect(city.some((x) => x.processKey === key)).toBe(true);
    const left = city.map((x) => x.timeLeftMs ?? Number.MAX_SAFE_INTEGER);
    expect(left).toEqual([...left].sort((a, b) => a - b));
    const county = (await t.call('GET', '/api/supervision/pending-tasks', { as: 'zz-approval-supervisor' }))
      .body.items;
    expect(county.some((x: { processKey: string }) => x.processKey === key)).toBe(true);
    expect(
      (await t.call('GET', '/api/supervision/pending-tasks', { as: 'zz-approval-reviewer' })).status,
    ).toBe(403);
    expect((await t.call('GET', '/api/supervision/pending-tasks', { as: 'zz-amr-clerk' })).status).toBe(403);
  });

  it('sets typed search attributes that Temporal visibility can query', async () => {
    const query = `ProcessKind = 'seal_application' AND ProcessOrganisation = 'zz-amr' AND ProcessStatus = 'running' AND CurrentAssignees = 'group:zz-approval:seal_reviewer'`;
    let found: string[] = [];
    for (let i = 0; i < 50 && !found.includes(key); i++) {
      found = [];
      for await (const w of t.platform.temporal.workflow.list({ query })) found.push(w.workflowId);
      if (!found.includes(key)) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toContain(key);
    const process = await t.em().findOneOrFail(ApprovalProcess, { id: key });
    const described = await t.platform.temporal.workflow.getHandle(key).describe();
    expect(described.typedSearchAttributes.getAll().map((p) => p.key.name)).toEqual(
      expect.arrayContaining(['ProcessKind', 'ProcessStep', 'StepDueAt', 'CurrentAssignees']),
    );
    expect(process.stepDueAt).not.toBeNull();
  });
});

describe('which definition a process follows', () => {
  it('an organisation’s own, else its jurisdiction level’s default, else the platform default', async () => {
    // Saved, then published: a saved draft changes nothing (issue 9).
    const saved = await saveAndPublishFlow(t, {
      kind: 'seal_application',
      name: '县级单位印章申请（一级审核）',
      jurisdictionLevel: 'county',
      steps: [
        {
          key: 'county',
          name: '县级印章管理部门审核',
          approvers: [
            {
              type: 'management_unit',
              function: 'seal_management_department',
              role: 'seal_reviewer',
              levelsUp: 0,
            },
          ],
          mode: 'single',
        },
      ],
    });
    expect(saved.status).toBe('active');
    const stepsOf = async (clerk: string) => {
      const { key } = await h.start(clerk);
      return (await h.view(key, clerk)).steps.map((s: { name: string }) => s.name);
    };
    // 高平市 (county level, no flow of its own): the county default.
    expect(await stepsOf('gp-amr-clerk')).toEqual(['县级印章管理部门审核']);
    // 晋城市 (city level): the platform default, whose first level is the city's own department.
    expect(await stepsOf('jc-amr-clerk')).toEqual([
      '本级印章管理部门审核',
      '上一级印章管理部门审核',
      '省级印章管理部门审核',
    ]);
    // 泽州县 has its own flow: that one.
    await h.saveFlow([step('own', { name: '泽州县自定流程' })]);
    expect(await stepsOf('zz-amr-clerk')).toEqual(['泽州县自定流程']);
  });
});
