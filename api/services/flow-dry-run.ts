/**
 * The dry run of a flow version (issue 9): before a version becomes active, every step's approvers are resolved,
 * with the engine's own resolution (activities/approver-resolution.ts), for each organisation whose new processes
 * of that kind would follow it:
 *
 * - an organisation's own flow: that organisation;
 * - a jurisdiction level's default: the organisations at that level inside the publisher's jurisdiction that have
 *   no active flow of their own for the kind;
 * - the platform default: every organisation on the platform with neither an active flow of its own nor an
 *   active default for its jurisdiction's level.
 *
 * Where more than DRY_RUN_SAMPLE_LIMIT (50) organisations would use it, a deterministic sample spread over the
 * jurisdictions is resolved (domain dryRunSample). A step that finds nobody for an organisation is a problem that
 * blocks publishing, unless the engine would skip it (a management level missing from the tree) or the initiator
 * names its approvers (initiator_choice). A flow whose every step would be skipped for an organisation is a
 * problem too: its processes would end approved with no one having approved them. A department without anyone in
 * the role is only a warning: the task waits in the department's inbox until someone holds the role.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { membersOf, resolveEngineStep } from '../../activities/approver-resolution';
import { FlowDefinition } from '../../db/approval-entities';
import { Jurisdiction, Organisation } from '../../db/entities';
import type { Assignee } from '../../domain/approval';
import {
  dryRunSample,
  DRY_RUN_SAMPLE_LIMIT,
  allEngineSteps,
  approverGroups,
  FlowNode,
  FlowScopeKind,
  flowScopeKind,
  PROCESS_KIND_LABELS,
  ProcessKind,
} from '../../domain/flow-definition';
import { ROLE_LABELS } from '../../domain/roles';
import type { FieldProblem } from '../errors';
import type { JurisdictionTree } from '../jurisdiction-tree';

export interface DryRunStep {
  /** The step's place among every step of every branch (a gateway's branches one after the other). */
  index: number;
  /** Where the step is in the definition, e.g. `steps.1.branches.0.steps.0` (issue 10). */
  path: string;
  key: string;
  name: string;
  /** Who the step would go to, as people read it: a person (organisation) or a department's role. */
  approvers: string[];
  /** The initiator names (some of) the approvers at submission. */
  initiatorChooses: boolean;
  /** The engine would skip the step for this organisation (no such management level above it). */
  skipped: boolean;
  /** Publishing is refused because of this, in Chinese. */
  problem: string | null;
  /** Worth knowing, not blocking: e.g. a department in which nobody holds the role yet. */
  warning: string | null;
}

export interface DryRunOrganisation {
  organisationId: string;
  organisationName: string;
  jurisdictionName: string;
  steps: DryRunStep[];
  /** A problem of the flow as a whole for this organisation (every step skipped). */
  problem: string | null;
}

export interface DryRun {
  definitionId: string;
  kind: ProcessKind;
  version: number;
  scope: FlowScopeKind;
  /** How many organisations would follow the version; `organisations` holds those resolved (at most `limit`). */
  organisationsInScope: number;
  sampled: boolean;
  limit: number;
  organisations: DryRunOrganisation[];
  /** Every blocking problem, by field (`steps.N.approvers`, or `steps` for the flow as a whole). */
  problems: FieldProblem[];
  ok: boolean;
}

type FlowLike = Pick<FlowDefinition, 'id' | 'kind' | 'version' | 'organisationId' | 'jurisdictionLevel'> & {
  steps: FlowNode[];
};

/** The organisations whose new processes of the definition's kind would follow it, were it active. */
async function organisationsInScope(
  em: EntityManager,
  tree: JurisdictionTree,
  d: FlowLike,
  publisherJurisdictionId: string,
): Promise<Organisation[]> {
  if (d.organisationId) {
    const o = await em.findOne(Organisation, { id: d.organisationId });
    return o ? [o] : [];
  }
  const [organisations, jurisdictions, actives] = await Promise.all([
    em.find(Organisation, {}, { orderBy: { id: 'asc' } }),
    tree.all(),
    em.find(FlowDefinition, { kind: d.kind, status: 'active' }),
  ]);
  const levelOf = new Map(jurisdictions.map((j) => [j.id, j.level]));
  const ownFlow = new Set(actives.filter((a) => a.organisationId).map((a) => a.organisationId!));
  const levelDefaults = new Set(actives.filter((a) => a.jurisdictionLevel).map((a) => a.jurisdictionLevel!));
  const out: Organisation[] = [];
  for (const o of organisations) {
    if (ownFlow.has(o.id)) continue;
    const level = levelOf.get(o.jurisdictionId);
    if (d.jurisdictionLevel) {
      if (level !== d.jurisdictionLevel) continue;
      if (!(await tree.isWithin(publisherJurisdictionId, o.jurisdictionId))) continue;
    } else if (level && levelDefaults.has(level)) {
      continue;
    }
    out.push(o);
  }
  return out;
}

