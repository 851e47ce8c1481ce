/**
 * Flow definitions over the API (issue 9): anyone signed in may read them (they say who approves what). Changing
 * them is for the platform administrators of management units, each inside its own scope:
 *
 * - an organisation's own flow: an administrator of a management unit whose jurisdiction contains the organisation;
 * - a jurisdiction level's default and the platform default apply across the whole city, so they belong to the
 *   city's top management unit alone: the management unit of the platform's city, i.e. of the highest jurisdiction
 *   of level `city` in the tree (晋城市 in the seed, under 山西省). Its administrators may set level defaults for
 *   their own level and below (city, county, district, zone), never for the province above.
 *
 * Anyone else is refused with 403, recorded in the audit log as denied. Saving makes a draft, which changes nothing;
 * publishing a draft, or restoring a superseded version, first runs the dry run (./flow-dry-run.ts) and is refused
 * with 400 if a step would find no approver for an organisation that would follow it. A definition is checked
 * three times: its shape by the zod schema (including SM-12: no `auto_approve` on a seal_use step), what it names
 * (users, organisations) against the database, and what it resolves to by the dry run.
 */
import { recordAudit } from '../../db/audit';
import { FlowDefinition } from '../../db/approval-entities';
import { AppUser, Organisation } from '../../db/entities';
import {
  ActivationResult,
  publishFlowDefinition,
  restoreFlowDefinition,
  saveFlowDefinition,
} from '../../db/flow-definitions';
import {
  allEngineSteps,
  ApproverRule,
  FlowJurisdictionLevel,
  FlowStatus,
  JURISDICTION_LEVEL_LABELS,
  isParallel,
  levelAtOrBelow,
  PROCESS_KINDS,
  ProcessKind,
} from '../../domain/flow-definition';
import { FlowDefinitionBody } from '../../domain/flow-definition-schema';
import { isCityWideAdmin } from '../city-wide';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, FieldProblem, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { problemsOf } from '../validation';
import { dryRunFlow, DryRun } from './flow-dry-run';

type Scope = {
  kind: ProcessKind;
  organisationId: string | null;
  jurisdictionLevel: FlowJurisdictionLevel | null;
};

export class FlowDefinitionService {
  constructor(private readonly ctx: AppContext) {}

  /** Active versions by default; `status` one status; `includeAll` every version. */
  async list(kind?: ProcessKind, includeAll = false, status?: FlowStatus): Promise<FlowDefinition[]> {
    return this.ctx.em().find(
      FlowDefinition,
      {
        ...(kind ? { kind } : { kind: { $in: [...PROCESS_KINDS] } }),
        ...(includeAll ? {} : { status: status ?? 'active' }),
      },
      { orderBy: { kind: 'asc', organisationId: 'asc', jurisdictionLevel: 'asc', version: 'desc' } },
    );
  }

  async get(id: string): Promise<FlowDefinition> {
    const d = await this.ctx.em().findOne(FlowDefinition, { id });
    if (!d) throw notFound('流程定义');
    return d;
  }

  /** Saves a new version of a scope as a draft. */
  async save(principal: Principal, body: FlowDefinitionBody, meta: RequestMeta): Promise<FlowDefinition> {
    const em = this.ctx.em();
    if (body.organisationId && !(await em.findOne(Organisation, { id: body.organisationId }))) {
      throw badRequest([
        { field: 'organisationId', rule: 'exists', message: `单位 ${body.organisationId} 不存在` },
      ]);
    }
    const scope = {
      kind: body.kind,
      organisationId: body.organisationId ?? null,
      jurisdictionLevel: body.jurisdictionLevel ?? null,
    };
    await this.authorise(principal, scope, 'flow_definition.save', null, meta);
    const problems = await this.referenceProblems(body);
    if (problems.length) throw badRequest(problems);
    const saved = await saveFlowDefinition(em, body, principal.username);
    await this.audit(principal, 'flow_definition.save', saved, 'success', {}, meta);
    return saved;
  }

  /** The dry run of a version, for those who may publish or restore it. */
  async preview(principal: Principal, id: string, meta: RequestMeta): Promise<DryRun> {
    const d = await this.get(id);
    await this.authorise(principal, d, 'flow_definition.preview', d.id, meta);
    return dryRunFlow(this.ctx.em(), this.ctx.jurisdictions, d, principal.jurisdictionId);
  }

  /** May this principal publish or restore versions of the definition's scope? (For the pages' buttons.) */
  async mayChange(principal: Principal, d: Scope): Promise<boolean> {
    return (await this.refusal(principal, d)) === null;
  }

