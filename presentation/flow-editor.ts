/**
 * The flow editor's form for branches (issue 10, build item 2): the definition stays JSON (the one validator is
 * FlowDefinitionBody), and beside it a server-rendered form lists each condition gateway's branches (name, variable,
 * comparison, value) and each parallel node's join and branches, with buttons that add or remove gateways,
 * branches and branch steps. Every submit applies the form's fields to the JSON, then the button's operation; the
 * page re-renders with the new JSON, the form and the diagram. Pure functions of the posted data; the caller
 * validates the result as for any save.
 */
import {
  CONDITION_OPERATOR_LABELS,
  CONDITION_OPERATORS,
  ConditionOperator,
  JOIN_RULE_LABELS,
  PROCESS_VARIABLES,
  ProcessKind,
  VariableDef,
} from '../domain/flow-definition';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function variablesOf(kind: unknown): Record<string, VariableDef> {
  return PROCESS_VARIABLES[kind as ProcessKind] ?? PROCESS_VARIABLES.seal_application;
}

/** Every key used anywhere in the flow, so that a new node or branch gets a fresh one. */
function usedKeys(body: Json): Set<string> {
  const keys = new Set<string>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) {
      if (typeof v.key === 'string') keys.add(v.key);
      Object.values(v).forEach(visit);
    }
  };
  visit(body.steps);
  return keys;
}

function freshKey(body: Json, base: string): string {
  const keys = usedKeys(body);
  for (let i = 1; ; i++) if (!keys.has(`${base}${i}`)) return `${base}${i}`;
}

/** A step that can be saved as it is (the initiator's unit leader approves); the administrator then adapts it. */
function newStep(body: Json, name: string): Json {
  return { key: freshKey(body, 'step'), name, approvers: [{ type: 'department_leader' }], mode: 'single' };
}

/** A first condition on the kind's first variable: equal to its first value, or greater than 1. */
function newCondition(kind: unknown): Json {
  const [variable, def] = Object.entries(variablesOf(kind))[0]!;
  return def.type === 'enum'
    ? { variable, op: 'eq', value: def.values[0] }
    : { variable, op: 'gt', value: 1 };
}

function newConditionNode(body: Json): Json {
  return {
    type: 'condition',
    key: freshKey(body, 'gateway'),
    name: '条件分支',
    branches: [{ name: '分支一', when: newCondition(body.kind), steps: [newStep(body, '分支审批')] }],
    otherwise: [],
  };
}

function newParallelNode(body: Json): Json {
  const key = freshKey(body, 'parallel');
  const branch = (k: string, name: string) => ({
    key: k,
    name,
    approvers: [{ type: 'department_leader' }],
    mode: 'single',
  });
  return {
    type: 'parallel',
    key,
    name: '并行审批',
    join: 'all',
    branches: [branch(`${key}-a`, '分支一'), branch(`${key}-b`, '分支二')],
  };
}

const CHINESE_NUMBERS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const nth = (i: number) => CHINESE_NUMBERS[i] ?? String(i + 1);

/** The operations the editor's buttons name (`op` = `add-condition:2`, `remove-branch:1:0` …). */
export function applyEditorOp(body: Json, op: string): void {
  const [name, a, b] = op.split(':');
  const i = Number(a);
  const j = Number(b);
  const steps = list(body.steps);
  body.steps = steps;
  const node = isObject(steps[i]) ? steps[i] : undefined;
  switch (name) {
    case 'add-condition':
      steps.splice(Number.isInteger(i) ? i + 1 : steps.length, 0, newConditionNode(body));
      break;
    case 'add-parallel':
      steps.splice(Number.isInteger(i) ? i + 1 : steps.length, 0, newParallelNode(body));
      break;
    case 'remove-node':
      if (node && steps.length > 1) steps.splice(i, 1);
      break;
    case 'add-branch':
      if (node?.type === 'condition') {
        const branches = list(node.branches);
        branches.push({
          name: `分支${nth(branches.length)}`,
          when: newCondition(body.kind),
          steps: [newStep(body, '分支审批')],
        });
        node.branches = branches;
      } else if (node?.type === 'parallel') {
        const branches = list(node.branches);
        const key = freshKey(body, `${String(node.key)}-`);
        branches.push({
          key,
          name: `分支${nth(branches.length)}`,
          approvers: [{ type: 'department_leader' }],
          mode: 'single',
        });
        node.branches = branches;
      }
      break;
    case 'remove-branch':
      if (node && Array.isArray(node.branches)) node.branches.splice(j, 1);
      break;
    case 'add-branch-step': {
      const target = branchSteps(node, j);
      if (target) target.push(newStep(body, '分支审批'));
      break;
    }
    case 'remove-branch-step': {
      const target = branchSteps(node, j);
      if (target && target.length > 0) target.pop();
      break;
    }
  }
}

/** The steps of a condition's branch `j`, or of its otherwise branch (j = -1). */
function branchSteps(node: Json | undefined, j: number): unknown[] | undefined {
  if (node?.type !== 'condition') return undefined;
  if (j === -1) {
    if (!Array.isArray(node.otherwise)) node.otherwise = [];
    return node.otherwise as unknown[];
  }
  const branch = list(node.branches)[j];
  if (!isObject(branch)) return undefined;
  if (!Array.isArray(branch.steps)) branch.steps = [];
  return branch.steps as unknown[];
}

/** A value typed in the form as the variable's value: a label or code for a list variable, a number otherwise. */
function parseValue(def: VariableDef | undefined, op: string, text: string): unknown {
  const one = (t: string): unknown => {
    if (!def) return t;
    if (def.type === 'number') return t === '' || Number.isNaN(Number(t)) ? t : Number(t);
    return Object.entries(def.labels).find(([, label]) => label === t)?.[0] ?? t;
  };
  if (op === 'in')
    return text
      .split(/[,，、;；\s]+/)
      .filter(Boolean)
      .map(one);
  return one(text.trim());
}

