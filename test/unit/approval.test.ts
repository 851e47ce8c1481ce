/**
 * The approval engine's rules (domain/approval.ts) without Temporal: step modes, every action, returns to and from
 * countersign steps, deadlines and breach actions, and the problems that make the API answer 403/409/400/429.
 */
import {
  ActionName,
  actionProblem,
  ActionRequest,
  Actor,
  applyAction,
  ApprovalInput,
  ApprovalState,
  Assignee,
  breach,
  escalate,
  openStep,
  openTasks,
  outcomeOf,
  pendingDeadline,
  requiredApprovals,
  startApproval,
  UserRef,
} from '../../domain/approval';
import { FlowStep, FlowStepInput, FlowStep as FlowStepSchema } from '../../domain/flow-definition-schema';

const AT = '2026-03-02T01:00:00.000Z';
const later = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000).toISOString();

const user = (id: string, organisationId = 'dept', roles: string[] = ['seal_reviewer']): UserRef => ({
  userId: id,
  displayName: id.toUpperCase(),
  organisationId,
  organisationName: `${organisationId} 名称`,
  email: `${id}@example.test`,
  roles,
});
const actor = (id: string, organisationId = 'dept', roles: string[] = ['seal_reviewer']): Actor => ({
  userId: id,
  displayName: id.toUpperCase(),
  organisationId,
  organisationName: `${organisationId} 名称`,
  roles,
});
const asUser = (id: string, organisationId = 'dept'): Assignee => ({
  kind: 'user',
  ...user(id, organisationId),
});
const group: Assignee = {
  kind: 'group',
  organisationId: 'dept',
  organisationName: 'dept 名称',
  role: 'seal_reviewer',
};

const flowStep = (key: string, s: Partial<FlowStepInput> = {}): FlowStep =>
  FlowStepSchema.parse({
    key,
    name: `步骤 ${key}`,
    approvers: [{ type: 'role', role: 'seal_reviewer' }],
    mode: 'single',
    ...s,
  });

function input(steps: FlowStep[], extra: Partial<ApprovalInput> = {}): ApprovalInput {
  return {
    processKey: 'p1',
    kind: 'seal_application',
    processId: 'a1',
    title: '测试',
    detailPath: '/x',
    initiator: user('init', 'applicant-org'),
    jurisdictionId: '140525',
    flow: { definitionId: 'd1', version: 1, name: 'flow', kind: 'seal_application', steps },
    choices: {},
    cc: [],
    comment: null,
    attachments: [],
    approverAuthority: null,
    parentNotifiesOutcome: false,
    ...extra,
  };
}

/** Starts a process and opens its first step with the given assignees. */
function started(
  steps: FlowStep[],
  assignees: Assignee[],
  extra: Partial<ApprovalInput> = {},
): ApprovalState {
  return openStep(startApproval(input(steps, extra), AT), { assignees, skippable: false }, null, AT);
}

/** A request as the API sends it: the body with usernames, the people it names resolved. */
const request = (taskId: string | null, by: Actor, body: object, people: UserRef[]): ActionRequest => ({
  taskId,
  actor: by,
  body,
  people: Object.fromEntries(people.map((p) => [p.userId, p])),
  attachments: [],
});
const onTask = (taskId: string, by: Actor, body: object = {}, people: UserRef[] = []) =>
  request(taskId, by, body, people);
const onProcess = (by: Actor, body: object = {}, people: UserRef[] = []) => request(null, by, body, people);
const act = (s: ApprovalState, name: ActionName, r: ActionRequest, at = AT) => applyAction(s, name, r, at);
const approve = (s: ApprovalState, taskId: string, by: Actor) => act(s, 'approve', onTask(taskId, by, {}));
const pendingIds = (s: ApprovalState) => s.tasks.filter((t) => t.status === 'pending').map((t) => t.id);

