/**
 * Flow definition pages (zh-CN, 流程定义): the list (`/flows`: active versions, drafts, every version), one version
 * with its steps (`/flows/:id`), and for platform administrators a JSON editor (`/flows/new`, `/flows/:id/edit`)
 * that saves a new version as a draft (`POST /flows`). A draft's page shows its dry run (organisation × step → the
 * approvers, or the problem) and a 发布 button (`POST /flows/:id/publish`); a superseded version's page a 恢复此版本
 * button (`POST /flows/:id/restore`). Everything goes through FlowDefinitionService, which validates, authorises
 * and audits exactly as for the JSON API; a refusal re-renders the page with the problems in Chinese.
 */
import { Request, Response, Router } from 'express';
import type { FlowDefinition } from '../../db/approval-entities';
import {
  allEngineSteps,
  ApproverRule,
  BREACH_ACTION_LABELS,
  DEFAULT_FLOWS,
  EngineStep,
  FLOW_STATUS_LABELS,
  FlowNode,
  JOIN_RULE_LABELS,
  JURISDICTION_LEVEL_LABELS,
  PROCESS_KIND_LABELS,
  PROCESS_KINDS,
  ProcessKind,
  STEP_MODE_LABELS,
  stepDueLabel,
  stepModeLabel,
} from '../../domain/flow-definition';
import { FlowDefinitionBody } from '../../domain/flow-definition-schema';
import { shanghaiDateTime } from '../../domain/format';
import { FUNCTION_LABELS, ROLE_LABELS } from '../../domain/roles';
import { requireRole } from '../auth';
import type { AppContext } from '../context';
import { FieldProblem, toApiError } from '../errors';
import type { Principal } from '../principal';
import type { ApprovalService } from '../services/approvals';
import { DirectoryService } from '../services/directory';
import { FlowDefinitionService } from '../services/flow-definitions';
import { problemsOf } from '../validation';
import { OTHERWISE_LABEL } from '../../domain/flow-branches';
import { flowDiagramSvg } from '../../presentation/flow-diagram';
import { flowDiagramNodes } from '../../presentation/flow-diagram-nodes';
import {
  applyEditorFields,
  applyEditorOp,
  editorGateways,
  variableHints,
} from '../../presentation/flow-editor';
import { pageWithPendingCount } from './pending-count';
import { peopleByUnit } from './people-picker';
import { signedIn } from './render';
import { requestMeta } from '../principal';

