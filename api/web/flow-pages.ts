/**
 * Flow definition pages (zh-CN, 流程定义): the list (`/flows`), one definition with its steps (`/flows/:id`), and for
 * platform administrators a JSON editor (`/flows/new`, `/flows/:id/edit`) that saves a new version (`POST /flows`).
 * Saving goes through FlowDefinitionService, which validates, authorises and audits exactly as for the JSON API; a
 * refusal re-renders the editor with the problems in Chinese.
 */
import { Response, Router } from 'express';
import { Jurisdiction, Organisation } from '../../db/entities';
import {
  ApproverRule,
  BREACH_ACTION_LABELS,
  DEFAULT_FLOWS,
  FlowDefinitionBody,
  PROCESS_KIND_LABELS,
  PROCESS_KINDS,
  ProcessKind,
  STEP_MODE_LABELS,
  stepDueLabel,
  stepModeLabel,
} from '../../domain/flow-definition';
import { shanghaiDateTime } from '../../domain/format';
import { FUNCTION_LABELS, ROLE_LABELS } from '../../domain/roles';
import { requireRole } from '../auth';
import type { AppContext } from '../context';
import { FieldProblem, toApiError } from '../errors';
import type { Principal } from '../principal';
import type { ApprovalService } from '../services/approvals';
import { FlowDefinitionService } from '../services/flow-definitions';
import { problemsOf } from '../validation';
import { pageWithPendingCount } from './pending-count';
import { signedIn } from './render';
import { requestMeta } from '../principal';

const LEVEL_LABELS: Record<string, string> = {
  province: '省级',
  city: '市级',
  county: '县级',
  district: '区级',
  zone: '开发区',
};

function scopeLabel(
  d: { organisationId: string | null; jurisdictionLevel: string | null },
  orgs: Map<string, string>,
): string {
  return d.organisationId
    ? `单位定制：${orgs.get(d.organisationId) ?? d.organisationId}`
    : d.jurisdictionLevel
      ? `${LEVEL_LABELS[d.jurisdictionLevel] ?? d.jurisdictionLevel}默认`
      : '全平台默认';
}

