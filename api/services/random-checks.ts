/**
 * The checklist of a random check (LM-28): for each licence of a random sample the supervisor records whether its
 * data are complete and its face readable, with a remark; the platform fills in whether it verifies (the real
 * verifier's indication is PASSED) and whether it was pushed to the exchange (its outbox row delivered; not
 * applicable when no exchange is configured). Each failed item becomes a finding of the licence's issuer at once,
 * under the rule of its kind (CHECKLIST_RULES). Only supervisors over the sample's unit record checks; audited.
 */
import { randomUUID } from 'node:crypto';
import { recordAudit } from '../../db/audit';
import { recordFinding } from '../../db/supervision-findings';
import {
  failedChecklistItems,
  RandomCheckBody,
  RandomChecklist,
  randomCheckFindingKey,
} from '../../domain/random-sample';
import type { AppContext } from '../context';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import type { SupervisionFindingService } from './supervision-findings';
import type { VerificationService } from './verification';

type Row = Record<string, unknown>;

/** A recorded check: the checklist, the verifier's indication, the remark and the rules of the findings raised. */
export interface RandomCheck extends RandomChecklist {
  id: string;
  sampleId: string;
  organisationId: string;
  licenceIdentifier: string;
  verifyIndication: string;
  remark: string | null;
  findings: string[];
  checkedBy: string;
  checkedAt: string;
}

export class RandomCheckService {
  constructor(
    private readonly ctx: AppContext,
    private readonly findings: SupervisionFindingService,
    private readonly verification: VerificationService,
  ) {}

  /** POST /api/supervision/samples/:id/checks */
  async record(
    principal: Principal,
    sampleId: string,
    raw: unknown,
    meta: RequestMeta,
  ): Promise<RandomCheck> {
    const units = await this.findings.jurisdictionUnits(principal);
    const sample = await this.sample(sampleId);
    if (!units.has(sample.organisationId)) throw forbidden('该抽查单位不在您的管辖范围内');
    const body = parse(RandomCheckBody, raw);
    if (!sample.licences.includes(body.licenceIdentifier)) {
      throw badRequest([
        { field: 'licenceIdentifier', rule: 'in_sample', message: '该证照不在本次抽取的样本中' },
      ]);
    }
    if (await this.checked(sampleId, body.licenceIdentifier)) throw conflict('该证照已记录抽查结果');
    const report = await this.verification.verifyIdentifier(body.licenceIdentifier, {
      principal,
      requestId: meta.requestId,
      ip: meta.ip,
      channel: 'api',
    });
    const checklist: RandomChecklist = {
      verifies: report.indication === 'PASSED',
      dataComplete: body.dataComplete,
      faceReadable: body.faceReadable,
      pushed: await this.pushed(body.licenceIdentifier),
    };
    const failed = failedChecklistItems(checklist);
    const check: RandomCheck = {
      id: randomUUID(),
      sampleId,
      organisationId: sample.organisationId,
      licenceIdentifier: body.licenceIdentifier,
      ...checklist,
      verifyIndication: report.indication,
      remark: body.remark ?? null,
      findings: failed.map((f) => f.rule),
      checkedBy: principal.username,
      checkedAt: new Date().toISOString(),
    };
    await this.store(principal, check, failed, meta);
    return check;
  }

  private async sample(id: string) {
    const rows: Row[] = await this.ctx
      .em()
      .execute(`select organisation_id, licence_identifiers from random_sample where id = ?`, [id]);
    if (!rows[0]) throw notFound('抽查样本');
    return {
      organisationId: String(rows[0].organisation_id),
      licences: rows[0].licence_identifiers as string[],
    };
  }

  private async checked(sampleId: string, identifier: string): Promise<boolean> {
    const rows: Row[] = await this.ctx
      .em()
      .execute(`select 1 from random_check where sample_id = ? and licence_identifier = ?`, [
        sampleId,
        identifier,
      ]);
    return rows.length > 0;
  }

  /** Pushed when the licence's outbox holds a delivered push; null (not applicable) without an exchange. */
  private async pushed(identifier: string): Promise<boolean | null> {
    if (!this.ctx.config.exchangeEndpointUrl) return null;
    const rows: Row[] = await this.ctx.em().execute(
      `select 1 from exchange_outbox o join licence l on l.id = o.licence_id
        where l.identifier = ? and o.status = 'delivered' limit 1`,
      [identifier],
    );
    return rows.length > 0;
  }

  private async store(
    principal: Principal,
    check: RandomCheck,
    failed: ReturnType<typeof failedChecklistItems>,
    meta: RequestMeta,
  ) {
    await this.ctx.em().transactional(async (tx) => {
      const inserted: Row[] = await tx.execute(
        `insert into random_check (id, sample_id, organisation_id, licence_identifier, verifies, verify_indication,
           data_complete, face_readable, pushed, remark, finding_rules, checked_by, checked_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)
         on conflict (sample_id, licence_identifier) do nothing returning id`,
        [
          check.id,
          check.sampleId,
          check.organisationId,
          check.licenceIdentifier,
          check.verifies,
          check.verifyIndication,
          check.dataComplete,
          check.faceReadable,
          check.pushed,
          check.remark,
          JSON.stringify(check.findings),
          check.checkedBy,
          check.checkedAt,
        ],
      );
      if (inserted.length === 0) throw conflict('该证照已记录抽查结果');
      for (const { rule } of failed) {
        await recordFinding(tx, {
          organisationId: check.organisationId,
          rule,
          evidence: {
            sampleId: check.sampleId,
            checkId: check.id,
            licenceIdentifier: check.licenceIdentifier,
            verifyIndication: check.verifyIndication,
            remark: check.remark,
          },
          foundAt: new Date(check.checkedAt),
          sourceKey: randomCheckFindingKey(check.sampleId, check.licenceIdentifier, rule),
        });
      }
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'supervision.random_check',
        targetType: 'random_sample',
        targetId: check.sampleId,
        outcome: 'success',
        details: { ...check },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    });
  }
}
