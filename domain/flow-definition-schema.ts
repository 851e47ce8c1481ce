/**
 * The approval flow's definition as an administrator submits it (issue 10, SM-5, SM-12), and the initiator's options
 * of a submission, validated at the edge. Kept apart from domain/flow-definition.ts so that the workflow bundle,
 * which Temporal evaluates for every new workflow, builds no zod schema (issue 19).
 */
import { z } from 'zod';
import { ORGANISATION_FUNCTIONS, USER_ROLES } from './roles';
import {
  allEngineSteps,
  ALWAYS_OFFERED,
  BREACH_ACTIONS,
  CONDITION_OPERATORS,
  conditionProblem,
  type EngineStep,
  isCondition,
  isParallel,
  JOIN_RULES,
  JURISDICTION_LEVELS,
  NO_APPROVER_RULES,
  PROCESS_KINDS,
  type ProcessKind,
  SIGNATURE_RULES,
  STEP_MODES,
  TASK_ACTION_LABELS,
  TASK_ACTIONS,
  type TaskActionName,
} from './flow-definition';

const Role = z.enum(USER_ROLES);

/** Who approves a step. Rules are resolved to people or departments when the step starts. */
export const ApproverRule = z.discriminatedUnion('type', [
  /** One named user. */
  z.object({ type: z.literal('user'), userId: z.string().min(1) }).strict(),
  /** Whoever holds a role in a named organisation, or in the initiator's own organisation. */
  z
    .object({
      type: z.literal('role'),
      role: Role,
      organisationId: z.string().min(1).optional(),
    })
    .strict(),
  /** The leader (role unit_leader) of the initiator's organisation. */
  z.object({ type: z.literal('department_leader') }).strict(),
  /**
   * The unit with an organisation function found walking up the jurisdiction tree from the initiator's: levelsUp 0
   * is the first one found (usually the initiator's own jurisdiction), 1 the next one up, and so on.
   */
  z
    .object({
      type: z.literal('management_unit'),
      function: z.enum(ORGANISATION_FUNCTIONS),
      role: Role,
      levelsUp: z.number().int().min(0).max(5),
    })
    .strict(),
  /** The users the initiator names for this step at submission. */
  z.object({ type: z.literal('initiator_choice') }).strict(),
]);
export type ApproverRule = z.infer<typeof ApproverRule>;
export const StepDue = z.union([
  z.object({ workingDays: z.number().int().min(1).max(60) }).strict(),
  z.object({ workingHours: z.number().int().min(1).max(480) }).strict(),
]);
export type StepDue = z.infer<typeof StepDue>;

/**
 * Reminders (催办提醒, issue 10 Build 1): an e-mail and an in-app notice to the step's open task holders, before the
 * deadline (at 09:00 on the k-th last working day up to the deadline's last day) and repeated after it (every N
 * working hours, at most M times). Owned by the clock (domain/approval-reminders.ts computes the times).
 */
export const StepReminders = z
  .object({
    beforeWorkingDays: z.number().int().min(1).max(10).optional(),
    afterEveryWorkingHours: z.number().int().min(1).max(70).optional(),
    afterMax: z.number().int().min(1).max(10).optional(),
  })
  .strict();
export type StepReminders = z.infer<typeof StepReminders>;

const StepKey = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, { message: '步骤标识应为小写字母开头的字母、数字、_ 或 -' });

/**
 * Options of a step (an approval step or a parallel node), issue 10: the task actions offered besides 同意/驳回
 * (default all), whether a reason is required on approve and/or reject, the handwritten signature on approve
 * (default none), and what happens when no approver is found (default reject).
 */
const STEP_OPTIONS = {
  actions: z.array(z.enum(TASK_ACTIONS)).max(TASK_ACTIONS.length).optional(),
  reasonRequired: z
    .object({ approve: z.boolean().optional(), reject: z.boolean().optional() })
    .strict()
    .optional(),
  signature: z.enum(SIGNATURE_RULES).optional(),
  noApprover: z.enum(NO_APPROVER_RULES).optional(),
  /** Reminders before and after the deadline (needs `due`); owned by the clock (issue 10). */
  reminders: StepReminders.optional(),
};

/** One approval step: who approves, how, by when. `type` may be left out (every step before issue 10 has none). */
export const FlowStep = z
  .object({
    type: z.literal('approval').optional(),
    key: StepKey,
    name: z.string().trim().min(1).max(40),
    approvers: z.array(ApproverRule).min(1).max(20),
    mode: z.enum(STEP_MODES),
    /** Countersign by ratio: the step passes once this share of its members approve (会签按比例通过). */
    passRatio: z.number().gt(0).max(1).optional(),
    due: StepDue.optional(),
    onBreach: z.enum(BREACH_ACTIONS).default('notify_supervisor'),
    /** Who is told on breach (notify_supervisor) or takes the task over (escalate); defaults are documented below. */
    supervisor: ApproverRule.optional(),
    ...STEP_OPTIONS,
  })
  .strict();
