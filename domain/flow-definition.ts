/**
 * Flow definitions: what an approval process's steps are, who approves each, how (one approver, countersign all or
 * by ratio, any one), by when (working days or working hours, DESIGN §3) and what happens on breach. Definitions
 * are stored in the database and versioned; a running process keeps the snapshot it started with. The zod schema
 * (flow-definition-schema.ts) is the single validator for the API, the editor and the seed.
 */
import { SEAL_KIND_LABELS, SEAL_KINDS, SealKind } from './seal';
import { APPROVAL_EVENT_KINDS, LICENCE_EVENT_RULES } from './licence-lifecycle';
import type {
  Condition,
  ConditionNode,
  FlowDefinitionBodyInput,
  FlowNode,
  FlowStep,
  ParallelNode,
} from './flow-definition-schema';

export type {
  ApproverRule,
  BranchStep,
  Condition,
  ConditionNode,
  FlowDefinitionBody,
  FlowDefinitionBodyInput,
  FlowNode,
  FlowNodeInput,
  FlowStep,
  FlowStepInput,
  InitiatorOptions,
  ParallelBranch,
  ParallelNode,
  StepDue,
  StepReminders,
} from './flow-definition-schema';

/** Every process kind that goes through the approval engine. */
export const PROCESS_KINDS = [
  'seal_application',
  'seal_use',
  'seal_cancellation',
  'seal_loss_handling',
  'seal_renewal',
  'licence_revocation',
  'certificate_application',
  'certificate_renewal',
  'certificate_revocation',
  'licence_usage',
  'seal_custodian_change',
] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number];

export const PROCESS_KIND_LABELS: Record<ProcessKind, string> = {
  seal_application: '电子印章申请',
  seal_use: '用印申请',
  seal_cancellation: '电子印章注销',
  seal_loss_handling: '电子印章挂失处理',
  seal_renewal: '电子印章续期',
  licence_revocation: '证照注销、撤销、吊销、废止',
  certificate_application: '机构数字证书申请',
  certificate_renewal: '机构数字证书更新',
  certificate_revocation: '机构数字证书吊销',
  licence_usage: '用证清单申请',
  seal_custodian_change: '印章保管人变更',
};

export const JURISDICTION_LEVELS = ['province', 'city', 'county', 'district', 'zone'] as const;
export type FlowJurisdictionLevel = (typeof JURISDICTION_LEVELS)[number];
export const JURISDICTION_LEVEL_LABELS: Record<FlowJurisdictionLevel, string> = {
  province: '省级',
  city: '市级',
  county: '县级',
  district: '区级',
  zone: '开发区',
};

export const STEP_MODES = ['single', 'all', 'any'] as const;
export type StepMode = (typeof STEP_MODES)[number];
export const STEP_MODE_LABELS: Record<StepMode, string> = {
  single: '单人审批',
  all: '会签',
  any: '或签',
};

export const BREACH_ACTIONS = ['notify_supervisor', 'escalate', 'auto_approve', 'auto_reject'] as const;
export type BreachAction = (typeof BREACH_ACTIONS)[number];
export const BREACH_ACTION_LABELS: Record<BreachAction, string> = {
  notify_supervisor: '通知监督人员',
  escalate: '上报上一级',
  auto_approve: '自动通过',
  auto_reject: '自动驳回',
};

/**
 * The task actions a step may offer (the names of the action table, domain/approval-actions.ts, which checks at
 * compile time that the two lists agree). 同意 and 驳回 are always offered; a step's `actions` names the others.
 */
export const TASK_ACTIONS = [
  'approve',
  'reject',
  'transfer',
  'delegate',
  'add-signer',
  'remove-signer',
  'return',
  'cc',
  // The clock (issue 10): suspending a step's clock, and its resumption by the approver (not for 补正).
  'suspend',
  'resume',
] as const;
export type TaskActionName = (typeof TASK_ACTIONS)[number];
export const TASK_ACTION_LABELS: Record<TaskActionName, string> = {
  approve: '同意',
  reject: '驳回',
  transfer: '转办',
  delegate: '委派',
  'add-signer': '加签',
  'remove-signer': '减签',
  return: '退回',
  cc: '抄送',
  suspend: '中止计时',
  resume: '恢复计时',
};
/** Actions every step offers whatever its `actions` say. */
export const ALWAYS_OFFERED: readonly TaskActionName[] = ['approve', 'reject'];

