/**
 * Issue 10, build item 2 (UI): 流程预测 — the path taken and the path ahead of a process, from the flow's nodes and
 * the branch the engine resolved for the process's variables (domain/flow-branches.ts); and the editor's branch
 * form operations, whose result validates as any saved flow does.
 */
import { FlowNode } from '../../domain/flow-definition';
import { FlowDefinitionBody } from '../../domain/flow-definition-schema';
import { flowPath } from '../../domain/flow-branches';
import {
  applyEditorFields,
  applyEditorOp,
  conditionText,
  editorGateways,
} from '../../presentation/flow-editor';
import { pathOf, pathOfGateways, pathView } from '../../presentation/flow-path';

const step = (key: string, name: string) => ({
  key,
  name,
  approvers: [{ type: 'department_leader' as const }],
  mode: 'single' as const,
});

const NODES = FlowDefinitionBody.parse({
  kind: 'seal_application',
  name: '按印章类型分支',
  steps: [
    step('review', '初审'),
    {
      type: 'condition',
      key: 'by-kind',
      name: '按印章类型',
      branches: [
        {
          name: '法定名称章',
          when: { variable: 'sealKind', op: 'eq', value: 'legal_name' },
          steps: [step('leader', '负责人审批'), step('city', '市级审核')],
        },
      ],
      otherwise: [step('county', '县级复核')],
    },
    {
      type: 'parallel',
      key: 'joint',
      name: '会同审查',
      join: 'all',
      branches: [
        { key: 'police', name: '公安', approvers: [{ type: 'department_leader' }], mode: 'single' },
        { key: 'archive', name: '档案', approvers: [{ type: 'department_leader' }], mode: 'single' },
      ],
    },
  ],
}).steps as FlowNode[];

describe('path taken and ahead (issue 10, 流程预测)', () => {
  it('follows the branch the engine resolves for the variables, and marks the others not taken', () => {
    const flow = pathOf(NODES, { sealKind: 'legal_name' });
    expect(flow.path.map((s) => s.key)).toEqual(['review', 'leader', 'city', 'joint']);
    const view = pathView(NODES, flow, { status: 'running', stepIndex: 1 });
    expect(view).toMatchObject({
      taken: ['初审'],
      current: '负责人审批',
      ahead: ['市级审核', '会同审查'],
      branches: ['按印章类型：法定名称章'],
      notTaken: ['县级复核'],
    });
    expect(view.marks.nodes).toMatchObject({
      review: 'done',
      'by-kind': 'done',
      leader: 'current',
      city: 'ahead',
      county: 'skipped',
      joint: 'ahead',
      'joint/police': 'ahead',
    });
    expect(view.marks.branches).toMatchObject({ 'by-kind/0': 'current', 'by-kind/-1': 'skipped' });
  });

  it('before the gateway the branch is a forecast; the default branch when no condition holds', () => {
    const flow = pathOf(NODES, { sealKind: 'business' });
    const view = pathView(NODES, flow, { status: 'running', stepIndex: 0 });
    expect(view.ahead).toEqual(['县级复核', '会同审查']);
    expect(view.branches).toEqual(['按印章类型：默认分支（预计）']);
    expect(view.notTaken).toEqual(['负责人审批', '市级审核']);
    expect(view.marks.nodes?.['by-kind']).toBe('ahead');
    expect(view.marks.branches?.['by-kind/-1']).toBe('ahead');
  });

  it('the path rebuilt from the gateways the engine recorded equals the engine’s own path', () => {
    for (const sealKind of ['legal_name', 'business']) {
      const engine = flowPath(NODES, { sealKind });
      expect(pathOfGateways(NODES, engine.gateways).path).toEqual(engine.steps);
    }
  });

  it('a parallel node shows which branches have decided; a finished process has everything taken', () => {
    const flow = pathOf(NODES, { sealKind: 'business' });
    const running = pathView(NODES, flow, {
      status: 'running',
      stepIndex: 2,
      decidedBranches: { police: 'done' },
    });
    expect(running.marks.branches).toMatchObject({ 'joint/police': 'done', 'joint/archive': 'current' });
    const approved = pathView(NODES, flow, { status: 'approved', stepIndex: null });
    expect(approved).toMatchObject({ taken: ['初审', '县级复核', '会同审查'], current: null, ahead: [] });
    const rejected = pathView(NODES, flow, { status: 'rejected', stepIndex: 1 });
    expect(rejected.marks.nodes).toMatchObject({ review: 'done', county: 'rejected', joint: 'skipped' });
  });
});

