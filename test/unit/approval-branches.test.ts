/**
 * Issue 10 build item 1, the engine without Temporal: conditional branches on the process's variables (each branch
 * and the default), parallel nodes with all- and any-joins, the no-approver rule, per-step actions, required
 * reasons and signatures, and the flow schema's checks of branch structure.
 */
import {
  actionProblem,
  ActionRequest,
  Actor,
  applyAction,
  ApprovalInput,
  ApprovalState,
  Assignee,
  openStep,
  startApproval,
  TASK_ACTION_NAMES,
  taskActionsOffered,
  UserRef,
} from '../../domain/approval';
import { flowPath } from '../../domain/flow-branches';
import { FlowNode, FlowNodeInput, ProcessVariables, TASK_ACTIONS } from '../../domain/flow-definition';
import { FlowDefinitionBody } from '../../domain/flow-definition-schema';
import { noApproverOutcome } from '../../domain/no-approver';

const AT = '2026-03-02T01:00:00.000Z';

const user = (id: string, roles: string[] = ['seal_reviewer']): UserRef => ({
  userId: id,
  displayName: id.toUpperCase(),
  organisationId: 'dept',
  organisationName: 'dept 名称',
  email: `${id}@example.test`,
  roles,
});
const actor = (id: string, roles: string[] = ['seal_reviewer']): Actor => ({
  userId: id,
  displayName: id.toUpperCase(),
  organisationId: 'dept',
  organisationName: 'dept 名称',
  roles,
});
const as = (id: string): Assignee => ({ kind: 'user', ...user(id) });

const step = (key: string, extra: object = {}) => ({
  key,
  name: `步骤 ${key}`,
  approvers: [{ type: 'role', role: 'seal_reviewer' }],
  mode: 'single',
  ...extra,
});
const branch = (key: string, mode = 'single') => ({
  key,
  name: `分支 ${key}`,
  approvers: [{ type: 'role', role: 'seal_reviewer' }],
  mode,
});

/** Parses a flow body as the API does and answers its nodes (throws on a schema problem). */
function nodes(
  steps: FlowNodeInput[] | object[],
  kind: 'seal_application' | 'seal_use' = 'seal_application',
) {
  return FlowDefinitionBody.parse({ kind, name: '测试流程', steps }).steps;
}

function input(
  steps: FlowNode[],
  variables: ProcessVariables,
  extra: Partial<ApprovalInput> = {},
): ApprovalInput {
  return {
    processKey: 'p1',
    kind: 'seal_application',
    processId: 'a1',
    title: '测试',
    detailPath: '/x',
    initiator: user('init'),
    jurisdictionId: '140525',
    flow: { definitionId: 'd1', version: 1, name: 'flow', kind: 'seal_application', steps },
    choices: {},
    cc: [],
    comment: null,
    attachments: [],
    approverAuthority: null,
    parentNotifiesOutcome: false,
    variables,
    ...extra,
  };
}

const onTask = (
  taskId: string,
  by: Actor,
  body: object = {},
  extra: Partial<ActionRequest> = {},
): ActionRequest => ({
  taskId,
  actor: by,
  body,
  people: {},
  attachments: [],
  ...extra,
});
const approve = (s: ApprovalState, taskId: string, by: Actor, body: object = {}) =>
  applyAction(s, 'approve', onTask(taskId, by, body), AT);
const reject = (s: ApprovalState, taskId: string, by: Actor) =>
  applyAction(s, 'reject', onTask(taskId, by, { reason: '材料不全' }), AT);
const open = (s: ApprovalState, assignees: Assignee[]) =>
  openStep(s, { assignees, skippable: false }, null, AT);
const byStatus = (s: ApprovalState) => Object.fromEntries(s.tasks.map((t) => [t.id, t.status]));

// ---------------------------------------------------------------------------------------------------------------