function label(a: Assignee): string {
  return a.kind === 'user'
    ? `${a.displayName}（${a.organisationName}）`
    : `${a.organisationName}的${ROLE_LABELS[a.role] ?? a.role}`;
}

/** Resolves every step of a version for the organisations that would follow it; changes nothing. */
export async function dryRunFlow(
  em: EntityManager,
  tree: JurisdictionTree,
  d: FlowLike,
  publisherJurisdictionId: string,
): Promise<DryRun> {
  const all = await organisationsInScope(em, tree, d, publisherJurisdictionId);
  const sample = dryRunSample(all);
  const jurisdictionNames = new Map((await em.find(Jurisdiction, {})).map((j) => [j.id, j.name]));
  const kindLabel = PROCESS_KIND_LABELS[d.kind] ?? d.kind;
  const problems: FieldProblem[] = [];
  const organisations: DryRunOrganisation[] = [];
  for (const o of sample) {
    const steps: DryRunStep[] = [];
    // Every step of every branch: which branch a process takes depends on its data (issue 10).
    for (const [index, { step, path }] of allEngineSteps(d.steps).entries()) {
      const field = path.join('.');
      const initiatorChooses = approverGroups(step).some((g) =>
        g.approvers.some((a) => a.type === 'initiator_choice'),
      );
      const result: DryRunStep = {
        index,
        path: field,
        key: step.key,
        name: step.name,
        approvers: [],
        initiatorChooses,
        skipped: false,
        problem: null,
        warning: null,
      };
      try {
        const resolved = await resolveEngineStep(em, {
          initiator: null,
          organisationId: o.id,
          jurisdictionId: o.jurisdictionId,
          step,
          choices: {},
          approverAuthority: null,
        });
        result.approvers = resolved.assignees.map(label);
        if (initiatorChooses) result.approvers.push('发起人自选');
        // A parallel node's branches each need someone (or are skipped); the no-approver rule may have found one.
        const groups = resolved.branches ?? [{ key: step.key, ...resolved }];
        const choosing = (key: string) =>
          approverGroups(step).some(
            (g) => g.key === key && g.approvers.some((a) => a.type === 'initiator_choice'),
          );
        const empty = groups.filter((g) => g.assignees.length === 0 && !g.skippable && !choosing(g.key));
        if (groups.every((g) => g.assignees.length === 0 && g.skippable)) result.skipped = true;
        else if (empty.length) result.problem = `步骤“${step.name}”（${step.key}）在${o.name}找不到审批人`;
        if (resolved.note || groups.some((g) => g.note)) {
          result.warning = [resolved.note, ...groups.map((g) => g.note)].filter(Boolean).join('；');
        }
        const vacant: string[] = [];
        for (const a of resolved.assignees) {
          if (a.kind === 'group' && (await membersOf(em, a)).length === 0) vacant.push(label(a));
        }
        if (vacant.length) result.warning = `${vacant.join('、')}目前无人在岗，任务将等待该角色有人办理`;
      } catch (err) {
        result.problem = `步骤“${step.name}”（${step.key}）在${o.name}无法确定审批人：${err instanceof Error ? err.message : String(err)}`;
      }
      if (result.problem) {
        problems.push({
          field: `${field}.approvers`,
          rule: 'resolvable',
          message: `${result.problem}，发布后该单位的${kindLabel}将被直接驳回`,
        });
      }
      steps.push(result);
    }
    let problem: string | null = null;
    if (steps.length > 0 && steps.every((s) => s.skipped)) {
      problem = `对${o.name}，流程的每一步都找不到审批单位而会被跳过，${kindLabel}将无人审批即通过`;
      problems.push({ field: 'steps', rule: 'approver_required', message: problem });
    }
    organisations.push({
      organisationId: o.id,
      organisationName: o.name,
      jurisdictionName: jurisdictionNames.get(o.jurisdictionId) ?? o.jurisdictionId,
      steps,
      problem,
    });
  }
  return {
    definitionId: d.id,
    kind: d.kind,
    version: d.version,
    scope: flowScopeKind(d),
    organisationsInScope: all.length,
    sampled: all.length > sample.length,
    limit: DRY_RUN_SAMPLE_LIMIT,
    organisations,
    problems,
    ok: problems.length === 0,
  };
}
