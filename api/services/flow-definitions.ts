/**
 * Flow definitions over the API: anyone signed in may read them (they say who approves what); platform
 * administrators save new versions, for an organisation inside their jurisdiction or as a default. A definition
 * is checked twice: its shape by the zod schema, and what it names (users, organisations) against the database.
 */
import { recordAudit } from '../../db/audit';
import { FlowDefinition } from '../../db/approval-entities';
import { AppUser, Organisation } from '../../db/entities';
import { saveFlowDefinition } from '../../db/flow-definitions';
import { ApproverRule, FlowDefinitionBody, PROCESS_KINDS, ProcessKind } from '../../domain/flow-definition';
import { requireRole } from '../auth';
import type { AppContext } from '../context';
import { badRequest, FieldProblem, forbidden, notFound } from '../errors';
import { actorOf, Principal } from '../principal';

export class FlowDefinitionService {
  constructor(private readonly ctx: AppContext) {}

  async list(kind?: ProcessKind, includeSuperseded = false): Promise<FlowDefinition[]> {
    return this.ctx.em().find(
      FlowDefinition,
      {
        ...(kind ? { kind } : { kind: { $in: [...PROCESS_KINDS] } }),
        ...(includeSuperseded ? {} : { status: 'active' }),
      },
      { orderBy: { kind: 'asc', organisationId: 'asc', jurisdictionLevel: 'asc', version: 'desc' } },
    );
  }

  async get(id: string): Promise<FlowDefinition> {
    const d = await this.ctx.em().findOne(FlowDefinition, { id });
    if (!d) throw notFound('流程定义');
    return d;
  }

  async save(principal: Principal, body: FlowDefinitionBody, meta: { requestId?: string; ip?: string }) {
    requireRole(principal, 'platform_admin');
    const em = this.ctx.em();
    if (body.organisationId) {
      const organisation = await em.findOne(Organisation, { id: body.organisationId });
      if (!organisation) {
        throw badRequest([
          { field: 'organisationId', rule: 'exists', message: `单位 ${body.organisationId} 不存在` },
        ]);
      }
      if (!(await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, organisation.jurisdictionId))) {
        throw forbidden('只能为本辖区内的单位定制审批流程');
      }
    }
    const problems = await this.referenceProblems(body);
    if (problems.length) throw badRequest(problems);
    const saved = await saveFlowDefinition(em, body, principal.username);
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action: 'flow_definition.save',
      targetType: 'flow_definition',
      targetId: saved.id,
      outcome: 'success',
      details: {
        kind: saved.kind,
        version: saved.version,
        organisationId: saved.organisationId,
        jurisdictionLevel: saved.jurisdictionLevel,
      },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    return saved;
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
    for (const [i, step] of body.steps.entries()) {
      for (const [j, rule] of step.approvers.entries()) await check(rule, `steps.${i}.approvers.${j}`);
      if (step.supervisor) await check(step.supervisor, `steps.${i}.supervisor`);
    }
    return problems;
  }
}
