/**
 * Issue 19 Build 2 (WP-(二)2): how far the legacy conversion has come. Issuing units enter their estimated stock
 * per type (`PUT /api/conversion/estimates`); the management unit sees, for every issuing unit of its jurisdiction
 * and every type it issues, the estimate, the licences converted so far and the share remaining, the high-frequency
 * types first (those the unit issued most in the last year), then the largest stock.
 */
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { TYPE_CODE_PATTERN } from '../../domain/licence-identifier';
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { badRequest, forbidden } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import { ISSUER_ROLES } from './licence-access';

export const ConversionEstimateBody = z
  .object({
    licenceType: z.string().regex(TYPE_CODE_PATTERN, { message: '应为 21 位证照类型代码' }),
    estimatedStock: z.number().int().min(0).max(100_000_000),
  })
  .strict();

export interface CompletionRow {
  organisationId: string;
  organisationName: string;
  typeCode: string;
  typeName: string;
  /** Licences of the type the unit issued through the platform in the last 365 days (the frequency). */
  issuedLastYear: number;
  estimatedStock: number | null;
  converted: number;
  /** (estimate − converted) / estimate, 0 … 1; null without an estimate. */
  remainingShare: number | null;
}

export class ConversionCompletionService {
  constructor(private readonly ctx: AppContext) {}

  /** PUT /api/conversion/estimates: an issuing unit's estimate of its paper-era stock of one type. */
  async setEstimate(principal: Principal, raw: unknown, meta: RequestMeta) {
    if (!principal.roles.some((r) => ISSUER_ROLES.includes(r)))
      throw forbidden('填报存量估算需要证照制发人员或业务系统接入账号的角色');
    const body = parse(ConversionEstimateBody, raw);
    const em = this.ctx.em();
    const types: Array<{ issuers: string[] }> = await em.execute(
      `select definition->'issuingUnitIds' as issuers from licence_type where code = ? and status = 'published'`,
      [body.licenceType],
    );
    if (!types[0])
      throw badRequest([
        { field: 'licenceType', rule: 'unknown_type', message: '证照目录中没有该代码的已发布证照类型' },
      ]);
    if (!types[0].issuers.includes(principal.organisationId))
      throw forbidden('本单位不是该类证照的制发单位，不能填报其存量');
    await em.transactional(async (tx) => {
      await tx.execute(
        `insert into conversion_estimate (organisation_id, type_code, estimated_stock, updated_by, updated_at)
         values (?, ?, ?, ?, now())
         on conflict (organisation_id, type_code) do update
           set estimated_stock = excluded.estimated_stock, updated_by = excluded.updated_by, updated_at = now()`,
        [principal.organisationId, body.licenceType, body.estimatedStock, principal.userId],
      );
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'licence.conversion.estimate',
        targetType: 'licence_type',
        targetId: body.licenceType,
        outcome: 'success',
        details: { estimatedStock: body.estimatedStock },
        ...meta,
      });
    });
    return { licenceType: body.licenceType, estimatedStock: body.estimatedStock };
  }

  /** GET /api/conversion/completion: the management unit's report over its jurisdiction. */
  async report(principal: Principal, now: Date): Promise<CompletionRow[]> {
    if (!isManagementOverseer(principal))
      throw forbidden('存量转换完成情况仅供管理单位的监督管理人员或平台管理员查看');
    const jurisdictions = await this.ctx.jurisdictions.within(principal.jurisdictionId);
    const yearAgo = new Date(now.getTime() - 365 * 24 * 3600_000);
    const rows: Array<{
      organisation_id: string;
      organisation_name: string;
      type_code: string;
      type_name: string;
      issued_last_year: string;
      estimated_stock: number | null;
      converted: string;
    }> = await this.ctx.em().execute(
      `select o.id as organisation_id, o.name as organisation_name, t.code as type_code, t.name as type_name,
              (select count(*) from licence l where l.issuer_organisation_id = o.id and l.type_code = t.code
                  and l.issuance_id is not null and l.issued_at >= ?) as issued_last_year,
              e.estimated_stock,
              (select count(*) from licence l where l.issuer_organisation_id = o.id and l.type_code = t.code
                  and l.legacy_number is not null) as converted
         from licence_type t
         join organisation o on t.definition->'issuingUnitIds' @> jsonb_build_array(o.id)
         left join conversion_estimate e on e.organisation_id = o.id and e.type_code = t.code
        where t.status = 'published' and o.jurisdiction_id in (select jsonb_array_elements_text(?::jsonb))
        order by issued_last_year desc, e.estimated_stock desc nulls last, o.name, t.name`,
      [yearAgo, JSON.stringify(jurisdictions)],
    );
    return rows.map((r) => {
      const converted = Number(r.converted);
      const estimate = r.estimated_stock === null ? null : Number(r.estimated_stock);
      return {
        organisationId: r.organisation_id,
        organisationName: r.organisation_name,
        typeCode: r.type_code.trim(),
        typeName: r.type_name,
        issuedLastYear: Number(r.issued_last_year),
        estimatedStock: estimate,
        converted,
        remainingShare:
          estimate === null || estimate === 0 ? null : Math.max(0, estimate - converted) / estimate,
      };
    });
  }
}