describe('step modes', () => {
  it('single: one approval passes the step and the next step starts', () => {
    let s = started([flowStep('a'), flowStep('b')], [group]);
    expect(s.tasks).toHaveLength(1);
    s = approve(s, 'p1-t1', actor('u1'));
    expect(s).toMatchObject({ phase: 'starting_step', stepIndex: 1, status: 'running' });
    s = openStep(s, { assignees: [group], skippable: false }, null, AT);
    s = approve(s, 'p1-t2', actor('u2'));
    expect(s).toMatchObject({ status: 'approved', phase: 'done' });
    expect(outcomeOf(s).finalApprovers).toEqual([
      { userId: 'u2', displayName: 'U2', organisationName: 'dept 名称' },
    ]);
  });

  it('countersign all: passes only after every member approved', () => {
    let s = started(
      [flowStep('a', { mode: 'all' })],
      ['m1', 'm2', 'm3'].map((u) => asUser(u)),
    );
    s = approve(s, 'p1-t1', actor('m1'));
    s = approve(s, 'p1-t2', actor('m2'));
    expect(s.status).toBe('running');
    s = approve(s, 'p1-t3', actor('m3'));
    expect(s.status).toBe('approved');
  });

  it('countersign all: a single rejection rejects and cancels the rest', () => {
    let s = started(
      [flowStep('a', { mode: 'all' })],
      ['m1', 'm2', 'm3'].map((u) => asUser(u)),
    );
    s = act(s, 'reject', onTask('p1-t2', actor('m2'), { reason: '不同意' }));
    expect(s).toMatchObject({ status: 'rejected', outcomeReason: '不同意' });
    expect(s.tasks.map((t) => t.status)).toEqual(['cancelled', 'rejected', 'cancelled']);
  });

  it.each([
    [1, 3, 3],
    [0.5, 4, 2],
    [0.5, 3, 2],
    [0.6, 5, 3],
    [2 / 3, 3, 2],
    [0.01, 3, 1],
  ])('countersign by ratio %f of %i members needs %i approvals', (ratio, members, needed) => {
    expect(requiredApprovals('all', members, ratio)).toBe(needed);
  });

  it('countersign by ratio: rejects once the ratio cannot be reached any more', () => {
    let s = started(
      [flowStep('a', { mode: 'all', passRatio: 0.5 })],
      ['m1', 'm2', 'm3', 'm4'].map((u) => asUser(u)),
    );
    s = act(s, 'reject', onTask('p1-t1', actor('m1'), { reason: '不同意' }));
    s = act(s, 'reject', onTask('p1-t2', actor('m2'), { reason: '不同意' }));
    expect(s.status).toBe('running'); // 2 of 4 still possible
    s = act(s, 'reject', onTask('p1-t3', actor('m3'), { reason: '不同意' }));
    expect(s.status).toBe('rejected');
  });

  it('any-one: the first decision decides the step, and the other tasks are cancelled', () => {
    let s = started(
      [flowStep('a', { mode: 'any' }), flowStep('b')],
      ['m1', 'm2'].map((u) => asUser(u)),
    );
    s = approve(s, 'p1-t2', actor('m2'));
    expect(s.stepIndex).toBe(1);
    expect(s.tasks[0]!.status).toBe('cancelled');
    // The loser of a race is refused as "not pending" (409).
    expect(actionProblem(s, 'approve', onTask('p1-t1', actor('m1'), {}), AT)).toMatchObject({
      kind: 'conflict',
    });
  });

  it('a step whose rules find no unit is skipped; one that finds no one else ends the process', () => {
    const s0 = startApproval(input([flowStep('a'), flowStep('b')]), AT);
    const skipped = openStep(s0, { assignees: [], skippable: true }, null, AT);
    expect(skipped).toMatchObject({ stepIndex: 1, phase: 'starting_step' });
    const stuck = openStep(s0, { assignees: [], skippable: false }, null, AT);
    expect(stuck.status).toBe('rejected');
    expect(stuck.outcomeReason).toContain('找不到审批人');
  });
});