export const SIGNATURE_RULES = ['none', 'optional', 'required'] as const;
export type SignatureRule = (typeof SIGNATURE_RULES)[number];
export const SIGNATURE_RULE_LABELS: Record<SignatureRule, string> = {
  none: '不需要手写签名',
  optional: '可手写签名',
  required: '同意时须手写签名',
};

/** What happens when a step's rules find no approver (issue 10). */
export const NO_APPROVER_RULES = ['reject', 'assign_admin'] as const;
export type NoApproverRule = (typeof NO_APPROVER_RULES)[number];
export const NO_APPROVER_RULE_LABELS: Record<NoApproverRule, string> = {
  reject: '找不到审批人时驳回',
  assign_admin: '找不到审批人时交管理单位管理员办理',
};

export const JOIN_RULES = ['all', 'any'] as const;
export type JoinRule = (typeof JOIN_RULES)[number];
export const JOIN_RULE_LABELS: Record<JoinRule, string> = {
  all: '全部分支通过后汇合',
  any: '任一分支办结即汇合',
};

/** What the engine runs one at a time: an approval step or a parallel node. */
export type EngineStep = FlowStep | ParallelNode;

export const CONDITION_OPERATORS = ['eq', 'ne', 'in', 'gt', 'gte', 'lt', 'lte'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];
export const CONDITION_OPERATOR_LABELS: Record<ConditionOperator, string> = {
  eq: '等于',
  ne: '不等于',
  in: '属于',
  gt: '大于',
  gte: '大于或等于',
  lt: '小于',
  lte: '小于或等于',
};

export function isParallel(n: FlowNode): n is ParallelNode {
  return n.type === 'parallel';
}
export function isCondition(n: FlowNode): n is ConditionNode {
  return n.type === 'condition';
}

/** Every engine step of a flow, in every branch, with its path in the definition (for checks and previews). */
export function allEngineSteps(nodes: FlowNode[]): Array<{ step: EngineStep; path: Array<string | number> }> {
  const out: Array<{ step: EngineStep; path: Array<string | number> }> = [];
  nodes.forEach((n, i) => {
    if (!isCondition(n)) {
      out.push({ step: n, path: ['steps', i] });
      return;
    }
    n.branches.forEach((b, j) =>
      b.steps.forEach((s, k) => out.push({ step: s, path: ['steps', i, 'branches', j, 'steps', k] })),
    );
    n.otherwise.forEach((s, k) => out.push({ step: s, path: ['steps', i, 'otherwise', k] }));
  });
  return out;
}

/** The groups of approvers of a step: the step itself, or each branch of a parallel node. */
export function approverGroups(
  step: EngineStep,
): Array<Pick<FlowStep, 'key' | 'name' | 'approvers' | 'mode' | 'passRatio'>> {
  return isParallel(step) ? step.branches : [step];
}

// ---------------------------------------------------------------------------------------------------------------
// Process variables

/** A variable's type: one of a list of values (compared with eq, ne, in) or a number (every operator). */
export type VariableDef =
  | { label: string; type: 'enum'; values: readonly string[]; labels: Record<string, string> }
  | { label: string; type: 'number' };

/**
 * The variables a flow's conditions may test, per process kind (issue 10), fixed at submission by the parent
 * process (ApprovalInput.variables). One table for the schema, the engine, the dry run and the editor.
 */