describe('issue 10: conditional branches take the branch matching the process variables', () => {
  const flow = nodes([
    step('first'),
    {
      type: 'condition',
      key: 'by-kind',
      name: '按印章类型',
      branches: [
        {
          name: '法定名称章',
          when: { variable: 'sealKind', op: 'eq', value: 'legal_name' },
          steps: [step('legal')],
        },
        {
          name: '业务专用章或分支机构章',
          when: { variable: 'sealKind', op: 'in', value: ['business', 'branch'] },
          steps: [step('business'), step('business-2')],
        },
      ],
      otherwise: [step('other')],
    },
    step('last'),
  ]);

  it.each([
    ['legal_name', '法定名称章', ['first', 'legal', 'last']],
    ['business', '业务专用章或分支机构章', ['first', 'business', 'business-2', 'last']],
    ['branch', '业务专用章或分支机构章', ['first', 'business', 'business-2', 'last']],
    ['personal_name', '默认分支', ['first', 'other', 'last']],
  ])('sealKind %s goes down %s', (sealKind, branchName, keys) => {
    let s = startApproval(input(flow, { sealKind, applicantLevel: 'county' }), AT);
    expect(s.flow.steps.map((x) => x.key)).toEqual(keys);
    // The process walks the path: each step in turn, and the gateway is recorded when reached.
    for (const [i, key] of keys.entries()) {
      expect(s).toMatchObject({ phase: 'starting_step', stepIndex: i });
      expect(s.flow.steps[s.stepIndex]!.key).toBe(key);
      s = open(s, [as(`u${i}`)]);
      if (i === 0) expect(s.history.some((e) => e.action === 'branch_taken')).toBe(false);
      s = approve(s, s.tasks.at(-1)!.id, actor(`u${i}`));
    }
    expect(s.status).toBe('approved');
    const taken = s.history.filter((e) => e.action === 'branch_taken');
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({ targets: [branchName], comment: `按印章类型：进入“${branchName}”` });
    // Recorded after the first step passed, before the branch's first step started.
    const seqOf = (a: string) => s.history.findIndex((e) => e.action === a);
    expect(seqOf('branch_taken')).toBeGreaterThan(seqOf('step_passed'));
  });

  it('numeric variables compare with gt/lte; a missing variable takes the default branch', () => {
    const useFlow = nodes(
      [
        {
          type: 'condition',
          key: 'by-count',
          name: '按文件份数',
          branches: [
            {
              name: '大批量',
              when: { variable: 'documentCount', op: 'gt', value: 10 },
              steps: [step('big')],
            },
            {
              name: '小批量',
              when: { variable: 'documentCount', op: 'lte', value: 10 },
              steps: [step('small')],
            },
          ],
          otherwise: [step('unknown')],
        },
      ],
      'seal_use',
    );
    expect(flowPath(useFlow, { documentCount: 11 }).steps.map((x) => x.key)).toEqual(['big']);
    expect(flowPath(useFlow, { documentCount: 10 }).steps.map((x) => x.key)).toEqual(['small']);
    expect(flowPath(useFlow, {}).steps.map((x) => x.key)).toEqual(['unknown']);
  });

  it('a gateway first in the flow records its branch at submission', () => {
    const flow2 = nodes([
      {
        type: 'condition',
        key: 'g',
        name: '按层级',
        branches: [
          {
            name: '县级',
            when: { variable: 'applicantLevel', op: 'eq', value: 'county' },
            steps: [step('c')],
          },
        ],
        otherwise: [],
      },
      step('z'),
    ]);
    const county = startApproval(input(flow2, { applicantLevel: 'county' }), AT);
    expect(county.history.map((e) => e.action)).toEqual(['submitted', 'branch_taken']);
    expect(county.flow.steps.map((x) => x.key)).toEqual(['c', 'z']);
    const city = startApproval(input(flow2, { applicantLevel: 'city' }), AT);
    expect(city.flow.steps.map((x) => x.key)).toEqual(['z']);
    expect(city.history[1]).toMatchObject({ action: 'branch_taken', targets: ['默认分支'] });
  });
});