export function flowPageRoutes(
  ctx: AppContext,
  approvals: ApprovalService,
  flows: FlowDefinitionService,
): Router {
  const router = Router();
  const page = pageWithPendingCount(approvals);

  router.get(
    '/flows',
    signedIn(async (req, res, principal) => {
      const all = req.query.all === 'true';
      const [definitions, organisations] = await Promise.all([
        flows.list(undefined, all),
        ctx.em().find(Organisation, {}),
      ]);
      const orgs = new Map(organisations.map((o) => [o.id, o.name]));
      res.send(
        await page('flows', {
          title: '流程定义',
          principal,
          nav: 'flows',
          all,
          isAdmin: principal.roles.includes('platform_admin'),
          flash:
            req.query.flash === 'saved'
              ? {
                  kind: 'ok',
                  text: '流程定义已保存为新版本，新提交的申请按新版本审批；已在办理中的流程仍按原版本。',
                }
              : undefined,
          definitions: definitions.map((d) => ({
            id: d.id,
            kindLabel: PROCESS_KIND_LABELS[d.kind] ?? d.kind,
            name: d.name,
            scope: scopeLabel(d, orgs),
            version: d.version,
            active: d.status === 'active',
            statusLabel: d.status === 'active' ? '生效中' : '已被新版本取代',
            steps: d.steps.map((s) => s.name).join(' → '),
            createdBy: d.createdBy,
            createdText: shanghaiDateTime(d.createdAt),
          })),
        }),
      );
    }),
  );

  const renderEditor = async (
    principal: Principal,
    opts: {
      json: string;
      base?: { id: string; version: number; name: string; scope: string };
      errors?: string[];
      status?: number;
    },
    res: Response,
  ) => {
    const organisations = await visibleOrganisations(ctx, principal);
    res.status(opts.status ?? 200).send(
      await page('flow-edit', {
        title: opts.base ? `编辑流程定义：${opts.base.name}` : '新建流程定义',
        principal,
        nav: 'flows',
        json: opts.json,
        base: opts.base,
        errors: opts.errors ?? [],
        organisations,
        roles: Object.entries(ROLE_LABELS).map(([value, label]) => ({ value, label })),
        functions: Object.entries(FUNCTION_LABELS).map(([value, label]) => ({ value, label })),
        kinds: PROCESS_KINDS.map((k) => ({ value: k, label: PROCESS_KIND_LABELS[k] })),
        modes: Object.entries(STEP_MODE_LABELS).map(([value, label]) => ({ value, label })),
        breachActions: Object.entries(BREACH_ACTION_LABELS).map(([value, label]) => ({ value, label })),
        levels: Object.entries(LEVEL_LABELS).map(([value, label]) => ({ value, label })),
      }),
    );
  };

  // Before '/flows/:id', which would otherwise take "new" for an id.
  router.get(
    '/flows/new',
    signedIn(async (req, res, principal) => {
      requireRole(principal, 'platform_admin');
      const kind = (PROCESS_KINDS as readonly string[]).includes(String(req.query.kind))
        ? (String(req.query.kind) as ProcessKind)
        : 'seal_application';
      const template = DEFAULT_FLOWS.find((f) => f.kind === kind) ?? DEFAULT_FLOWS[0]!;
      await renderEditor(principal, { json: JSON.stringify(template, null, 2) }, res);
    }),
  );

  router.get(
    '/flows/:id',
    signedIn(async (req, res, principal) => {
      const d = await flows.get(String(req.params.id));
      const organisations = await ctx.em().find(Organisation, {});
      const orgs = new Map(organisations.map((o) => [o.id, o.name]));
      res.send(
        await page('flow', {
          title: `流程定义：${d.name}`,
          principal,
          nav: 'flows',
          isAdmin: principal.roles.includes('platform_admin'),
          flash:
            req.query.flash === 'saved'
              ? {
                  kind: 'ok',
                  text: `已保存为第 ${d.version} 版，新提交的申请按此版本审批；办理中的流程仍按原版本。`,
                }
              : undefined,
          definition: {
            id: d.id,
            name: d.name,
            kindLabel: PROCESS_KIND_LABELS[d.kind] ?? d.kind,
            scope: scopeLabel(d, orgs),
            version: d.version,
            active: d.status === 'active',
            statusLabel: d.status === 'active' ? '生效中' : '已被新版本取代',
            createdBy: d.createdBy,
            createdText: shanghaiDateTime(d.createdAt),
            json: JSON.stringify(bodyOf(d), null, 2),
            steps: d.steps.map((s, i) => ({
              number: i + 1,
              key: s.key,
              name: s.name,
              modeLabel: stepModeLabel(s),
              approvers: s.approvers.map((a) => ruleText(a, orgs)).join('；'),
              due: stepDueLabel(s) ?? '不限',
              onBreach: BREACH_ACTION_LABELS[s.onBreach ?? 'notify_supervisor'],
              supervisor: s.supervisor ? ruleText(s.supervisor, orgs) : '',
            })),
          },
        }),
      );
    }),
  );

  router.get(
    '/flows/:id/edit',
    signedIn(async (req, res, principal) => {
      requireRole(principal, 'platform_admin');
      const d = await flows.get(String(req.params.id));
      const orgs = new Map((await ctx.em().find(Organisation, {})).map((o) => [o.id, o.name]));
      await renderEditor(
        principal,
        {
          json: JSON.stringify(bodyOf(d), null, 2),
          base: { id: d.id, version: d.version, name: d.name, scope: scopeLabel(d, orgs) },
        },
        res,
      );
    }),
  );

  router.post(
    '/flows',
    signedIn(async (req, res, principal) => {
      requireRole(principal, 'platform_admin');
      const raw = (req.body ?? {}) as Record<string, unknown>;
      const json = typeof raw.json === 'string' ? raw.json : '';
      const baseId = typeof raw.baseId === 'string' && raw.baseId ? raw.baseId : undefined;
      const base = baseId
        ? await flows.get(baseId).then(
            async (d) => {
              const orgs = new Map((await ctx.em().find(Organisation, {})).map((o) => [o.id, o.name]));
              return { id: d.id, version: d.version, name: d.name, scope: scopeLabel(d, orgs) };
            },
            () => undefined,
          )
        : undefined;
      const fail = (errors: string[]) => renderEditor(principal, { json, base, errors, status: 400 }, res);
      let data: unknown;
      try {
        data = JSON.parse(json);
      } catch (err) {
        return fail([jsonSyntaxMessage(json, err)]);
      }
      const parsed = FlowDefinitionBody.safeParse(data);
      if (!parsed.success) return fail(problemsOf(parsed.error).map(describeFlowProblem));
      try {
        const saved = await flows.save(principal, parsed.data, requestMeta(req));
        res.redirect(303, `/flows/${saved.id}?flash=saved`);
      } catch (err) {
        const apiError = toApiError(err);
        if (apiError.code === 'VALIDATION_FAILED') {
          return fail(((apiError.details as FieldProblem[]) ?? []).map(describeFlowProblem));
        }
        if (apiError.status === 403 || apiError.status === 409) return fail([apiError.message]);
        throw err;
      }
    }),
  );

  return router;
}