export const PROCESS_VARIABLES: Record<ProcessKind, Record<string, VariableDef>> = {
  seal_application: {
    sealKind: { label: '印章类型', type: 'enum', values: SEAL_KINDS, labels: SEAL_KIND_LABELS },
    applicantLevel: {
      label: '申请单位辖区层级',
      type: 'enum',
      values: JURISDICTION_LEVELS,
      labels: JURISDICTION_LEVEL_LABELS,
    },
  },
  seal_use: {
    sealKind: { label: '印章类型', type: 'enum', values: SEAL_KINDS, labels: SEAL_KIND_LABELS },
    documentCount: { label: '文件份数', type: 'number' },
    maxUses: { label: '用印次数', type: 'number' },
  },
  // Issue 12 Build 5 (SM-15, SM-16): cancellation and the handling of a lost seal.
  seal_cancellation: {
    sealKind: { label: '印章类型', type: 'enum', values: SEAL_KINDS, labels: SEAL_KIND_LABELS },
  },
  seal_renewal: {
    sealKind: { label: '印章类型', type: 'enum', values: SEAL_KINDS, labels: SEAL_KIND_LABELS },
  },
  // Issue 12 Build 5 (SM-5(1), SM-6): an organisation certificate's application, renewal and revocation.
  certificate_application: {},
  certificate_renewal: {},
  certificate_revocation: {},
  // Issue 16 Build 5 (LM-14): a flow may branch on whether full data is asked for.
  licence_usage: {
    fullData: {
      label: '数据范围',
      type: 'enum',
      values: ['full', 'masked'],
      labels: { full: '完整数据', masked: '脱敏数据' },
    },
  },
  // Issue 15 Build 5 (SM-14): a seal's custodian change.
  seal_custodian_change: {
    sealKind: { label: '印章类型', type: 'enum', values: SEAL_KINDS, labels: SEAL_KIND_LABELS },
  },
  seal_loss_handling: {
    sealKind: { label: '印章类型', type: 'enum', values: SEAL_KINDS, labels: SEAL_KIND_LABELS },
    action: {
      label: '处理方式',
      type: 'enum',
      values: ['cancel', 'restore'],
      labels: { cancel: '注销', restore: '解除挂失' },
    },
  },
  // Issue 12 Build 1: one process kind for the four decisions that end a licence; flows may branch on which.
  licence_revocation: {
    eventKind: {
      label: '事项',
      type: 'enum',
      values: APPROVAL_EVENT_KINDS,
      labels: Object.fromEntries(APPROVAL_EVENT_KINDS.map((k) => [k, LICENCE_EVENT_RULES[k].label])),
    },
  },
};

/** The values of a process's variables, as the parent process fixed them at submission. */
export type ProcessVariables = Record<string, string | number>;

/** A seal application's variables (PROCESS_VARIABLES.seal_application). */
export function sealApplicationVariables(v: {
  sealKind: SealKind;
  applicantLevel: FlowJurisdictionLevel;
}): ProcessVariables {
  return { sealKind: v.sealKind, applicantLevel: v.applicantLevel };
}

/** A seal-use request's variables (PROCESS_VARIABLES.seal_use). */
export function sealUseVariables(v: {
  sealKind: SealKind;
  documentCount: number;
  maxUses: number;
}): ProcessVariables {
  return { sealKind: v.sealKind, documentCount: v.documentCount, maxUses: v.maxUses };
}

/** Why a condition does not fit its variable's type, or null. */
export function conditionProblem(kind: ProcessKind, c: Condition): { field: string; message: string } | null {
  const def = PROCESS_VARIABLES[kind][c.variable];
  if (!def) {
    const known = Object.keys(PROCESS_VARIABLES[kind]).join('、');
    return { field: 'variable', message: `未知的流程变量 ${c.variable}，可用：${known}` };
  }
  const list = Array.isArray(c.value) ? c.value : [c.value];
  if ((c.op === 'in') !== Array.isArray(c.value)) {
    return { field: 'value', message: c.op === 'in' ? '“属于”须给出取值列表' : '只有“属于”可以给出取值列表' };
  }
  if (def.type === 'enum') {
    if (!['eq', 'ne', 'in'].includes(c.op)) {
      return { field: 'op', message: `${def.label}只能用等于、不等于或属于比较` };
    }
    const bad = list.find((v) => typeof v !== 'string' || !def.values.includes(v));
    if (bad !== undefined) {
      return { field: 'value', message: `${def.label}没有取值 ${bad}，可用：${def.values.join('、')}` };
    }
    return null;
  }
  if (list.some((v) => typeof v !== 'number')) {
    return { field: 'value', message: `${def.label}是数值，比较值应为数字` };
  }
  return null;
}

/** The task actions a step offers: its `actions`, or all. */
export function stepActions(s: Pick<FlowStep, 'actions'>): readonly TaskActionName[] {
  return s.actions ?? TASK_ACTIONS;
}

/**
 * A stored version's life: saved as a draft (no effect on any process), published after a dry run (active: new
 * processes of its scope follow it), superseded when a later version of the scope is published or restored.
 */
