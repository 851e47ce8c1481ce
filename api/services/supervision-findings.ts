/**
 * The management unit's findings (LM-28): the violations found in the units of its jurisdiction, with their
 * evidence, newest first; an on-demand supervision run over the jurisdiction; simulated service requests. Only a
 * management unit's supervisors (and administrators) see and do these.
 */
import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { Organisation } from '../../db/entities';
import { SupervisionFinding } from '../../db/supervision-entities';
import {
  FINDING_RULE_LABELS,
  FINDING_STATE_LABELS,
  FINDING_STATES,
  FindingRule,
  VIOLATION_KINDS,
  VIOLATION_LABELS,
} from '../../domain/supervision';
import { DismissFindingBody, SimulatedRequestBody } from '../../domain/supervision-schema';
import { runSupervision } from '../../usecases/supervision-run';
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';

export const FindingsQuery = z
  .object({
    organisationId: z.string().trim().min(1).max(100).optional(),
    kind: z.enum(VIOLATION_KINDS).optional(),
    state: z.enum(FINDING_STATES).optional(),
  })
  .strict();

export class SupervisionFindingService {
  constructor(private readonly ctx: AppContext) {}

  /** Throws 403 unless the caller supervises the units of a jurisdiction; answers the units' ids. */
  async jurisdictionUnits(principal: Principal): Promise<Map<string, Organisation>> {
    if (!isManagementOverseer(principal)) throw forbidden('只有管理单位的监督管理人员可以查看监督情况');
    const jurisdictions = await this.ctx.jurisdictions.within(principal.jurisdictionId);
    const units = await this.ctx.em().find(Organisation, { jurisdictionId: { $in: jurisdictions } });
    return new Map(units.map((u) => [u.id, u]));
  }

  /** GET /api/supervision/findings */
  async list(principal: Principal, raw: unknown) {
    const query = parse(FindingsQuery, raw);
    const units = await this.jurisdictionUnits(principal);
    if (query.organisationId && !units.has(query.organisationId)) {
      throw forbidden('该单位不在您的管辖范围内');
    }
    const rows = await this.ctx.em().find(
      SupervisionFinding,
      {
        organisationId: query.organisationId ?? { $in: [...units.keys()] },
        ...(query.kind ? { kind: query.kind } : {}),
        ...(query.state ? { state: query.state } : {}),
      },
      { orderBy: { foundAt: 'desc' }, limit: 1000, disableIdentityMap: true },
    );
    return { items: rows.map((f) => findingJson(f, units.get(f.organisationId)!)) };
  }

  /** POST /api/supervision/runs: every rule over the units of the caller's jurisdiction, now. */
  async run(principal: Principal, meta: RequestMeta) {
    const units = await this.jurisdictionUnits(principal);
    const result = await runSupervision(this.ctx.em(), new Date(), {
      organisationIds: new Set(units.keys()),
      exchangeConfigured: Boolean(this.ctx.config.exchangeEndpointUrl),
    });
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action: 'supervision.run',
      targetType: 'jurisdiction',
      targetId: principal.jurisdictionId,
      outcome: 'success',
      details: { ...result },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    return result;
  }

  /**
   * POST /api/supervision/findings/:id/dismiss: a new finding set aside with a reason (kept in its evidence),
   * audited; one already ordered, rectified or dismissed is a 409.
   */
  async dismiss(principal: Principal, id: string, raw: unknown, meta: RequestMeta) {
    const body = parse(DismissFindingBody, raw);
    const units = await this.jurisdictionUnits(principal);
    return this.ctx.em().transactional(async (tx) => {
      const finding = await tx.findOne(SupervisionFinding, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!finding || !units.has(finding.organisationId)) throw notFound('发现的问题');
      if (finding.state !== 'new')
        throw conflict(`该问题当前为“${FINDING_STATE_LABELS[finding.state]}”，不能撤销`);
      finding.state = 'dismissed';
      finding.evidence = {
        ...finding.evidence,
        dismissal: { reason: body.reason, by: principal.username, at: new Date().toISOString() },
      };
      await tx.flush();
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'supervision.finding_dismiss',
        targetType: 'supervision_finding',
        targetId: id,
        outcome: 'success',
        details: { reason: body.reason },
        requestId: meta.requestId,
        ip: meta.ip,
      });
      return findingJson(finding, units.get(finding.organisationId)!);
    });
  }

  /** POST /api/supervision/simulated-requests: a simulated service request as the supervisor recorded it. */
  async recordSimulatedRequest(principal: Principal, raw: unknown, meta: RequestMeta) {
    const body = parse(SimulatedRequestBody, raw);
    const units = await this.jurisdictionUnits(principal);
    if (!units.has(body.organisationId)) {
      throw badRequest([
        { field: 'organisationId', rule: 'jurisdiction', message: '该单位不存在或不在您的管辖范围内' },
      ]);
    }
    const id = randomUUID();
    const recordedAt = new Date();
    await this.ctx.em().transactional(async (tx) => {
      await tx.execute(
        `insert into simulated_request (id, organisation_id, service_item, paper_demanded, note, recorded_by,
           recorded_at) values (?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          body.organisationId,
          body.serviceItem,
          body.paperDemanded,
          body.note ?? null,
          principal.username,
          recordedAt,
        ],
      );
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'supervision.simulated_request',
        targetType: 'simulated_request',
        targetId: id,
        outcome: 'success',
        details: { ...body },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    });
    return { id, ...body, recordedBy: principal.username, recordedAt: recordedAt.toISOString() };
  }
}

export function findingJson(f: SupervisionFinding, unit: Organisation) {
  return {
    id: f.id,
    organisationId: f.organisationId,
    unitName: unit.name,
    kind: f.kind,
    kindLabel: VIOLATION_LABELS[f.kind],
    rule: f.rule,
    ruleLabel: FINDING_RULE_LABELS[f.rule as FindingRule] ?? f.rule,
    evidence: f.evidence,
    foundAt: f.foundAt.toISOString(),
    state: f.state,
    stateLabel: FINDING_STATE_LABELS[f.state],
    orderId: f.orderId,
  };
}