describe('issue 10: parallel nodes', () => {
  const parallel = (join: 'all' | 'any', modeB = 'single') =>
    nodes([
      {
        type: 'parallel',
        key: 'par',
        name: '并行会审',
        join,
        branches: [branch('legal'), branch('finance', modeB)],
      },
      step('after'),
    ]);
  const branches = (a: Assignee[], b: Assignee[]) => ({
    assignees: [...a, ...b],
    skippable: false,
    branches: [
      { key: 'legal', assignees: a, skippable: false },
      { key: 'finance', assignees: b, skippable: false },
    ],
  });
  const started = (join: 'all' | 'any', b: Assignee[] = [as('f1')], modeB = 'single') =>
    openStep(startApproval(input(parallel(join, modeB), {}), AT), branches([as('l1')], b), null, AT);

  it('opens every branch at once, each task carrying its branch', () => {
    const s = started('all');
    expect(s.tasks.map((t) => [t.id, t.branchKey, t.status])).toEqual([
      ['p1-t1', 'legal', 'pending'],
      ['p1-t2', 'finance', 'pending'],
    ]);
  });

  it('all-join waits for both branches, then passes to the next step', () => {
    let s = started('all');
    s = approve(s, 'p1-t1', actor('l1'));
    expect(s).toMatchObject({ status: 'running', phase: 'waiting', stepIndex: 0 });
    expect(byStatus(s)).toEqual({ 'p1-t1': 'approved', 'p1-t2': 'pending' });
    s = approve(s, 'p1-t2', actor('f1'));
    expect(s).toMatchObject({ phase: 'starting_step', stepIndex: 1 });
    expect(s.history.at(-1)).toMatchObject({ action: 'step_passed', comment: '各分支均已通过' });
  });

  it('all-join: a rejection in one branch rejects the process', () => {
    let s = started('all');
    s = approve(s, 'p1-t1', actor('l1'));
    s = reject(s, 'p1-t2', actor('f1'));
    expect(s).toMatchObject({
      status: 'rejected',
      outcomeReason: '步骤“并行会审”的分支“分支 finance”未通过：材料不全',
    });
  });

  it('all-join: an any-one branch is closed by its first approval while the other branch still waits', () => {
    let s = started('all', [as('f1'), as('f2')], 'any');
    s = approve(s, 'p1-t2', actor('f1'));
    expect(byStatus(s)).toEqual({ 'p1-t1': 'pending', 'p1-t2': 'approved', 'p1-t3': 'cancelled' });
    expect(s.phase).toBe('waiting');
  });

  it('any-join: the first branch to approve decides and the other branches are cancelled', () => {
    let s = started('any');
    s = approve(s, 'p1-t2', actor('f1'));
    expect(s).toMatchObject({ phase: 'starting_step', stepIndex: 1 });
    expect(byStatus(s)).toEqual({ 'p1-t1': 'cancelled', 'p1-t2': 'approved' });
    expect(s.history.at(-1)).toMatchObject({
      action: 'step_passed',
      comment: '分支“分支 finance”先办结，其余分支的任务已取消',
    });
  });

  it('any-join: the first branch to reject decides too', () => {
    let s = started('any');
    s = reject(s, 'p1-t1', actor('l1'));
    expect(s.status).toBe('rejected');
    expect(byStatus(s)).toEqual({ 'p1-t1': 'rejected', 'p1-t2': 'cancelled' });
  });

  it('a branch that finds nobody rejects with the branch named; a skipped branch drops out', () => {
    const base = startApproval(input(parallel('all'), {}), AT);
    const none = openStep(
      base,
      {
        assignees: [as('l1')],
        skippable: false,
        branches: [
          { key: 'legal', assignees: [as('l1')], skippable: false },
          { key: 'finance', assignees: [], skippable: false },
        ],
      },
      null,
      AT,
    );
    expect(none.outcomeReason).toBe(
      '步骤“并行会审”的分支“分支 finance”找不到审批人，请联系平台管理员检查流程定义',
    );
    let skipped = openStep(
      base,
      {
        assignees: [as('l1')],
        skippable: false,
        branches: [
          { key: 'legal', assignees: [as('l1')], skippable: false },
          { key: 'finance', assignees: [], skippable: true },
        ],
      },
      null,
      AT,
    );
    skipped = approve(skipped, 'p1-t1', actor('l1'));
    expect(skipped).toMatchObject({ phase: 'starting_step', stepIndex: 1 });
  });

  it('a transferred task stays in its branch', () => {
    let s = started('all');
    const colleague = user('l2');
    s = applyAction(
      s,
      'transfer',
      { ...onTask('p1-t1', actor('l1'), { to: 'l2' }), people: { l2: colleague } },
      AT,
    );
    expect(s.tasks.find((t) => t.id === 'p1-t3')).toMatchObject({ branchKey: 'legal', status: 'pending' });
    s = approve(s, 'p1-t3', actor('l2'));
    expect(s.phase).toBe('waiting');
  });
});