describe('actions on a task', () => {
  it('transfer: a new holder takes over for good; the old task is closed as transferred', () => {
    let s = started([flowStep('a')], [group]);
    s = act(s, 'transfer', onTask('p1-t1', actor('u1'), { to: 'u2' }, [user('u2')]));
    expect(s.tasks.map((t) => [t.id, t.status, t.origin])).toEqual([
      ['p1-t1', 'transferred', 'step'],
      ['p1-t2', 'pending', 'transfer'],
    ]);
    expect(actionProblem(s, 'approve', onTask('p1-t1', actor('u1'), {}), AT)?.kind).toBe('conflict');
    s = approve(s, 'p1-t2', actor('u2'));
    expect(s.status).toBe('approved');
  });

  it('transfer, delegate and add-signer targets must belong to the approving unit (403 otherwise)', () => {
    const s = started([flowStep('a')], [group]);
    for (const [name, body] of [
      ['transfer', { to: 'x' }],
      ['delegate', { to: 'x' }],
      ['add-signer', { signer: 'x', position: 'before' }],
    ] as const) {
      expect(actionProblem(s, name, onTask('p1-t1', actor('u1'), body, [user('x', 'other')]), AT)?.kind).toBe(
        'forbidden',
      );
    }
  });

  it('delegate: the delegate can only hand back; the delegator then decides', () => {
    let s = started([flowStep('a')], [asUser('boss')]);
    s = act(s, 'delegate', onTask('p1-t1', actor('boss'), { to: 'aide' }, [user('aide')]));
    expect(s.tasks[0]!.status).toBe('delegated');
    expect(actionProblem(s, 'reject', onTask('p1-t2', actor('aide'), { reason: '不同意' }), AT)?.kind).toBe(
      'invalid',
    );
    s = act(s, 'approve', onTask('p1-t2', actor('aide'), { comment: '已核' }));
    expect(s.status).toBe('running');
    expect(s.tasks[0]!.status).toBe('pending');
    s = approve(s, 'p1-t1', actor('boss'));
    expect(s.status).toBe('approved');
  });

  it('add signer before: the holder waits until the signer approved', () => {
    let s = started([flowStep('a')], [asUser('u1')]);
    s = act(
      s,
      'add-signer',
      onTask('p1-t1', actor('u1'), { signer: 'u2', position: 'before' }, [user('u2')]),
    );
    expect(pendingIds(s)).toEqual(['p1-t2']);
    expect(actionProblem(s, 'approve', onTask('p1-t1', actor('u1'), {}), AT)?.kind).toBe('conflict');
    s = approve(s, 'p1-t2', actor('u2'));
    expect(pendingIds(s)).toEqual(['p1-t1']);
    s = approve(s, 'p1-t1', actor('u1'));
    expect(s.status).toBe('approved');
  });

  it('add signer before: the signer’s rejection is the holder’s rejection', () => {
    let s = started([flowStep('a')], [asUser('u1')]);
    s = act(
      s,
      'add-signer',
      onTask('p1-t1', actor('u1'), { signer: 'u2', position: 'before' }, [user('u2')]),
    );
    s = act(s, 'reject', onTask('p1-t2', actor('u2'), { reason: '不符合规定' }));
    expect(s).toMatchObject({ status: 'rejected', outcomeReason: '不符合规定' });
  });

  it('add signer after: opens when the holder approves, and the step waits for it', () => {
    let s = started([flowStep('a')], [asUser('u1')]);
    s = act(s, 'add-signer', onTask('p1-t1', actor('u1'), { signer: 'u2', position: 'after' }, [user('u2')]));
    expect(s.tasks[1]!.status).toBe('waiting');
    s = approve(s, 'p1-t1', actor('u1'));
    expect(s.status).toBe('running');
    expect(pendingIds(s)).toEqual(['p1-t2']);
    s = approve(s, 'p1-t2', actor('u2'));
    expect(s.status).toBe('approved');
  });

  it('remove signer: only an added signer who has not acted; the holder may decide again', () => {
    let s = started([flowStep('a')], [asUser('u1')]);
    s = act(
      s,
      'add-signer',
      onTask('p1-t1', actor('u1'), { signer: 'u2', position: 'before' }, [user('u2')]),
    );
    expect(
      actionProblem(s, 'remove-signer', onTask('p1-t1', actor('u1'), { signerTaskId: 'p1-t1' }), AT)?.kind,
    ).toBe('invalid');
    s = act(s, 'remove-signer', onTask('p1-t1', actor('u1'), { signerTaskId: 'p1-t2' }));
    expect(s.tasks.map((t) => t.status)).toEqual(['pending', 'removed']);
  });

  it('approver authority: an approval without the required role is refused (SM-12)', () => {
    const s = started([flowStep('a')], [group], {
      approverAuthority: { roles: ['unit_leader'], reason: '只有单位负责人可以批准' },
    });
    expect(actionProblem(s, 'approve', onTask('p1-t1', actor('u1'), {}), AT)).toEqual({
      kind: 'forbidden',
      message: '只有单位负责人可以批准',
    });
    const leader = actor('u9', 'dept', ['seal_reviewer', 'unit_leader']);
    expect(actionProblem(s, 'approve', onTask('p1-t1', leader, {}), AT)).toBeUndefined();
  });

  it('someone who does not hold the task is refused (403) before anything else is checked', () => {
    const s = started([flowStep('a')], [group]);
    expect(actionProblem(s, 'approve', onTask('p1-t1', actor('x', 'elsewhere'), {}), AT)?.kind).toBe(
      'forbidden',
    );
    expect(actionProblem(s, 'approve', onTask('p1-t1', actor('x', 'dept', []), {}), AT)?.kind).toBe(
      'forbidden',
    );
  });
});