export const FLOW_STATUSES = ['draft', 'active', 'superseded'] as const;
export type FlowStatus = (typeof FLOW_STATUSES)[number];
export const FLOW_STATUS_LABELS: Record<FlowStatus, string> = {
  draft: '草稿（未生效）',
  active: '生效中',
  superseded: '已被新版本取代',
};

/** How high a level stands in the tree: 0 province, 1 city, 2 the city's counties, districts and zones. */
const LEVEL_RANK: Record<FlowJurisdictionLevel, number> = {
  province: 0,
  city: 1,
  county: 2,
  district: 2,
  zone: 2,
};

/** Whether `level` is the level `own` or below it (a city's unit may set city, county, district and zone defaults). */
export function levelAtOrBelow(level: FlowJurisdictionLevel, own: FlowJurisdictionLevel): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[own];
}

/** The three kinds of scope a definition can have. */
export type FlowScopeKind = 'organisation' | 'level' | 'platform';
export function flowScopeKind(d: {
  organisationId?: string | null;
  jurisdictionLevel?: string | null;
}): FlowScopeKind {
  return d.organisationId ? 'organisation' : d.jurisdictionLevel ? 'level' : 'platform';
}

/** At most this many organisations are resolved in a dry run before a version is published or restored. */
export const DRY_RUN_SAMPLE_LIMIT = 50;

/**
 * The organisations a dry run resolves when more use a flow than it checks: deterministic and spread over the
 * tree, because what a rule resolves to depends mostly on the jurisdiction (management units) and then on the
 * organisation (its roles). Jurisdictions in id order, organisations in id order within each; the first of every
 * jurisdiction, then the second of every jurisdiction, and so on, up to `limit`.
 */