const LEVEL_LABELS: Record<string, string> = JURISDICTION_LEVEL_LABELS;

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
  const directory = new DirectoryService(ctx);
  const page = pageWithPendingCount(approvals);

  router.get(
    '/flows',
    signedIn(async (req, res, principal) => {
      const tab = req.query.all === 'true' ? 'all' : req.query.status === 'draft' ? 'draft' : 'active';
      const [definitions, orgs] = await Promise.all([
        tab === 'all'
          ? flows.list(undefined, true)
          : flows.list(undefined, false, tab === 'draft' ? 'draft' : 'active'),
        directory.organisationNames(),
      ]);
      res.send(
        await page('flows', {
          title: '流程定义',
          principal,
          nav: 'flows',
          all: tab === 'all',
          drafts: tab === 'draft',
          active: tab === 'active',
          isAdmin: principal.roles.includes('platform_admin'),
          definitions: definitions.map((d) => ({
            id: d.id,
            kindLabel: PROCESS_KIND_LABELS[d.kind] ?? d.kind,
            name: d.name,
            scope: scopeLabel(d, orgs),
            version: d.version,
            ...statusView(d),
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
      previewNote?: string;
    },
    res: Response,
  ) => {
    const organisations = await directory.organisationsWithin(principal.jurisdictionId);
    const data = parseJson(opts.json);
    res.status(opts.status ?? 200).send(
      await page('flow-edit', {
        title: opts.base ? `编辑流程定义：${opts.base.name}` : '新建流程定义',
        principal,
        nav: 'flows',
        json: opts.json,
        base: opts.base,
        errors: opts.errors ?? [],
        previewNote: opts.previewNote,
        diagram: diagramOf(data),
        gateways: editorGateways(data),
        variableHints: variableHints(isRecord(data) ? data.kind : undefined),
        organisations,
        // Issue 17 Build 6: a designated person ({"type":"user"}) found by unit and name, not by user id.
        userRulePeople: peopleByUnit(await directory.pickableStaff(organisations), []),
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

  const FLASH: Record<string, (d: FlowDefinition) => string> = {
    saved: (d) =>
      `已保存为第 ${d.version} 版草稿。草稿不影响任何申请；请核对下方的试运行结果，确认无误后点击“发布”。`,
    published: (d) =>
      `第 ${d.version} 版已发布并生效，新提交的申请按此版本审批；原生效版本已被取代，办理中的流程仍按原版本。`,
    restored: (d) =>
      `已恢复为第 ${d.version} 版${d.restoredFromId ? '（内容同所恢复的版本）' : ''}并生效，新提交的申请按此版本审批；办理中的流程仍按原版本。`,
  };

  /** One version's page; `errors` are a refused publish or restore, shown next to its button. */
  const renderFlow = async (
    req: Request,
    res: Response,
    principal: Principal,
    id: string,
    opts: { errors?: string[]; status?: number } = {},
  ) => {
    const d = await flows.get(id);
    const orgs = await directory.organisationNames();
    const mayChange = await flows.mayChange(principal, d);
    const dryRun =
      mayChange && d.status === 'draft' ? await flows.preview(principal, d.id, requestMeta(req)) : null;
    const restoredFrom = d.restoredFromId
      ? await flows.get(d.restoredFromId).then(
          (r) => ({ id: r.id, version: r.version }),
          () => null,
        )
      : null;
    const flash = typeof req.query.flash === 'string' ? FLASH[req.query.flash] : undefined;
    res.status(opts.status ?? 200).send(
      await page('flow', {
        title: `流程定义：${d.name}`,
        principal,
        nav: 'flows',
        isAdmin: principal.roles.includes('platform_admin'),
        mayChange,
        errors: opts.errors ?? [],
        flash: flash && !opts.errors?.length ? { kind: 'ok', text: flash(d) } : undefined,
        definition: {
          id: d.id,
          name: d.name,
          kindLabel: PROCESS_KIND_LABELS[d.kind] ?? d.kind,
          scope: scopeLabel(d, orgs),
          version: d.version,
          ...statusView(d),
          createdBy: d.createdBy,
          createdText: shanghaiDateTime(d.createdAt),
          publishedBy: d.publishedBy,
          publishedText: d.publishedAt ? shanghaiDateTime(d.publishedAt) : null,
          restoredFrom,
          json: JSON.stringify(bodyOf(d), null, 2),
          steps: stepRows(d.steps, orgs),
          diagram: flowDiagramSvg(flowDiagramNodes(d.kind, d.steps), { title: `流程图：${d.name}` }),
        },
        dryRun: dryRun && {
          ok: dryRun.ok,
          organisationsInScope: dryRun.organisationsInScope,
          checked: dryRun.organisations.length,
          sampled: dryRun.sampled,
          limit: dryRun.limit,
          problems: dryRun.problems.map((p) => p.message),
          stepHeads: allEngineSteps(d.steps).map(({ step: s }, i) => ({
            number: i + 1,
            name: s.name,
            key: s.key,
          })),
          rows: dryRun.organisations.map((o) => ({
            organisationName: o.organisationName,
            jurisdictionName: o.jurisdictionName,
            problem: o.problem,
            cells: o.steps.map((s) => ({
              problem: s.problem,
              skipped: s.skipped,
              approvers: s.approvers.join('、'),
              warning: s.warning,
            })),
          })),
        },
      }),
    );
  };

  router.get(
    '/flows/:id',
    signedIn(async (req, res, principal) => {
      await renderFlow(req, res, principal, String(req.params.id));
    }),
  );

  for (const action of ['publish', 'restore'] as const) {
    router.post(
      `/flows/:id/${action}`,
      signedIn(async (req, res, principal) => {
        const id = String(req.params.id);
        try {
          const { definition } =
            action === 'publish'
              ? await flows.publish(principal, id, requestMeta(req))
              : await flows.restore(principal, id, requestMeta(req));
          res.redirect(
            303,
            `/flows/${definition.id}?flash=${action === 'publish' ? 'published' : 'restored'}`,
          );
        } catch (err) {
          const apiError = toApiError(err);
          if (apiError.code === 'VALIDATION_FAILED') {
            const problems = (apiError.details as FieldProblem[]) ?? [];
            return renderFlow(req, res, principal, id, {
              errors: problems.map((p) =>
                p.field.endsWith('.approvers') || p.field === 'steps' ? p.message : describeFlowProblem(p),
              ),
              status: 400,
            });
          }
          if (apiError.status === 403 || apiError.status === 409) {
            return renderFlow(req, res, principal, id, {
              errors: [apiError.message],
              status: apiError.status,
            });
          }
          throw err;
        }
      }),
    );
  }

  router.get(
    '/flows/:id/edit',
    signedIn(async (req, res, principal) => {
      requireRole(principal, 'platform_admin');
      const d = await flows.get(String(req.params.id));
      const orgs = await directory.organisationNames();
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
              const orgs = await directory.organisationNames();
              return { id: d.id, version: d.version, name: d.name, scope: scopeLabel(d, orgs) };
            },
            () => undefined,
          )
        : undefined;
      let data: unknown;
      try {
        data = JSON.parse(json);
      } catch (err) {
        return renderEditor(
          principal,
          { json, base, errors: [jsonSyntaxMessage(json, err)], status: 400 },
          res,
        );
      }
      // Issue 10: the branch form's fields, then the button's operation, change the JSON before anything else.
      const op = typeof raw.op === 'string' ? raw.op : 'save';
      if (isRecord(data)) {
        applyEditorFields(data, raw);
        if (op !== 'save' && op !== 'preview') applyEditorOp(data, op);
      }
      const edited = isRecord(data) ? JSON.stringify(data, null, 2) : json;
      const fail = (errors: string[]) =>
        renderEditor(principal, { json: edited, base, errors, status: 400 }, res);
      const parsed = FlowDefinitionBody.safeParse(data);
      if (op !== 'save') {
        return renderEditor(
          principal,
          {
            json: edited,
            base,
            errors: parsed.success ? [] : problemsOf(parsed.error).map(describeFlowProblem),
            previewNote: '流程图已按当前内容更新，尚未保存。确认无误后点击“保存为新版本”。',
          },
          res,
        );
      }
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

function statusView(d: { status: FlowDefinition['status'] }) {
  return {
    status: d.status,
    active: d.status === 'active',
    draft: d.status === 'draft',
    superseded: d.status === 'superseded',
    statusLabel: FLOW_STATUS_LABELS[d.status] ?? d.status,
    badgeClass: d.status === 'active' ? 'approved' : d.status === 'draft' ? 'pending' : '',
  };
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

/** Every step of the flow, in every branch, as a row of the steps table: where it sits, who decides, how. */
function stepRows(nodes: FlowNode[], orgs: Map<string, string>) {
  const row = (s: EngineStep, where: string) => ({
    key: s.key,
    name: s.name,
    where,
    modeLabel: s.type === 'parallel' ? `并行（${JOIN_RULE_LABELS[s.join]}）` : stepModeLabel(s),
    approvers:
      s.type === 'parallel'
        ? s.branches
            .map(
              (b) =>
                `${b.name}：${b.approvers.map((a) => ruleText(a, orgs)).join('、')}（${stepModeLabel(b)}）`,
            )
            .join('；')
        : s.approvers.map((a) => ruleText(a, orgs)).join('；'),
    due: stepDueLabel(s) ?? '不限',
    onBreach: BREACH_ACTION_LABELS[s.onBreach ?? 'notify_supervisor'],
    supervisor: s.supervisor ? ruleText(s.supervisor, orgs) : '',
  });
  return nodes
    .flatMap((n) =>
      n.type === 'condition'
        ? [
            ...n.branches.flatMap((b) => b.steps.map((s) => row(s, `${n.name} › ${b.name}`))),
            ...n.otherwise.map((s) => row(s, `${n.name} › ${OTHERWISE_LABEL}`)),
          ]
        : [row(n, '')],
    )
    .map((r, i) => ({ ...r, number: i + 1 }));
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
  return `${words.join(' › ')}：${p.message}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The diagram of a definition that passes validation, or null (the page says to correct it first). */
function diagramOf(data: unknown): string | null {
  const parsed = FlowDefinitionBody.safeParse(data);
  if (!parsed.success) return null;
  return flowDiagramSvg(flowDiagramNodes(parsed.data.kind, parsed.data.steps), {
    title: `流程图：${parsed.data.name}`,
  });
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
  // The parser's own (English) message stays out: the place and the usual causes are what helps.
  return `流程定义的格式有误${where ? `（${where}）` : ''}：请检查逗号、引号、括号是否成对，键名须用半角双引号。`;
}
