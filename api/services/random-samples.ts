/**
 * Random checks (LM-28): a management unit's supervisor draws a reproducible sample of a unit's licences. The
 * seed (chosen by the platform unless given) and the cut-off of the population (now unless given) are recorded
 * with the sample; drawn again with them, the same licences come out, whatever was issued since.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { recordAudit } from '../../db/audit';
import { drawSample, MAX_SEED, randomCheckFindingKey, SampleBody } from '../../domain/random-sample';
import type { AppContext } from '../context';
import {
  FINDING_RULE_LABELS,
  FINDING_STATE_LABELS,
  FindingRule,
  FindingState,
} from '../../domain/supervision';
import { badRequest, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import type { SupervisionFindingService } from './supervision-findings';

type Row = Record<string, unknown>;
const iso = (v: unknown) => new Date(v as string).toISOString();

export class RandomSampleService {
  constructor(
    private readonly ctx: AppContext,
    private readonly findings: SupervisionFindingService,
  ) {}

  /** POST /api/supervision/samples */
  async draw(principal: Principal, raw: unknown, meta: RequestMeta) {
    const body = parse(SampleBody, raw);
    const units = await this.findings.jurisdictionUnits(principal);
    if (!units.has(body.organisationId)) {
      throw badRequest([
        { field: 'organisationId', rule: 'jurisdiction', message: '该单位不存在或不在您的管辖范围内' },
      ]);
    }
    const drawnAt = new Date();
    const cutoff = body.cutoff ? new Date(body.cutoff) : drawnAt;
    if (cutoff.getTime() > drawnAt.getTime()) {
      throw badRequest([{ field: 'cutoff', rule: 'in_future', message: '截止时间不能晚于当前时间' }]);
    }
    const seed = body.seed ?? randomInt(0, MAX_SEED);
    const rows: Array<{ identifier: string }> = await this.ctx
      .em()
      .execute(`select identifier from licence where issuer_organisation_id = ? and issued_at <= ?`, [
        body.organisationId,
        cutoff,
      ]);
    const licences = drawSample(
      rows.map((r) => r.identifier),
      body.size,
      seed,
    );
    const id = randomUUID();
    const sample = {
      id,
      organisationId: body.organisationId,
      seed,
      cutoff: cutoff.toISOString(),
      size: body.size,
      populationSize: rows.length,
      licences,
      drawnBy: principal.username,
      drawnAt: drawnAt.toISOString(),
    };
    await this.ctx.em().transactional(async (tx) => {
      await tx.execute(
        `insert into random_sample (id, organisation_id, seed, cutoff, size, population_size, licence_identifiers,
           drawn_by, drawn_at) values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)`,
        [
          id,
          body.organisationId,
          seed,
          cutoff,
          body.size,
          rows.length,
          JSON.stringify(licences),
          principal.username,
          drawnAt,
        ],
      );
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'supervision.sample',
        targetType: 'random_sample',
        targetId: id,
        outcome: 'success',
        details: { organisationId: body.organisationId, seed, cutoff: sample.cutoff, size: body.size },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    });
    return sample;
  }

  /** The samples of the caller's jurisdiction, latest first, with how many of their licences were checked. */
  async list(principal: Principal) {
    const units = await this.findings.jurisdictionUnits(principal);
    const rows: Row[] = await this.ctx.em().execute(
      `select s.id, s.organisation_id, s.size, coalesce(u.display_name, s.drawn_by) as drawn_by, s.drawn_at,
              jsonb_array_length(s.licence_identifiers) as total,
              (select count(*) from random_check c where c.sample_id = s.id) as checked
         from random_sample s left join app_user u on u.username = s.drawn_by
        where s.organisation_id in (?) order by s.drawn_at desc limit 200`,
      [[...units.keys()]],
    );
    return rows.map((r) => ({
      id: String(r.id),
      organisationId: String(r.organisation_id),
      unitName: units.get(String(r.organisation_id))?.name ?? String(r.organisation_id),
      drawnBy: String(r.drawn_by),
      drawnAt: iso(r.drawn_at),
      total: Number(r.total),
      checked: Number(r.checked),
    }));
  }

  /**
   * One sample with each licence's checklist state (its check, if recorded, and the findings the check raised);
   * only supervisors over the sample's unit (403), an unknown sample 404.
   */
  async view(principal: Principal, id: string) {
    const units = await this.findings.jurisdictionUnits(principal);
    const em = this.ctx.em();
    // Who drew and who checked, by their names (the usernames are kept in the rows).
    const [s]: Row[] = await em.execute(
      `select s.*, coalesce(u.display_name, s.drawn_by) as drawn_by_name from random_sample s
         left join app_user u on u.username = s.drawn_by where s.id = ?`,
      [id],
    );
    if (!s) throw notFound('抽查样本');
    const unit = units.get(String(s.organisation_id));
    if (!unit) throw forbidden('该抽查单位不在您的管辖范围内');
    const checks: Row[] = await em.execute(
      `select c.*, coalesce(u.display_name, c.checked_by) as checked_by_name from random_check c
         left join app_user u on u.username = c.checked_by where c.sample_id = ?`,
      [id],
    );
    const findings: Row[] = await em.execute(
      `select id, rule, state, order_id, evidence->>'licenceIdentifier' as licence from supervision_finding
        where source_key like ? order by found_at`,
      [`${randomCheckFindingKey(id)}%`],
    );
    const licences = (s.licence_identifiers as string[]).map((identifier) => {
      const c = checks.find((r) => r.licence_identifier === identifier);
      return {
        identifier,
        check: c && {
          verifies: Boolean(c.verifies),
          verifyIndication: String(c.verify_indication),
          dataComplete: Boolean(c.data_complete),
          faceReadable: Boolean(c.face_readable),
          pushed: c.pushed === null ? null : Boolean(c.pushed),
          remark: (c.remark as string | null) ?? null,
          checkedBy: String(c.checked_by),
          checkedByName: String(c.checked_by_name),
          checkedAt: iso(c.checked_at),
        },
        findings: findings
          .filter((f) => f.licence === identifier)
          .map((f) => ({
            id: String(f.id),
            rule: String(f.rule),
            ruleLabel: FINDING_RULE_LABELS[f.rule as FindingRule] ?? String(f.rule),
            stateLabel: FINDING_STATE_LABELS[f.state as FindingState],
            orderId: (f.order_id as string | null) ?? null,
          })),
      };
    });
    return {
      id,
      organisationId: unit.id,
      unitName: unit.name,
      seed: Number(s.seed),
      cutoff: iso(s.cutoff),
      size: Number(s.size),
      populationSize: Number(s.population_size),
      drawnBy: String(s.drawn_by),
      drawnByName: String(s.drawn_by_name),
      drawnAt: iso(s.drawn_at),
      licences,
      checked: licences.filter((l) => l.check).length,
    };
  }
}
