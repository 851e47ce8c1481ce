/**
 * Force-majeure incidents (issue 13 Build 4, LM-11): an issuing unit's leader or licence staff report one (what
 * failed, since when, the licence types affected, the emergency measures) and later its clearance; the management
 * unit over it acknowledges the report. The report is stored and its workflow (`force-majeure-<id>`) started in one
 * durable request; late arrivals already recorded in the incident's window become excused at once. Clearance and
 * acknowledgement are updates of the workflow, which records them with its own time.
 */
import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Organisation } from '../../db/entities';
import { ForceMajeureBreach, ForceMajeureIncident } from '../../db/force-majeure-entities';
import { LicenceIssuance, LicenceType } from '../../db/licence-entities';
import { timeLeftMs } from '../../domain/calendar';
import type { DisputeActor } from '../../domain/dispute';
import {
  forceMajeureWorkflowId,
  IncidentAcknowledgement,
  IncidentClearance,
  incidentExcuses,
  IncidentReport,
  INCIDENT_STATUS_LABELS,
} from '../../domain/force-majeure';
import { DurableRequests, NewRequest } from '../../usecases/durable-request';
import { forceMajeureWorkflow } from '../../workflows/force-majeure';
import {
  acknowledgeIncidentUpdate,
  clearIncidentUpdate,
  INCIDENT_REFUSED,
} from '../../workflows/force-majeure-messages';
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';

const UNAVAILABLE = '流程服务暂不可用，报备未提交，请稍后重试';

/** The issuing unit's leader or licence staff report and clear incidents (LM-11). */
export function mayReportIncidents(principal: Principal): boolean {
  return (
    principal.organisationFunctions.includes('issuing_unit') &&
    principal.roles.some((r) => r === 'unit_leader' || r === 'licence_issuer')
  );
}

const actorFor = (p: Principal): DisputeActor => ({
  userId: p.userId,
  username: p.username,
  displayName: p.displayName,
});

/** Late arrivals already recorded that the new incident excuses: marked with it in the same transaction. */
async function excuseRecorded(tx: EntityManager, incident: ForceMajeureIncident): Promise<number> {
  const late = await tx.find(LicenceIssuance, {
    organisationId: incident.organisationId,
    late: true,
    excusedIncidentId: null,
    typeCode: { $in: incident.typeCodes },
    deadlineAt: { $gte: incident.since },
  });
  const ids = late
    .filter((i) => incidentExcuses({ ...incident, clearedAt: null, backlogDueAt: null }, i))
    .map((i) => i.id);
  if (ids.length > 0)
    await tx.nativeUpdate(LicenceIssuance, { id: { $in: ids } }, { excusedIncidentId: incident.id });
  return ids.length;
}

export class ForceMajeureService {
  constructor(private readonly ctx: AppContext) {}

  /** The catalogue's names by licence type code, for the incident pages' lists of affected types. */
  async typeNames(): Promise<Map<string, string>> {
    const types = await this.ctx.em().find(LicenceType, {}, { orderBy: { version: 'asc' } });
    return new Map(types.map((t) => [t.code, t.name]));
  }

  /** POST /api/force-majeure-incidents: the report, stored with its workflow started. */
  async report(principal: Principal, raw: unknown, meta: RequestMeta) {
    if (!mayReportIncidents(principal)) {
      throw forbidden('只有证照制发单位的负责人或制发人员可以报备不可抗力故障');
    }
    const body = parse(IncidentReport, raw);
    const reportedAt = new Date();
    const since = new Date(body.since);
    if (since.getTime() > reportedAt.getTime()) {
      throw badRequest([{ field: 'since', rule: 'not_future', message: '故障发生时间不能晚于报备时间' }]);
    }
    const typeCodes = [...new Set(body.typeCodes)];
    const known = await this.ctx.em().find(LicenceType, { code: { $in: typeCodes } }, { fields: ['code'] });
    const unknown = typeCodes.filter((c) => !known.some((t) => t.code === c));
    if (unknown.length > 0) {
      throw badRequest([
        { field: 'typeCodes', rule: 'unknown_type', message: `没有以下证照类型：${unknown.join('、')}` },
      ]);
    }
    const id = randomUUID();
    const workflowId = forceMajeureWorkflowId(id);
    const row: ForceMajeureIncident = Object.assign(new ForceMajeureIncident(), {
      id,
      organisationId: principal.organisationId,
      failure: body.failure,
      since,
      typeCodes,
      measures: body.measures,
      status: 'open' as const,
      reportedBy: principal.userId,
      reportedAt,
      workflowId,
    });
    const audit = {
      actor: actorOf(principal),
      action: 'force_majeure.report',
      targetType: 'force_majeure_incident',
      targetId: id,
      requestId: meta.requestId,
      ip: meta.ip,
    };
    let excused = 0;
    await new DurableRequests(this.ctx).submit<typeof forceMajeureWorkflow, never>({
      prepare: async (): Promise<NewRequest<typeof forceMajeureWorkflow>> => ({
        workflow: forceMajeureWorkflow,
        workflowId,
        args: [{ incidentId: id }],
        insert: async (tx) => {
          await tx.insert(ForceMajeureIncident, row);
          excused = await excuseRecorded(tx, row);
        },
        audit: { ...audit, details: { since: body.since, typeCodes, failure: body.failure } },
        undo: async (tx) => {
          await tx.nativeUpdate(LicenceIssuance, { excusedIncidentId: id }, { excusedIncidentId: null });
          await tx.nativeDelete(ForceMajeureIncident, { id });
        },
        failureAudit: (err) => ({ ...audit, details: { error: String(err) } }),
        unavailable: () => new ApiError('UNAVAILABLE', UNAVAILABLE),
      }),
    });
    return { ...(await this.view(principal, id)), excusedNow: excused };
  }

