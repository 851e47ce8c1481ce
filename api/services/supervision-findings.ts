/**
 * The management unit's findings (LM-28): the violations found in the units of its jurisdiction, with their
 * evidence, newest first. Only a management unit's supervisors (and administrators) see them.
 */
import { z } from 'zod';
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
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { forbidden } from '../errors';
import type { Principal } from '../principal';
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