function bodyOf(d: {
  kind: string;
  name: string;
  organisationId: string | null;
  jurisdictionLevel: string | null;
  steps: unknown[];
}) {
  return {
    kind: d.kind,
    name: d.name,
    ...(d.organisationId ? { organisationId: d.organisationId } : {}),
    ...(d.jurisdictionLevel ? { jurisdictionLevel: d.jurisdictionLevel } : {}),
    steps: d.steps,
  };
}

function ruleText(rule: ApproverRule, orgs: Map<string, string>): string {
  switch (rule.type) {
    case 'user':
      return `指定人员 ${rule.userId}`;
    case 'role':
      return `${rule.organisationId ? (orgs.get(rule.organisationId) ?? rule.organisationId) : '发起单位'}的${ROLE_LABELS[rule.role] ?? rule.role}`;
    case 'department_leader':
      return '发起单位负责人';
    case 'management_unit':
      return `${rule.levelsUp === 0 ? '本级' : `上 ${rule.levelsUp} 级`}${FUNCTION_LABELS[rule.function] ?? rule.function}的${ROLE_LABELS[rule.role] ?? rule.role}`;
    case 'initiator_choice':
      return '发起人自选';
  }
}

const PATH_WORDS: Record<string, string> = {
  kind: '流程类型 kind',
  name: '名称 name',
  organisationId: '适用单位 organisationId',
  jurisdictionLevel: '辖区层级 jurisdictionLevel',
  steps: '步骤 steps',
  key: '步骤标识 key',
  approvers: '审批人规则 approvers',
  mode: '审批方式 mode',
  passRatio: '通过比例 passRatio',
  due: '办理时限 due',
  workingDays: '工作日 workingDays',
  workingHours: '工作小时 workingHours',
  onBreach: '超期处理 onBreach',
  supervisor: '监督人 supervisor',
  type: '规则类型 type',
  role: '角色 role',
  userId: '用户 userId',
  function: '单位职能 function',
  levelsUp: '向上级数 levelsUp',
  body: '整体',
};

/** `steps.1.approvers.0.organisationId` → “第 2 步 › 审批人规则第 1 条 › 适用单位 organisationId：…”. */
export function describeFlowProblem(p: FieldProblem): string {
  const parts = p.field.split('.');
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next = parts[i + 1];
    if (part === 'steps' && next !== undefined && /^\d+$/.test(next)) {
      words.push(`第 ${Number(next) + 1} 步`);
      i++;
    } else if (part === 'approvers' && next !== undefined && /^\d+$/.test(next)) {
      words.push(`审批人规则第 ${Number(next) + 1} 条`);
      i++;
    } else {
      words.push(PATH_WORDS[part] ?? part);
    }
  }
  return `${words.join(' › ')}（${p.field}）：${p.message}`;
}

/** A JSON syntax error with the line and column the administrator can find. */
function jsonSyntaxMessage(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  let line: number | undefined;
  let column: number | undefined;
  const lc = /line (\d+) column (\d+)/.exec(message);
  const pos = /position (\d+)/.exec(message);
  if (lc) {
    line = Number(lc[1]);
    column = Number(lc[2]);
  } else if (pos) {
    const before = text.slice(0, Number(pos[1]));
    line = before.split('\n').length;
    column = before.length - before.lastIndexOf('\n');
  }
  const where = line ? `第 ${line} 行第 ${column} 列附近` : '';
  return `JSON 格式错误${where ? `（${where}）` : ''}：请检查逗号、引号、括号是否成对，键名须用英文双引号。（${message}）`;
}

/** Organisations an administrator may name, for the reference beside the editor. */
async function visibleOrganisations(ctx: AppContext, principal: Principal) {
  const em = ctx.em();
  const [organisations, jurisdictions] = await Promise.all([
    em.find(Organisation, {}, { orderBy: { jurisdictionId: 'asc', id: 'asc' } }),
    em.find(Jurisdiction, {}),
  ]);
  const jname = new Map(jurisdictions.map((j) => [j.id, j.name]));
  const out = [];
  for (const o of organisations) {
    if (!(await ctx.jurisdictions.isWithin(principal.jurisdictionId, o.jurisdictionId))) continue;
    out.push({ id: o.id, name: o.name, jurisdiction: jname.get(o.jurisdictionId) ?? '' });
  }
  return out;
}