describe('issue 10: no approver found', () => {
  const admins = [user('admin1', ['platform_admin']), user('admin2', ['platform_admin', 'unit_leader'])];
  const legal = { roles: ['unit_leader' as const], reason: '法定名称章的用印须由单位负责人批准' };

  it('reject (the default) ends the process with a clear reason', () => {
    const decided = noApproverOutcome({
      rule: undefined,
      stepName: '审核',
      mode: 'single',
      admins,
      unitName: '市管理单位',
      authority: null,
    });
    expect(decided).toEqual({
      assignees: [],
      reason: '步骤“审核”找不到审批人，流程终止，请联系平台管理员检查流程定义或人员配置',
    });
    const s = openStep(
      startApproval(input(nodes([step('a')]), {}), AT),
      { ...decided, skippable: false },
      null,
      AT,
    );
    expect(s).toMatchObject({ status: 'rejected', outcomeReason: decided.reason });
  });

  it('assign_admin gives a single step to one administrator of the management unit', () => {
    const decided = noApproverOutcome({
      rule: 'assign_admin',
      stepName: '审核',
      mode: 'single',
      admins,
      unitName: '市管理单位',
      authority: null,
    });
    expect(decided.assignees.map((a) => (a.kind === 'user' ? a.userId : ''))).toEqual(['admin1']);
    expect(decided.note).toBe('本步骤找不到审批人，按流程规定交由市管理单位管理员办理');
  });

  it('assign_admin never goes to an administrator lacking the role the process requires (SM-12)', () => {
    const lacking = noApproverOutcome({
      rule: 'assign_admin',
      stepName: '审核',
      mode: 'single',
      admins: [admins[0]!],
      unitName: '市管理单位',
      authority: legal,
    });
    expect(lacking.assignees).toEqual([]);
    expect(lacking.reason).toBe(
      '步骤“审核”找不到审批人；管理单位管理员不具备本流程要求的审批权限（法定名称章的用印须由单位负责人批准），不能代为审批，流程终止',
    );
    const holding = noApproverOutcome({
      rule: 'assign_admin',
      stepName: '审核',
      mode: 'all',
      admins,
      unitName: '市管理单位',
      authority: legal,
    });
    expect(holding.assignees.map((a) => (a.kind === 'user' ? a.userId : ''))).toEqual(['admin2']);
  });

  it('assign_admin without any administrator rejects', () => {
    const decided = noApproverOutcome({
      rule: 'assign_admin',
      stepName: '审核',
      mode: 'single',
      admins: [],
      unitName: null,
      authority: null,
    });
    expect(decided.reason).toBe('步骤“审核”找不到审批人，也找不到管理单位管理员，流程终止');
  });
});

describe('issue 10: per-step actions, reasons and signatures', () => {
  const begin = (extra: object) =>
    open(startApproval(input(nodes([step('a', extra), step('b')]), {}), AT), [as('u1')]);

  it('the step actions table agrees with the action table', () => {
    expect([...TASK_ACTIONS].sort()).toEqual([...TASK_ACTION_NAMES].sort());
  });

  it('a step without add-signer and transfer does not offer them and refuses them (403)', () => {
    const s = begin({ actions: ['approve', 'reject', 'cc', 'return'] });
    expect(taskActionsOffered(s, s.tasks[0]!, actor('u1'))).toEqual(['approve', 'reject', 'return', 'cc']);
    const p = actionProblem(
      s,
      'add-signer',
      { ...onTask('p1-t1', actor('u1'), { signer: 'u2', position: 'before' }), people: { u2: user('u2') } },
      AT,
    );
    expect(p).toEqual({ kind: 'forbidden', message: '本步骤不提供“加签”操作' });
    expect(taskActionsOffered(begin({}), begin({}).tasks[0]!, actor('u1'))).toContain('add-signer');
  });

  it('reasonRequired.approve makes an approval without a comment invalid, naming the field', () => {
    const s = begin({ reasonRequired: { approve: true } });
    expect(actionProblem(s, 'approve', onTask('p1-t1', actor('u1'), {}), AT)).toEqual({
      kind: 'invalid',
      message: 'comment: 本步骤同意时必须填写审批意见',
    });
    expect(
      actionProblem(s, 'approve', onTask('p1-t1', actor('u1'), { comment: '同意' }), AT),
    ).toBeUndefined();
  });

  it("signature 'required' refuses an approval without one and records the signature's id in the event", () => {
    const s = begin({ signature: 'required' });
    expect(actionProblem(s, 'approve', onTask('p1-t1', actor('u1'), {}), AT)).toEqual({
      kind: 'invalid',
      message: 'signature: 本步骤同意时须手写签名',
    });
    const signed = applyAction(s, 'approve', onTask('p1-t1', actor('u1'), {}, { signatureId: 'sig-1' }), AT);
    expect(signed.history.find((e) => e.action === 'approved')).toMatchObject({ signatureId: 'sig-1' });
  });

  it('a step without signatures refuses one', () => {
    const s = begin({});
    expect(
      actionProblem(s, 'approve', onTask('p1-t1', actor('u1'), {}, { signatureId: 'sig-1' }), AT),
    ).toEqual({
      kind: 'invalid',
      message: 'signature: 本步骤不使用手写签名',
    });
  });
});

