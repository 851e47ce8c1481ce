/**
 * Random checks (LM-28): a management unit's supervisor draws a reproducible sample of a unit's licences. The
 * seed (chosen by the platform unless given) and the cut-off of the population (now unless given) are recorded
 * with the sample; drawn again with them, the same licences come out, whatever was issued since.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { recordAudit } from '../../db/audit';
import { drawSample, MAX_SEED, SampleBody } from '../../domain/random-sample';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import type { SupervisionFindingService } from './supervision-findings';

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
}