describe('return (退回)', () => {
  const three = [flowStep('a'), flowStep('b', { mode: 'all' }), flowStep('c')];
  const panel = ['m1', 'm2', 'm3'].map((u) => asUser(u));

  it('from a countersign step to the first step: the panel’s tasks close; the panel starts fresh later', () => {
    let s = started(three, [group]);
    s = approve(s, 'p1-t1', actor('u1'));
    s = openStep(s, { assignees: panel, skippable: false }, null, AT);
    s = approve(s, 'p1-t2', actor('m1'));
    s = act(s, 'return', onTask('p1-t3', actor('m2'), { toStep: 'a' }));
    expect(s).toMatchObject({ phase: 'starting_step', stepIndex: 0 });
    expect(s.tasks.slice(1).map((t) => t.status)).toEqual(['approved', 'returned', 'cancelled']);
    s = openStep(s, { assignees: [group], skippable: false }, null, AT);
    s = approve(s, 'p1-t5', actor('u1'));
    s = openStep(s, { assignees: panel, skippable: false }, null, AT);
    // m1's earlier approval does not count in the new round.
    s = approve(s, 'p1-t6', actor('m1'));
    s = approve(s, 'p1-t7', actor('m2'));
    expect(s.stepIndex).toBe(1);
    s = approve(s, 'p1-t8', actor('m3'));
    expect(s.stepIndex).toBe(2);
  });

  it('to a countersign step: all members get fresh tasks in a new round', () => {
    let s = started(three, [group]);
    s = approve(s, 'p1-t1', actor('u1'));
    s = openStep(s, { assignees: panel, skippable: false }, null, AT);
    for (const [i, m] of ['m1', 'm2', 'm3'].entries()) s = approve(s, `p1-t${i + 2}`, actor(m));
    s = openStep(s, { assignees: [group], skippable: false }, null, AT);
    const roundBefore = s.round;
    s = act(s, 'return', onTask('p1-t5', actor('u1'), { toStep: 'b' }));
    s = openStep(s, { assignees: panel, skippable: false }, null, AT);
    expect(s.round).toBe(roundBefore + 1);
    expect(pendingIds(s)).toEqual(['p1-t6', 'p1-t7', 'p1-t8']);
  });

  it('only to an earlier step, and only by a step holder', () => {
    const s = started(three, [group]);
    // The first step itself, a later one, and a key the flow does not have.
    for (const to of ['a', 'b', 'zz']) {
      expect(actionProblem(s, 'return', onTask('p1-t1', actor('u1'), { toStep: to }), AT)?.kind).toBe(
        'invalid',
      );
    }
  });
});