/**
 * Applies the posted branch fields (`g.<i>.key` naming the node they were drawn for, `g.<i>.name`, `g.<i>.join`,
 * `g.<i>.b.<j>.variable|op|value|name`, `g.<i>.b.<j>.s.<k>.name`, `g.<i>.o.s.<k>.name`).
 */
export function applyEditorFields(body: Json, fields: Record<string, unknown>): void {
  const vars = variablesOf(body.kind);
  list(body.steps).forEach((node, i) => {
    if (!isObject(node) || (node.type !== 'condition' && node.type !== 'parallel')) return;
    const field = (name: string) => {
      const v = fields[`g.${i}.${name}`];
      return typeof v === 'string' ? v : undefined;
    };
    // The fields were drawn for the node with this key: if the JSON moved or renamed it meanwhile, the JSON wins.
    if (field('key') !== node.key) return;
    const name = field('name');
    if (name !== undefined) node.name = name.trim();
    const join = field('join');
    if (node.type === 'parallel' && join !== undefined) node.join = join;
    list(node.branches).forEach((branch, j) => {
      if (!isObject(branch)) return;
      const branchName = field(`b.${j}.name`);
      if (branchName !== undefined) branch.name = branchName.trim();
      if (node.type !== 'condition') return;
      renameSteps(branch.steps, (k) => field(`b.${j}.s.${k}.name`));
      const variable = field(`b.${j}.variable`);
      const op = field(`b.${j}.op`);
      const value = field(`b.${j}.value`);
      if (variable === undefined || op === undefined || value === undefined) return;
      branch.when = { variable, op, value: parseValue(vars[variable], op, value) };
    });
    if (node.type === 'condition') renameSteps(node.otherwise, (k) => field(`o.s.${k}.name`));
  });
}

function renameSteps(steps: unknown, nameOf: (k: number) => string | undefined): void {
  list(steps).forEach((step, k) => {
    const name = nameOf(k);
    if (isObject(step) && name !== undefined) step.name = name.trim();
  });
}

/** A branch's steps as the form lists them, each with its name field. */
function stepFields(steps: unknown, prefix: string) {
  return list(steps).map((step, k) => ({
    number: k + 1,
    field: `${prefix}.s.${k}.name`,
    id: `${prefix}-s-${k}`.replace(/\./g, '-'),
    name: isObject(step) ? String(step.name ?? '') : '',
    parallel: isObject(step) && step.type === 'parallel',
  }));
}

/** A condition's value as the form shows it: labels for a list variable, joined by 、 for “属于”. */
function valueText(def: VariableDef | undefined, value: unknown): string {
  const one = (v: unknown) => (def?.type === 'enum' ? (def.labels[String(v)] ?? String(v)) : String(v ?? ''));
  return Array.isArray(value) ? value.map(one).join('、') : one(value);
}

/** How a condition reads: “印章类型 等于 法定名称章”, “文件份数 大于 10”. */
export function conditionText(kind: unknown, when: unknown): string {
  if (!isObject(when)) return '';
  const def = variablesOf(kind)[String(when.variable)];
  const op = CONDITION_OPERATOR_LABELS[when.op as ConditionOperator] ?? String(when.op);
  return `${def?.label ?? String(when.variable)} ${op} ${valueText(def, when.value)}`;
}

/** The gateways of the flow as the form shows them. */
export function editorGateways(body: unknown) {
  if (!isObject(body)) return [];
  const vars = variablesOf(body.kind);
  const variableOptions = (selected: unknown) =>
    Object.entries(vars).map(([value, def]) => ({ value, label: def.label, selected: value === selected }));
  const opOptions = (selected: unknown) =>
    CONDITION_OPERATORS.map((value) => ({
      value,
      label: CONDITION_OPERATOR_LABELS[value],
      selected: value === selected,
    }));
  return list(body.steps).flatMap((node, i) => {
    if (!isObject(node) || (node.type !== 'condition' && node.type !== 'parallel')) return [];
    const condition = node.type === 'condition';
    const branches = list(node.branches).map((branch, j) => {
      const b = isObject(branch) ? branch : {};
      const when = isObject(b.when) ? b.when : {};
      return {
        index: j,
        number: j + 1,
        prefix: `g.${i}.b.${j}`,
        name: String(b.name ?? ''),
        variables: condition ? variableOptions(when.variable) : [],
        ops: condition ? opOptions(when.op) : [],
        value: condition ? valueText(vars[String(when.variable)], when.value) : '',
        stepCount: list(b.steps).length,
        steps: condition ? stepFields(b.steps, `g.${i}.b.${j}`) : [],
      };
    });
    return [
      {
        index: i,
        number: i + 1,
        condition,
        name: String(node.name ?? ''),
        key: String(node.key ?? ''),
        joins: Object.entries(JOIN_RULE_LABELS).map(([value, label]) => ({
          value,
          label,
          selected: value === node.join,
        })),
        branches,
        otherwiseCount: list(node.otherwise).length,
        otherwiseSteps: condition ? stepFields(node.otherwise, `g.${i}.o`) : [],
      },
    ];
  });
}

/** The variables of a kind, for the hint beside the form: name, and the values a list variable takes. */
export function variableHints(kind: unknown): Array<{ label: string; values: string }> {
  return Object.values(variablesOf(kind)).map((def) => ({
    label: def.label,
    values: def.type === 'enum' ? def.values.map((v) => def.labels[v] ?? v).join('、') : '数值',
  }));
}