  /** Publishes a draft after its dry run: it becomes active, the scope's active version superseded. */
  async publish(
    principal: Principal,
    id: string,
    meta: RequestMeta,
  ): Promise<{ definition: FlowDefinition; dryRun: DryRun }> {
    const d = await this.get(id);
    await this.authorise(principal, d, 'flow_definition.publish', d.id, meta);
    if (d.status !== 'draft') {
      throw conflict(
        `第 ${d.version} 版不是草稿（${d.status === 'active' ? '已生效' : '已被取代'}），无需发布`,
      );
    }
    const dryRun = await this.dryRunOrRefuse(principal, d, 'flow_definition.publish', meta);
    const result = await publishFlowDefinition(this.ctx.em(), d.id, principal.username);
    const published = this.activated(result, d);
    await this.audit(
      principal,
      'flow_definition.publish',
      published,
      'success',
      {
        superseded: result.ok && result.superseded ? result.superseded.version : null,
        ...this.sampleOf(dryRun),
      },
      meta,
    );
    return { definition: published, dryRun };
  }

  /** Restores a superseded version: a new active version of its scope with its steps, after the dry run. */
  async restore(
    principal: Principal,
    id: string,
    meta: RequestMeta,
  ): Promise<{ definition: FlowDefinition; dryRun: DryRun }> {
    const d = await this.get(id);
    await this.authorise(principal, d, 'flow_definition.restore', d.id, meta);
    if (d.status !== 'superseded') {
      throw conflict(
        d.status === 'draft'
          ? `第 ${d.version} 版是草稿，从未生效过，请直接发布`
          : `第 ${d.version} 版正在生效，无需恢复`,
      );
    }
    // The rules of today apply to an old version too (e.g. SM-12's, added after it was saved).
    const parsed = FlowDefinitionBody.safeParse({
      kind: d.kind,
      name: d.name,
      ...(d.organisationId ? { organisationId: d.organisationId } : {}),
      ...(d.jurisdictionLevel ? { jurisdictionLevel: d.jurisdictionLevel } : {}),
      steps: d.steps,
    });
    if (!parsed.success) {
      const problems = problemsOf(parsed.error);
      await this.audit(principal, 'flow_definition.restore', d, 'rejected', { problems }, meta);
      throw badRequest(problems);
    }
    const references = await this.referenceProblems(parsed.data);
    if (references.length) {
      await this.audit(principal, 'flow_definition.restore', d, 'rejected', { problems: references }, meta);
      throw badRequest(references);
    }
    const dryRun = await this.dryRunOrRefuse(principal, d, 'flow_definition.restore', meta);
    const result = await restoreFlowDefinition(this.ctx.em(), d.id, principal.username);
    const restored = this.activated(result, d);
    await this.audit(
      principal,
      'flow_definition.restore',
      restored,
      'success',
      {
        restoredFrom: { id: d.id, version: d.version },
        superseded: result.ok && result.superseded ? result.superseded.version : null,
        ...this.sampleOf(dryRun),
      },
      meta,
    );
    return { definition: restored, dryRun };
  }

  private async dryRunOrRefuse(
    principal: Principal,
    d: FlowDefinition,
    action: string,
    meta: RequestMeta,
  ): Promise<DryRun> {
    const dryRun = await dryRunFlow(this.ctx.em(), this.ctx.jurisdictions, d, principal.jurisdictionId);
    if (!dryRun.ok) {
      await this.audit(
        principal,
        action,
        d,
        'rejected',
        { problems: dryRun.problems.map((p) => `${p.field}: ${p.message}`) },
        meta,
      );
      throw badRequest(dryRun.problems);
    }
    return dryRun;
  }

  private sampleOf(dryRun: DryRun) {
    return {
      organisationsInScope: dryRun.organisationsInScope,
      organisationsChecked: dryRun.organisations.length,
    };
  }

  /** The version the database made active, or the matching error when another change came first. */
  private activated(result: ActivationResult, d: FlowDefinition): FlowDefinition {
    if (result.ok) return result.definition;
    switch (result.reason) {
      case 'not_found':
        throw notFound('流程定义');
      case 'not_draft':
        throw conflict(`第 ${d.version} 版已不是草稿（可能刚被他人发布），请刷新后查看`);
      case 'newer_active':
        throw conflict(
          `同一适用范围的第 ${result.activeVersion} 版已经生效，第 ${d.version} 版草稿已过时；如仍需使用，请基于它另存为新版本后发布`,
        );
      case 'not_superseded':
        throw conflict(`第 ${d.version} 版已不是被取代的版本，请刷新后查看`);
    }
  }