describe('withdraw, urge, CC', () => {
  it('withdraw: only the initiator, only while running', () => {
    let s = started([flowStep('a')], [group]);
    expect(actionProblem(s, 'withdraw', onProcess(actor('u1'), {}), AT)?.kind).toBe('forbidden');
    s = act(s, 'withdraw', onProcess(actor('init', 'applicant-org'), { comment: '不再需要' }));
    expect(s).toMatchObject({ status: 'withdrawn', outcomeReason: '不再需要' });
    expect(openTasks(s)).toEqual([]);
    expect(actionProblem(s, 'withdraw', onProcess(actor('init', 'applicant-org'), {}), AT)?.kind).toBe(
      'conflict',
    );
  });

  it('urge: once per hour per task; the error says when the next urge is possible', () => {
    let s = started([flowStep('a')], [group]);
    const urge = onProcess(actor('init', 'applicant-org'), {});
    s = act(s, 'urge', urge, AT);
    expect(s.outbox.at(-1)).toMatchObject({ type: 'urge', taskIds: ['p1-t1'] });
    const limited = actionProblem(s, 'urge', urge, later(59));
    expect(limited).toMatchObject({ kind: 'rate_limited' });
    expect(limited!.message).toContain(later(60));
    expect(actionProblem(s, 'urge', urge, later(60))).toBeUndefined();
  });

  it('CC: adds users once, notifies only the new ones', () => {
    let s = startApproval(input([flowStep('a')], { cc: [user('c1', 'x')] }), AT);
    s = openStep(s, { assignees: [group], skippable: false }, null, AT);
    s = act(s, 'cc', onProcess(actor('u1'), { users: ['c1', 'c2'] }, [user('c1', 'x'), user('c2', 'x')]));
    expect(s.cc.map((c) => c.user.userId)).toEqual(['c1', 'c2']);
    expect(s.outbox.filter((n) => n.type === 'cc').map((n) => n.users.map((u) => u.userId))).toEqual([
      ['c1'],
      ['c2'],
    ]);
  });
});

describe('deadlines and breaches', () => {
  const due = { dueAt: '2026-03-03T16:00:00.000Z', provisional: false };
  const open = (onBreach: FlowStepInput['onBreach']) =>
    openStep(
      startApproval(input([flowStep('a', { onBreach, due: { workingDays: 1 } })]), AT),
      {
        assignees: [group],
        skippable: false,
      },
      due,
      AT,
    );

  it('tasks carry the step deadline; the timer waits for it until a breach is recorded once', () => {
    let s = open('notify_supervisor');
    expect(s.tasks[0]).toMatchObject({ dueAt: due.dueAt, dueProvisional: false });
    expect(pendingDeadline(s)).toEqual(due);
    s = breach(s, '2026-03-03T16:00:01.000Z');
    expect(s.breaches).toEqual([
      expect.objectContaining({ stepIndex: 0, round: 1, action: 'notify_supervisor', taskIds: ['p1-t1'] }),
    ]);
    expect(s.outbox.at(-1)).toMatchObject({ type: 'breach' });
    expect(pendingDeadline(s)).toBeNull();
    expect(s.status).toBe('running');
  });

  it('auto-approve and auto-reject decide for the open tasks', () => {
    expect(breach(open('auto_approve'), later(2000)).status).toBe('approved');
    const rejected = breach(open('auto_reject'), later(2000));
    expect(rejected.status).toBe('rejected');
    expect(rejected.outcomeReason).toContain('超过办理时限');
  });

  it('escalate moves each open task to the unit above', () => {
    let s = breach(open('escalate'), later(2000));
    const above: Assignee = {
      kind: 'group',
      organisationId: 'city',
      organisationName: '市级',
      role: 'seal_reviewer',
    };
    s = escalate(s, above, later(2001));
    expect(s.tasks.map((t) => [t.status, t.origin, t.assignee.organisationId])).toEqual([
      ['transferred', 'step', 'dept'],
      ['pending', 'escalation', 'city'],
    ]);
  });

  it('state stays plain JSON (survives serialisation unchanged)', () => {
    const s = breach(open('escalate'), later(2000));
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
