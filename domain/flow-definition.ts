/**
 * Flow definitions: what an approval process's steps are, who approves each, how (one approver, countersign all or
 * by ratio, any one), by when (working days or working hours, DESIGN §3) and what happens on breach. Definitions
 * are stored in the database and versioned; a running process keeps the snapshot it started with. The zod schema
 * here is the single validator for the API, the editor and the seed.
 */
import { z } from 'zod';
import { ORGANISATION_FUNCTIONS, USER_ROLES } from './roles';

/** Every process kind that goes through the approval engine. */
export const PROCESS_KINDS = ['seal_application', 'seal_use'] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number];

export const PROCESS_KIND_LABELS: Record<ProcessKind, string> = {
  seal_application: '电子印章申请',
  seal_use: '用印申请',
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

export const FlowStep = z
  .object({
    key: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,39}$/, { message: '步骤标识应为小写字母开头的字母、数字、_ 或 -' }),
    name: z.string().trim().min(1).max(40),
    approvers: z.array(ApproverRule).min(1).max(20),
    mode: z.enum(STEP_MODES),
    /** Countersign by ratio: the step passes once this share of its members approve (会签按比例通过). */
    passRatio: z.number().gt(0).max(1).optional(),
    due: StepDue.optional(),
    onBreach: z.enum(BREACH_ACTIONS).default('notify_supervisor'),
    /** Who is told on breach (notify_supervisor) or takes the task over (escalate); defaults are documented below. */
    supervisor: ApproverRule.optional(),
    /** Reminders before and after the deadline (needs `due`). */
    reminders: StepReminders.optional(),
  })
  .strict();
export type FlowStep = z.infer<typeof FlowStep>;
export type FlowStepInput = z.input<typeof FlowStep>;

export const FlowDefinitionBody = z
  .object({
    kind: z.enum(PROCESS_KINDS),
    name: z.string().trim().min(2).max(60),
    /** The organisation the definition is for; absent for a default. */
    organisationId: z.string().min(1).optional(),
    /** For a default: the jurisdiction level it serves; absent for the platform-wide default. */
    jurisdictionLevel: z.enum(JURISDICTION_LEVELS).optional(),
    steps: z.array(FlowStep).min(1).max(20),
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
    const seen = new Set<string>();
    d.steps.forEach((s, i) => {
      if (seen.has(s.key)) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'key'], message: `步骤标识 ${s.key} 重复` });
      }
      seen.add(s.key);
      if (s.passRatio !== undefined && s.mode !== 'all') {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'passRatio'],
          message: '只有会签步骤可以按比例通过',
        });
      }
      if (s.mode === 'single') {
        if (s.approvers.length !== 1) {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'approvers'],
            message: '单人审批步骤只能有一条审批人规则',
          });
        }
      }
      // SM-12: the legal-name seal's use is decided by the unit leader alone. A seal_use flow applies to every seal
      // of its scope, the legal-name seal included, so no seal_use step may approve itself when its time runs out.
      if (d.kind === 'seal_use' && s.onBreach === 'auto_approve') {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'onBreach'],
          message:
            '用印审批不能设置超期“自动通过”：法定名称章的用印须由单位负责人决定，自动通过将绕过单位负责人，请改为通知监督人员、上报上一级或自动驳回',
        });
      }
      if (s.reminders && !s.due) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'reminders'], message: '设置催办提醒须先设置办理时限' });
      }
      if (s.reminders?.afterMax !== undefined && s.reminders.afterEveryWorkingHours === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'reminders', 'afterMax'],
          message: '设置超期提醒次数须同时设置超期提醒间隔（工作小时）',
        });
      }
      const choices = s.approvers.filter((a) => a.type === 'initiator_choice').length;
      if (choices > 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'approvers'],
          message: '“发起人自选”在一个步骤中只能出现一次',
        });
      }
    });
  });
export type FlowDefinitionBody = z.infer<typeof FlowDefinitionBody>;

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
  steps: FlowStep[];
}

/** How a step decides, for people: 单人审批, 或签, 会签 or 会签（60% 通过）. */
export function stepModeLabel(step: Pick<FlowStep, 'mode' | 'passRatio'>): string {
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

/** The initiator's choices (step key → user ids) and CC list (user ids), as stored with the business record. */
export interface StoredInitiatorOptions {
  approvers: Record<string, string[]>;
  cc: string[];
}

/** Steps whose approvers the initiator must name at submission. */
export function stepsNeedingChoice(steps: FlowStep[]): FlowStep[] {
  return steps.filter((s) => s.approvers.some((a) => a.type === 'initiator_choice'));
}

/**
 * The default flows seeded at database preparation. The seal application flow is SM-5(3): the applicant's own
 * seal management department first, then level by level upwards. Seal use (SM-12) is approved by the unit's
 * leader: only the leader may authorise use of the legal-name seal, so the default leaves no one else able to.
 */
export const DEFAULT_FLOWS: Array<z.input<typeof FlowDefinitionBody>> = [
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
];