  /** Throws 403 (audited as denied) unless the principal may change flows of the scope. */
  private async authorise(
    principal: Principal,
    scope: Scope,
    action: string,
    targetId: string | null,
    meta: RequestMeta,
  ): Promise<void> {
    const refusal = await this.refusal(principal, scope);
    if (refusal === null) return;
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action,
      targetType: 'flow_definition',
      targetId,
      outcome: 'denied',
      details: {
        reason: refusal,
        kind: scope.kind,
        organisationId: scope.organisationId,
        jurisdictionLevel: scope.jurisdictionLevel,
      },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    const error = new ApiError('FORBIDDEN', refusal);
    error.audited = true;
    throw error;
  }

  /** Why the principal may not change flows of the scope, in Chinese; null if they may. */
  private async refusal(principal: Principal, scope: Scope): Promise<string | null> {
    if (!principal.roles.includes('platform_admin')) return '只有平台管理员可以维护审批流程';
    if (!principal.organisationFunctions.includes('management_unit')) {
      return '只有管理单位的平台管理员可以维护审批流程';
    }
    if (scope.organisationId) {
      const organisation = await this.ctx.em().findOne(Organisation, { id: scope.organisationId });
      if (
        !organisation ||
        !(await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, organisation.jurisdictionId))
      ) {
        return '只能为本辖区内的单位定制审批流程';
      }
      return null;
    }
    const top = await this.ctx.jurisdictions.cityTop();
    if (!top || !isCityWideAdmin(principal, top)) {
      return scope.jurisdictionLevel
        ? `${JURISDICTION_LEVEL_LABELS[scope.jurisdictionLevel]}默认流程适用于全市，只有${top?.name ?? '市'}管理单位的平台管理员可以维护`
        : `全平台默认流程只有${top?.name ?? '市'}管理单位的平台管理员可以维护`;
    }
    if (
      scope.jurisdictionLevel &&
      !levelAtOrBelow(scope.jurisdictionLevel, top.level as FlowJurisdictionLevel)
    ) {
      return `不能维护高于本级（${JURISDICTION_LEVEL_LABELS[top.level]}）的${JURISDICTION_LEVEL_LABELS[scope.jurisdictionLevel]}默认流程`;
    }
    return null;
  }

  private async audit(
    principal: Principal,
    action: string,
    d: FlowDefinition,
    outcome: 'success' | 'rejected',
    details: Record<string, unknown>,
    meta: RequestMeta,
  ): Promise<void> {
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action,
      targetType: 'flow_definition',
      targetId: d.id,
      outcome,
      details: {
        kind: d.kind,
        version: d.version,
        status: d.status,
        organisationId: d.organisationId,
        jurisdictionLevel: d.jurisdictionLevel,
        ...details,
      },
      requestId: meta.requestId,
      ip: meta.ip,
    });
  }

  /** Users and organisations a definition names must exist, so that a step never waits for no one. */
  private async referenceProblems(body: FlowDefinitionBody): Promise<FieldProblem[]> {
    const em = this.ctx.em();
    const problems: FieldProblem[] = [];
    const check = async (rule: ApproverRule, field: string) => {
      if (rule.type === 'user' && !(await em.findOne(AppUser, { id: rule.userId, active: true }))) {
        problems.push({
          field: `${field}.userId`,
          rule: 'exists',
          message: `用户 ${rule.userId} 不存在或已停用`,
        });
      }
      if (
        rule.type === 'role' &&
        rule.organisationId &&
        !(await em.findOne(Organisation, { id: rule.organisationId }))
      ) {
        problems.push({
          field: `${field}.organisationId`,
          rule: 'exists',
          message: `单位 ${rule.organisationId} 不存在`,
        });
      }
    };
    for (const { step, path } of allEngineSteps(body.steps)) {
      const at = path.join('.');
      if (isParallel(step)) {
        for (const [b, branch] of step.branches.entries()) {
          for (const [j, rule] of branch.approvers.entries()) {
            await check(rule, `${at}.branches.${b}.approvers.${j}`);
          }
        }
      } else {
        for (const [j, rule] of step.approvers.entries()) await check(rule, `${at}.approvers.${j}`);
      }
      if (step.supervisor) await check(step.supervisor, `${at}.supervisor`);
    }
    return problems;
  }
}