export type FlowStep = z.infer<typeof FlowStep>;
export type FlowStepInput = z.input<typeof FlowStep>;

/** One branch of a parallel node: its own approvers and mode; its tasks carry the branch's key. */
export const ParallelBranch = z
  .object({
    key: StepKey,
    name: z.string().trim().min(1).max(40),
    approvers: z.array(ApproverRule).min(1).max(20),
    mode: z.enum(STEP_MODES),
    passRatio: z.number().gt(0).max(1).optional(),
  })
  .strict();
export type ParallelBranch = z.infer<typeof ParallelBranch>;

/**
 * A parallel split and its join as ONE engine step (issue 10): every branch's tasks open together; join `all`
 * passes when every branch passes (a rejection in any branch rejects), join `any` lets the first branch to decide
 * (pass or reject) decide and cancels the others. A branch is one group of approvers, not a sequence of steps.
 */
export const ParallelNode = z
  .object({
    type: z.literal('parallel'),
    key: StepKey,
    name: z.string().trim().min(1).max(40),
    join: z.enum(JOIN_RULES),
    branches: z.array(ParallelBranch).min(2).max(10),
    due: StepDue.optional(),
    onBreach: z.enum(BREACH_ACTIONS).default('notify_supervisor'),
    supervisor: ApproverRule.optional(),
    ...STEP_OPTIONS,
  })
  .strict();
export type ParallelNode = z.infer<typeof ParallelNode>;

const Scalar = z.union([z.string().min(1).max(40), z.number()]);
/** A comparison of a process variable (PROCESS_VARIABLES) with a value, checked against the variable's type. */
export const Condition = z
  .object({
    variable: z.string().min(1).max(40),
    op: z.enum(CONDITION_OPERATORS),
    value: z.union([Scalar, z.array(Scalar).min(1).max(20)]),
  })
  .strict();
export type Condition = z.infer<typeof Condition>;

/** A node inside a conditional branch: an approval step or a parallel node (no gateway inside a gateway). */
export const BranchStep = z.discriminatedUnion('type', [FlowStep, ParallelNode]);
export type BranchStep = z.infer<typeof BranchStep>;

/**
 * A conditional gateway (issue 10): the first branch whose `when` holds for the process's variables is taken, else
 * `otherwise` (may be empty). Variables are fixed at submission, so the path is known from the start.
 */
export const ConditionNode = z
  .object({
    type: z.literal('condition'),
    key: StepKey,
    name: z.string().trim().min(1).max(40),
    branches: z
      .array(
        z
          .object({
            name: z.string().trim().min(1).max(40),
            when: Condition,
            steps: z.array(BranchStep).min(1).max(20),
          })
          .strict(),
      )
      .min(1, { message: '条件分支至少需要一个分支' })
      .max(10),
    otherwise: z.array(BranchStep).max(20),
  })
  .strict();
export type ConditionNode = z.infer<typeof ConditionNode>;

/** A node of a flow's top level. */
export const FlowNode = z.discriminatedUnion('type', [FlowStep, ParallelNode, ConditionNode]);
export type FlowNode = z.infer<typeof FlowNode>;
export type FlowNodeInput = z.input<typeof FlowNode>;

export const FlowDefinitionBody = z
  .object({
    kind: z.enum(PROCESS_KINDS),
    name: z.string().trim().min(2).max(60),
    /** The organisation the definition is for; absent for a default. */
    organisationId: z.string().min(1).optional(),
    /** For a default: the jurisdiction level it serves; absent for the platform-wide default. */
    jurisdictionLevel: z.enum(JURISDICTION_LEVELS).optional(),
    steps: z.array(FlowNode).min(1).max(20),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.organisationId && d.jurisdictionLevel) {
      ctx.addIssue({
        code: 'custom',
        path: ['jurisdictionLevel'],
        message: '为单位定制的流程不能同时指定辖区层级',
      });
    }
    const add = (path: Array<string | number>, message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (d.steps.every((n) => isCondition(n) && n.otherwise.length === 0)) {
      add(
        ['steps'],
        '流程在任何条件下都必须至少经过一个审批步骤：请在条件分支外添加步骤，或为默认分支添加步骤',
      );
    }
    // Keys are unique across the whole flow, every branch included (returns and choices name steps by key).
    const seen = new Set<string>();
    const key = (k: string, path: Array<string | number>) => {
      if (seen.has(k)) add(path, `步骤标识 ${k} 重复`);
      seen.add(k);
    };
    d.steps.forEach((n, i) => {
      if (!isCondition(n)) return;
      key(n.key, ['steps', i, 'key']);
      n.branches.forEach((b, j) => {
        const p = conditionProblem(d.kind, b.when);
        if (p) add(['steps', i, 'branches', j, 'when', p.field], p.message);
      });
    });
    for (const { step, path } of allEngineSteps(d.steps)) {
      key(step.key, [...path, 'key']);
      if (isParallel(step)) {
        step.branches.forEach((b, j) => {
          key(b.key, [...path, 'branches', j, 'key']);
          groupProblems(b, [...path, 'branches', j], add);
        });
      } else {
        groupProblems(step, path, add);
      }
      stepOptionProblems(d.kind, step, path, add);
      reminderProblems(step, path, add);
    }
  });