describe('flow editor branch form (issue 10, build item 2)', () => {
  const base = () => ({
    kind: 'seal_use',
    name: '用印审批',
    steps: [step('review', '初审')] as unknown[],
  });

  it('adds a condition gateway that validates, and applies the posted branch fields to it', () => {
    const body: Record<string, unknown> = base();
    applyEditorOp(body, 'add-condition');
    expect(FlowDefinitionBody.safeParse(body).success).toBe(true);
    applyEditorFields(body, {
      'g.1.key': 'gateway1',
      'g.1.name': '按份数',
      'g.1.b.0.name': '份数多',
      'g.1.b.0.variable': 'documentCount',
      'g.1.b.0.op': 'gt',
      'g.1.b.0.value': '10',
      'g.1.b.0.s.0.name': '分管领导审批',
    });
    applyEditorOp(body, 'add-branch-step:1:-1');
    const parsed = FlowDefinitionBody.parse(body);
    expect(parsed.steps[1]).toMatchObject({
      type: 'condition',
      name: '按份数',
      branches: [{ name: '份数多', when: { variable: 'documentCount', op: 'gt', value: 10 } }],
    });
    const gateway = parsed.steps[1] as Extract<FlowNode, { type: 'condition' }>;
    expect(gateway.branches[0]!.steps[0]!.name).toBe('分管领导审批');
    expect(gateway.otherwise).toHaveLength(1);
    expect(conditionText('seal_use', gateway.branches[0]!.when)).toBe('文件份数 大于 10');
  });

  it('reads a list value by its labels, and lists the gateways for the form', () => {
    const body: Record<string, unknown> = base();
    applyEditorOp(body, 'add-condition:0');
    applyEditorFields(body, {
      'g.1.key': 'gateway1',
      'g.1.b.0.variable': 'sealKind',
      'g.1.b.0.op': 'in',
      'g.1.b.0.value': '法定名称章、财务专用章, business',
    });
    const when = ((body.steps as Array<Record<string, unknown>>)[1]!.branches as Array<{ when: unknown }>)[0]!
      .when;
    expect(when).toEqual({ variable: 'sealKind', op: 'in', value: ['legal_name', '财务专用章', 'business'] });
    // 财务专用章 is no seal kind: the schema names the field and the rule.
    const problems = FlowDefinitionBody.safeParse(body);
    expect(problems.success).toBe(false);
    expect(JSON.stringify(problems.error?.issues)).toContain('印章类型没有取值 财务专用章');
    const [form] = editorGateways(body);
    expect(form).toMatchObject({ index: 1, condition: true, name: '条件分支' });
    expect(form!.branches[0]!.value).toBe('法定名称章、财务专用章、业务专用章');
    expect(form!.branches[0]!.variables.find((v) => v.selected)?.label).toBe('印章类型');
  });

  it('adds and removes parallel nodes, branches and nodes', () => {
    const body: Record<string, unknown> = base();
    applyEditorOp(body, 'add-parallel');
    applyEditorOp(body, 'add-branch:1');
    let parsed = FlowDefinitionBody.parse(body);
    const parallel = parsed.steps[1] as Extract<FlowNode, { type: 'parallel' }>;
    expect(parallel.branches.map((b) => b.name)).toEqual(['分支一', '分支二', '分支三']);
    applyEditorFields(body, { 'g.1.key': 'parallel1', 'g.1.join': 'any', 'g.1.b.2.name': '财务' });
    // Fields drawn for another node (the JSON moved it meanwhile) change nothing.
    applyEditorFields(body, { 'g.1.key': 'gateway9', 'g.1.name': '别的节点' });
    expect((body.steps as Array<{ name: string }>)[1]!.name).toBe('并行审批');
    applyEditorOp(body, 'remove-branch:1:0');
    parsed = FlowDefinitionBody.parse(body);
    expect(parsed.steps[1]).toMatchObject({ join: 'any', branches: [{ name: '分支二' }, { name: '财务' }] });
    applyEditorOp(body, 'remove-node:1');
    expect(FlowDefinitionBody.parse(body).steps).toHaveLength(1);
    // The last node is never removed; an unknown operation changes nothing.
    applyEditorOp(body, 'remove-node:0');
    applyEditorOp(body, 'explode:0');
    expect(FlowDefinitionBody.parse(body).steps).toHaveLength(1);
  });
});
