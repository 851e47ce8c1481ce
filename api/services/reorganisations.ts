/**
 * Issue 15 Build 4: reorganisations (机构改革). A management unit's administrator over a unit previews what moves
 * (staff, seals to cancel, licence types, open tasks, licences) and starts the change: the row is stored with its
 * audit entry and the workflow `reorganisation-<id>` started (a durable request); the page follows its progress.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppUser, Organisation, Seal, Task } from '../../db/entities';
import { Licence, LicenceType } from '../../db/licence-entities';
import { Reorganisation } from '../../db/organisation-entities';
import { shanghaiDate } from '../../domain/format';
import { plainText, usccProblem } from '../../domain/organisation-registry';
import { DurableRequests, NewRequest } from '../../usecases/durable-request';
import { reorganisationWorkflowId, successorIdOf } from '../../usecases/reorganisation';
import { reorganisationWorkflow } from '../../workflows/reorganisation';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import type { OrganisationRegistryService } from './organisation-registry';

export const ReorganisationBody = z
  .object({
    organisationId: plainText(1, 64),
    name: plainText(2, 100),
    uscc: z.string().trim().toUpperCase(),
    reason: plainText(1, 500),
  })
  .strict();

const OPEN_TASKS = ['pending', 'waiting', 'delegated'] as const;

export class ReorganisationService {
  constructor(
    private readonly ctx: AppContext,
    private readonly registry: OrganisationRegistryService,
  ) {}

  /** What the reorganisation of `organisationId` would move. */
  async preview(principal: Principal, organisationId: string) {
    const unit = await this.openUnit(principal, organisationId);
    const em = this.ctx.em();
    const staff = await em.find(
      AppUser,
      { organisationId, active: true },
      { orderBy: { displayName: 'asc' } },
    );
    const seals = await em.find(
      Seal,
      { organisationId, status: { $in: ['active', 'lost'] } },
      { exclude: ['imprint'], orderBy: { name: 'asc' } },
    );
    const types = (await em.find(LicenceType, { status: 'published' }, { orderBy: { code: 'asc' } })).filter(
      (t) => t.definition.issuingUnitIds.includes(organisationId),
    );
    return {
      organisation: { id: unit.id, name: unit.name, uscc: unit.uscc },
      staff: staff.map((u) => ({ id: u.id, displayName: u.displayName, roles: u.roles })),
      seals: seals.map((s) => ({ id: s.id, name: s.name, status: s.status })),
      licenceTypes: types.map((t) => ({ code: t.code, name: t.name, version: t.version })),
      openTasks: await em.count(Task, {
        assigneeOrganisationId: organisationId,
        status: { $in: [...OPEN_TASKS] },
      }),
      licences: await em.count(Licence, { issuerOrganisationId: organisationId }),
    };
  }

  /** Stores the reorganisation and starts its workflow; 202 with its id. */
  async start(principal: Principal, raw: unknown, meta: RequestMeta) {
    const body = parse(ReorganisationBody, raw);
    const unit = await this.openUnit(principal, body.organisationId);
    const problem = usccProblem(body.uscc);
    if (problem) throw badRequest([{ field: 'uscc', rule: 'uscc_check', message: problem }]);
    const em = this.ctx.em();
    const taken = await em.findOne(Organisation, { uscc: body.uscc });
    if (taken) throw conflict(`统一社会信用代码已被“${taken.name}”使用`);
    if (await em.findOne(Reorganisation, { predecessorId: unit.id, status: 'running' })) {
      throw conflict('该单位的机构改革正在办理中');
    }
    const id = randomUUID();
    const workflowId = reorganisationWorkflowId(id);
    const row: Reorganisation = {
      id,
      kind: 'rename',
      predecessorId: unit.id,
      successorId: successorIdOf(id),
      successorName: body.name,
      successorUscc: body.uscc,
      reason: body.reason,
      effectiveFrom: shanghaiDate(new Date()),
      status: 'running',
      workflowId,
      requestedBy: principal.username,
      summary: null,
      createdAt: new Date(),
      finishedAt: null,
    };
    const audit = {
      actor: actorOf(principal),
      action: 'reorganisation.start',
      targetType: 'reorganisation',
      targetId: id,
      requestId: meta.requestId,
      ip: meta.ip,
    };
    await new DurableRequests(this.ctx).submit<typeof reorganisationWorkflow, never>({
      prepare: async (): Promise<NewRequest<typeof reorganisationWorkflow>> => ({
        workflow: reorganisationWorkflow,
        workflowId,
        args: [
          {
            reorganisationId: id,
            actor: actorOf(principal),
            predecessorId: unit.id,
            successorName: body.name,
          },
        ],
        insert: async (tx) => {
          await tx.insert(Reorganisation, row);
        },
        audit: { ...audit, details: { organisationId: unit.id, name: body.name, uscc: body.uscc } },
        undo: (tx) => tx.nativeDelete(Reorganisation, { id }),
        failureAudit: (err) => ({ ...audit, details: { error: String(err) } }),
        unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，机构改革未提交，请稍后重试'),
      }),
    });
    return this.get(principal, id);
  }

  async get(principal: Principal, id: string) {
    const r = await this.ctx.em().findOne(Reorganisation, { id }, { disableIdentityMap: true });
    if (!r) throw notFound('机构改革');
    const predecessor = await this.ctx.em().findOneOrFail(Organisation, { id: r.predecessorId });
    await this.registry.assertAdminOver(principal, predecessor.jurisdictionId);
    return {
      id: r.id,
      kind: r.kind,
      status: r.status,
      predecessor: { id: predecessor.id, name: predecessor.name },
      successor: { id: r.successorId, name: r.successorName, uscc: r.successorUscc },
      reason: r.reason,
      effectiveFrom: r.effectiveFrom,
      requestedBy: r.requestedBy,
      createdAt: r.createdAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      summary: r.summary,
    };
  }

  private async openUnit(principal: Principal, id: string): Promise<Organisation> {
    const unit = await this.ctx.em().findOne(Organisation, { id });
    if (!unit) throw notFound('单位');
    await this.registry.assertAdminOver(principal, unit.jurisdictionId);
    if (unit.closedAt) throw conflict('该单位已撤销');
    return unit;
  }
}