export type FlowDefinitionBody = z.infer<typeof FlowDefinitionBody>;
export type FlowDefinitionBodyInput = z.input<typeof FlowDefinitionBody>;

/** The clock's step options (issue 10): reminders count from a deadline, repeats need their interval; resume. */
function reminderProblems(
  step: { due?: StepDue; reminders?: StepReminders; actions?: readonly TaskActionName[] },
  path: Array<string | number>,
  add: (path: Array<string | number>, message: string) => void,
): void {
  if (step.reminders && !step.due) add([...path, 'reminders'], '设置催办提醒须先设置办理时限');
  if (step.reminders?.afterMax !== undefined && step.reminders.afterEveryWorkingHours === undefined) {
    add([...path, 'reminders', 'afterMax'], '设置超期提醒次数须同时设置超期提醒间隔（工作小时）');
  }
  // A step whose approver may suspend the clock must let them resume it (检验检测, 专家评审, 听证).
  if (step.actions?.includes('suspend') && !step.actions.includes('resume')) {
    add([...path, 'actions'], '提供“中止计时”的步骤须同时提供“恢复计时”');
  }
}

type AddIssue = (path: Array<string | number>, message: string) => void;

/** The rules of one group of approvers (a step, or a branch of a parallel node). */
function groupProblems(
  g: Pick<FlowStep, 'mode' | 'passRatio' | 'approvers'>,
  path: Array<string | number>,
  add: AddIssue,
): void {
  if (g.passRatio !== undefined && g.mode !== 'all')
    add([...path, 'passRatio'], '只有会签步骤可以按比例通过');
  if (g.mode === 'single' && g.approvers.length !== 1) {
    add([...path, 'approvers'], '单人审批步骤只能有一条审批人规则');
  }
  if (g.approvers.filter((a) => a.type === 'initiator_choice').length > 1) {
    add([...path, 'approvers'], '“发起人自选”在一个步骤中只能出现一次');
  }
}

/** The rules of a step's deadline and options. */
function stepOptionProblems(
  kind: ProcessKind,
  s: EngineStep,
  path: Array<string | number>,
  add: AddIssue,
): void {
  // SM-12: the legal-name seal's use is decided by the unit leader alone. A seal_use flow applies to every seal
  // of its scope, the legal-name seal included, so no seal_use step may approve itself when its time runs out.
  if (kind === 'seal_use' && s.onBreach === 'auto_approve') {
    add(
      [...path, 'onBreach'],
      '用印审批不能设置超期“自动通过”：法定名称章的用印须由单位负责人决定，自动通过将绕过单位负责人，请改为通知监督人员、上报上一级或自动驳回',
    );
  }
  if (s.actions) {
    const missing = ALWAYS_OFFERED.filter((a) => !s.actions!.includes(a));
    if (missing.length) {
      add([...path, 'actions'], `每个步骤都必须提供${missing.map((a) => TASK_ACTION_LABELS[a]).join('和')}`);
    }
    if (new Set(s.actions).size !== s.actions.length) add([...path, 'actions'], '操作不能重复');
  }
}

const Username = z.string().trim().min(1).max(64);

/**
 * What an initiator may add when starting any process: the approvers of steps whose rule is `initiator_choice`
 * (by step key), and users to CC. Users are named by username or id. Spread into each submission body.
 */
export const INITIATOR_OPTIONS = {
  approvers: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/), z.array(Username).min(1).max(20))
    .optional(),
  cc: z.array(Username).max(20).optional(),
};
export const InitiatorOptions = z.object(INITIATOR_OPTIONS).strict();
export type InitiatorOptions = z.infer<typeof InitiatorOptions>;