  /** POST /api/force-majeure-incidents/:id/clear|acknowledge, through the incident's workflow. */
  async decide(principal: Principal, id: string, decision: 'clear' | 'acknowledge', raw: unknown) {
    const incident = await this.ctx.em().findOne(ForceMajeureIncident, { id });
    if (!incident) throw notFound('不可抗力报备');
    const actor = actorFor(principal);
    const handle: WorkflowHandle = this.ctx.temporal.workflow.getHandle(incident.workflowId);
    if (decision === 'clear') {
      if (!mayReportIncidents(principal) || principal.organisationId !== incident.organisationId) {
        throw forbidden('只有报备单位的负责人或制发人员可以报告故障排除');
      }
      const clearance = parse(IncidentClearance, raw ?? {});
      await this.send(() => handle.executeUpdate(clearIncidentUpdate, { args: [{ actor, clearance }] }));
    } else {
      if (!(await this.oversees(principal, incident))) {
        throw forbidden('只有上级管理单位的监督管理人员可以确认报备');
      }
      const { comment } = parse(IncidentAcknowledgement, raw ?? {});
      await this.send(() => handle.executeUpdate(acknowledgeIncidentUpdate, { args: [{ actor, comment }] }));
    }
    return this.view(principal, id);
  }

  private async send(update: () => Promise<unknown>): Promise<void> {
    try {
      await update();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw conflict('该报备已结束');
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === INCIDENT_REFUSED)
        throw conflict(cause.message);
      throw err;
    }
  }

  private async oversees(principal: Principal, incident: ForceMajeureIncident): Promise<boolean> {
    if (!isManagementOverseer(principal)) return false;
    const unit = await this.ctx.em().findOneOrFail(Organisation, { id: incident.organisationId });
    return this.ctx.jurisdictions.isWithin(principal.jurisdictionId, unit.jurisdictionId);
  }

  /** GET /api/force-majeure-incidents/:id: for the unit's staff and the management units over it. */
  async view(principal: Principal, id: string) {
    const em = this.ctx.em();
    const incident = await em.findOne(ForceMajeureIncident, { id }, { disableIdentityMap: true });
    if (!incident) throw notFound('不可抗力报备');
    if (principal.organisationId !== incident.organisationId && !(await this.oversees(principal, incident))) {
      throw forbidden('无权查看该报备');
    }
    const [unit, breach, excused] = await Promise.all([
      em.findOneOrFail(Organisation, { id: incident.organisationId }),
      em.findOne(ForceMajeureBreach, { incidentId: id }),
      em.count(LicenceIssuance, { excusedIncidentId: id }),
    ]);
    return { ...incidentJson(incident, unit.name, breach), excusedCount: excused };
  }

  /**
   * GET /api/force-majeure-incidents: the unit's own incidents, or for a management unit's supervisors those of
   * the units in its jurisdiction; open ones first, then the least time left to the backlog deadline.
   */
  async list(principal: Principal) {
    const em = this.ctx.em();
    const overseer = isManagementOverseer(principal);
    const rows = await em.find(
      ForceMajeureIncident,
      overseer ? {} : { organisationId: principal.organisationId },
      { orderBy: { reportedAt: 'desc' }, limit: 500 },
    );
    const units = await em.find(Organisation, {
      id: { $in: [...new Set(rows.map((r) => r.organisationId))] },
    });
    const breaches = await em.find(ForceMajeureBreach, { incidentId: { $in: rows.map((r) => r.id) } });
    const items: Array<ReturnType<typeof incidentJson>> = [];
    for (const r of rows) {
      const unit = units.find((u) => u.id === r.organisationId)!;
      const mine = r.organisationId === principal.organisationId;
      if (!mine && !(await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, unit.jurisdictionId)))
        continue;
      items.push(incidentJson(r, unit.name, breaches.find((b) => b.incidentId === r.id) ?? null));
    }
    const rank = (i: (typeof items)[number]) => (i.status === 'open' ? 0 : i.status === 'cleared' ? 1 : 2);
    items.sort((a, b) => rank(a) - rank(b) || (a.timeLeftMs ?? 0) - (b.timeLeftMs ?? 0));
    return { items };
  }
}

export function incidentJson(i: ForceMajeureIncident, unitName: string, breach: ForceMajeureBreach | null) {
  return {
    id: i.id,
    organisationId: i.organisationId,
    unitName,
    failure: i.failure,
    since: i.since.toISOString(),
    typeCodes: i.typeCodes,
    measures: i.measures,
    status: i.status,
    statusLabel: INCIDENT_STATUS_LABELS[i.status],
    reportedAt: i.reportedAt.toISOString(),
    acknowledgedAt: i.acknowledgedAt?.toISOString() ?? null,
    clearedAt: i.clearedAt?.toISOString() ?? null,
    clearanceNote: i.clearanceNote,
    backlog: i.backlog,
    backlogDeadline: i.backlogDueAt
      ? { dueAt: i.backlogDueAt.toISOString(), provisional: i.backlogDueProvisional ?? false }
      : null,
    timeLeftMs: i.status === 'cleared' ? timeLeftMs(i.backlogDueAt, new Date()) : null,
    breach: breach
      ? {
          dueAt: breach.dueAt.toISOString(),
          breachedAt: breach.breachedAt.toISOString(),
          missingCaseIds: breach.missingCaseIds,
        }
      : null,
  };
}