export function dryRunSample<T extends { id: string; jurisdictionId: string }>(
  organisations: T[],
  limit = DRY_RUN_SAMPLE_LIMIT,
): T[] {
  const byJurisdiction = new Map<string, T[]>();
  for (const o of [...organisations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const list = byJurisdiction.get(o.jurisdictionId) ?? [];
    list.push(o);
    byJurisdiction.set(o.jurisdictionId, list);
  }
  const columns = [...byJurisdiction.keys()].sort().map((k) => byJurisdiction.get(k)!);
  const out: T[] = [];
  for (let round = 0; out.length < limit; round++) {
    let any = false;
    for (const column of columns) {
      const o = column[round];
      if (!o) continue;
      any = true;
      out.push(o);
      if (out.length === limit) break;
    }
    if (!any) break;
  }
  return out;
}

/** A definition as a process carries it: the stored version's id and number plus its steps. */
export interface FlowSnapshot {
  definitionId: string;
  version: number;
  name: string;
  kind: ProcessKind;
  /** The definition's nodes: approval steps, parallel nodes and conditional gateways. */
  steps: FlowNode[];
}

/** How a step decides, for people: 单人审批, 或签, 会签 or 会签（60% 通过）; a parallel node its join. */
export function stepModeLabel(step: Pick<FlowStep, 'mode' | 'passRatio'> | ParallelNode): string {
  if ('join' in step) return `并行（${JOIN_RULE_LABELS[step.join]}）`;
  return step.mode === 'all' && step.passRatio
    ? `会签（${Math.round(step.passRatio * 100)}% 通过）`
    : STEP_MODE_LABELS[step.mode];
}

/** A step's time limit, for people; null without one. */
export function stepDueLabel(step: Pick<FlowStep, 'due'>): string | null {
  if (!step.due) return null;
  return 'workingDays' in step.due
    ? `${step.due.workingDays} 个工作日`
    : `${step.due.workingHours} 个工作小时`;
}

/** The initiator's choices (step key → user ids) and CC list (user ids), as stored with the business record. */
export interface StoredInitiatorOptions {
  approvers: Record<string, string[]>;
  cc: string[];
}

/**
 * Steps (or branches of a parallel node) whose approvers the initiator must name at submission, by key, in every
 * branch of the flow: the branch a process takes is known only from its variables.
 */
export function stepsNeedingChoice(
  nodes: FlowNode[],
): Array<Pick<FlowStep, 'key' | 'name' | 'mode' | 'approvers'>> {
  return allEngineSteps(nodes)
    .flatMap(({ step }) => approverGroups(step))
    .filter((g) => g.approvers.some((a) => a.type === 'initiator_choice'));
}

/**
 * The default flows seeded at database preparation. The seal application flow is SM-5(3): the applicant's own
 * seal management department first, then level by level upwards. Seal use (SM-12) is approved by the unit's
 * leader: only the leader may authorise use of the legal-name seal, so the default leaves no one else able to.
 */
export const DEFAULT_FLOWS: FlowDefinitionBodyInput[] = [
  {
    kind: 'seal_application',
    name: '电子印章申请审批（县、市、省三级）',
    steps: [0, 1, 2].map((levelsUp) => ({
      key: `level-${levelsUp + 1}`,
      name: ['本级印章管理部门审核', '上一级印章管理部门审核', '省级印章管理部门审核'][levelsUp]!,
      approvers: [
        {
          type: 'management_unit' as const,
          function: 'seal_management_department' as const,
          role: 'seal_reviewer' as const,
          levelsUp,
        },
      ],
      mode: 'single' as const,
      due: { workingDays: 5 },
      onBreach: 'notify_supervisor' as const,
    })),
  },
  {
    kind: 'seal_use',
    name: '用印审批（单位负责人）',
    steps: [
      {
        key: 'leader',
        name: '单位负责人审批',
        approvers: [{ type: 'department_leader' }],
        mode: 'single',
        due: { workingDays: 1 },
        onBreach: 'notify_supervisor',
      },
    ],
  },
  // Issue 12 Build 5: SM-15 — a cancellation is approved by the seal management department of the seal's
  // jurisdiction; SM-16 — so is the cancellation or restoration of a lost seal; SM-8 — and a renewal.
  // SM-5(1), SM-6: so are an organisation certificate's application, renewal and revocation.
  ...(
    [
      'seal_cancellation',
      'seal_loss_handling',
      'seal_renewal',
      'certificate_application',
      'certificate_renewal',
      'certificate_revocation',
    ] as const
  ).map((kind) => ({
    kind,
    name: {
      seal_cancellation: '电子印章注销审批（印章管理部门）',
      seal_loss_handling: '电子印章挂失处理审批（印章管理部门）',
      // SM-8: a renewal is reviewed like an application; one level is enough by default.
      seal_renewal: '电子印章续期审批（印章管理部门）',
      certificate_application: '机构数字证书申请审批（印章管理部门）',
      certificate_renewal: '机构数字证书更新审批（印章管理部门）',
      certificate_revocation: '机构数字证书吊销审批（印章管理部门）',
    }[kind],
    steps: [
      {
        key: 'seal-department',
        name: '印章管理部门审核',
        approvers: [
          {
            type: 'management_unit' as const,
            function: 'seal_management_department' as const,
            role: 'seal_reviewer' as const,
            levelsUp: 0,
          },
        ],
        mode: 'single' as const,
        due: { workingDays: 3 },
        onBreach: 'notify_supervisor' as const,
      },
    ],
  })),
  {
    // Issue 15 Build 5 (SM-14): a seal's custodian and deputy are changed with the unit leader's approval.
    kind: 'seal_custodian_change',
    name: '印章保管人变更审批（单位负责人）',
    steps: [
      {
        key: 'leader',
        name: '单位负责人审批',
        approvers: [{ type: 'department_leader' }],
        mode: 'single',
        due: { workingDays: 3 },
        onBreach: 'notify_supervisor',
      },
    ],
  },
  {
    // Issue 12 Build 1: 注销、撤销、吊销、废止 of a licence are decided by the issuing unit's leader.
    kind: 'licence_revocation',
    name: '证照注销、撤销、吊销、废止审批（单位负责人）',
    steps: [
      {
        key: 'leader',
        name: '单位负责人审批',
        approvers: [{ type: 'department_leader' }],
        mode: 'single',
        due: { workingDays: 3 },
        onBreach: 'notify_supervisor',
      },
    ],
  },
  {
    // Issue 16 Build 5 (LM-14): a using unit's usage list is approved by the management unit of its jurisdiction,
    // through its supervising staff.
    kind: 'licence_usage',
    name: '用证清单审批（管理单位）',
    steps: [
      {
        key: 'management-unit',
        name: '管理单位审核',
        approvers: [
          { type: 'management_unit', function: 'management_unit', role: 'supervisor', levelsUp: 0 },
        ],
        mode: 'single',
        due: { workingDays: 5 },
        onBreach: 'notify_supervisor',
      },
    ],
  },
];