describe('issue 10: the flow schema checks branch structure, naming the path', () => {
  const problems = (steps: object[], kind = 'seal_application') => {
    const r = FlowDefinitionBody.safeParse({ kind, name: '测试流程', steps });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const gateway = (branches: object[], otherwise: object[] = []) => ({
    type: 'condition',
    key: 'g',
    name: '网关',
    branches,
    otherwise,
  });
  const when = (variable: string, op: string, value: unknown) => ({
    name: '分支',
    when: { variable, op, value },
    steps: [step('x')],
  });

  it('a gateway needs branches', () => {
    expect(problems([gateway([]), step('a')])).toEqual(['steps.0.branches: 条件分支至少需要一个分支']);
  });
  it('an unknown variable is named', () => {
    expect(problems([gateway([when('amount', 'gt', 3)]), step('a')])).toEqual([
      'steps.0.branches.0.when.variable: 未知的流程变量 amount，可用：sealKind、applicantLevel',
    ]);
  });
  it('operator and value must fit the variable', () => {
    expect(problems([gateway([when('sealKind', 'gt', 'legal_name')]), step('a')])).toEqual([
      'steps.0.branches.0.when.op: 印章类型只能用等于、不等于或属于比较',
    ]);
    expect(problems([gateway([when('sealKind', 'eq', 'round')]), step('a')])).toEqual([
      'steps.0.branches.0.when.value: 印章类型没有取值 round，可用：legal_name、internal_body、branch、business、personal_name',
    ]);
    expect(problems([gateway([when('documentCount', 'gt', 'many')]), step('a')], 'seal_use')).toEqual([
      'steps.0.branches.0.when.value: 文件份数是数值，比较值应为数字',
    ]);
    expect(problems([gateway([when('documentCount', 'in', 3)]), step('a')], 'seal_use')).toEqual([
      'steps.0.branches.0.when.value: “属于”须给出取值列表',
    ]);
  });
  it('keys are unique across branches', () => {
    expect(problems([gateway([when('sealKind', 'eq', 'business')], [step('x')]), step('a')])).toEqual([
      'steps.0.otherwise.0.key: 步骤标识 x 重复',
    ]);
    expect(
      problems([
        { type: 'parallel', key: 'p', name: '并行', join: 'all', branches: [branch('a'), branch('a')] },
      ]),
    ).toEqual(['steps.0.branches.1.key: 步骤标识 a 重复']);
  });
  it('every path needs a step, and every step offers approve and reject', () => {
    expect(problems([gateway([when('sealKind', 'eq', 'business')])])).toEqual([
      'steps: 流程在任何条件下都必须至少经过一个审批步骤：请在条件分支外添加步骤，或为默认分支添加步骤',
    ]);
    expect(problems([step('a', { actions: ['approve', 'cc'] })])).toEqual([
      'steps.0.actions: 每个步骤都必须提供驳回',
    ]);
  });
  it('the rules of a step hold inside branches too', () => {
    expect(
      problems([
        gateway([
          {
            name: '分支',
            when: { variable: 'sealKind', op: 'eq', value: 'business' },
            steps: [step('x', { passRatio: 0.5 })],
          },
        ]),
        step('a'),
      ]),
    ).toEqual(['steps.0.branches.0.steps.0.passRatio: 只有会签步骤可以按比例通过']);
  });
});
