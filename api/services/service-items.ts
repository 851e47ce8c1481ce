/**
 * Service items (issue 16 Build 7, WP-(一)1, LM-15), public: the list, and one item with the licences it needs and
 * whether paper is still required for each. Also what the verifier's workbench pre-selects for a case's service
 * item (the published licence types among them) and what a usage-list request names.
 */
import {
  SERVICE_ITEM_CODE,
  Submission,
  SUBMISSION_EXPLANATIONS,
  SUBMISSION_LABELS,
} from '../../domain/service-item';
import type { AppContext } from '../context';
import { badRequest, notFound } from '../errors';

export interface ServiceItemSummary {
  code: string;
  name: string;
  organisationId: string | null;
  organisationName: string | null;
  summary: string;
  licenceCount: number;
}

export interface ServiceItemLicence {
  licenceName: string;
  /** The catalogue's licence type, or null for a licence not issued electronically yet. */
  typeCode: string | null;
  submission: Submission;
  submissionLabel: string;
  explanation: string;
  note: string;
}

export interface ServiceItemView extends Omit<ServiceItemSummary, 'licenceCount'> {
  licences: ServiceItemLicence[];
  /** Licence types issued when this item is done (the catalogue's 关联事项). */
  issues: Array<{ typeCode: string; name: string }>;
}

interface ItemRow {
  code: string;
  name: string;
  organisation_id: string | null;
  organisation_name: string | null;
  summary: string;
  licence_count: string;
}

const ITEMS = `select s.code, s.name, s.organisation_id, o.name as organisation_name, s.summary,
    (select count(*) from service_item_licence l where l.service_item_code = s.code) as licence_count
  from service_item s left join organisation o on o.id = s.organisation_id`;

function summaryOf(r: ItemRow): ServiceItemSummary {
  return {
    code: r.code,
    name: r.name,
    organisationId: r.organisation_id,
    organisationName: r.organisation_name,
    summary: r.summary,
    licenceCount: Number(r.licence_count),
  };
}

export class ServiceItemService {
  constructor(private readonly ctx: AppContext) {}

  async list(): Promise<ServiceItemSummary[]> {
    const rows = await this.ctx.em().execute<ItemRow[]>(`${ITEMS} order by s.position, s.code`);
    return rows.map(summaryOf);
  }

  async get(code: string): Promise<ServiceItemView> {
    if (!SERVICE_ITEM_CODE.test(code)) throw notFound('服务事项');
    const em = this.ctx.em();
    const [row] = await em.execute<ItemRow[]>(`${ITEMS} where s.code = ?`, [code]);
    if (!row) throw notFound('服务事项');
    const licences = await em.execute<
      Array<{ licence_name: string; type_code: string | null; submission: Submission; note: string }>
    >(
      `select licence_name, type_code, submission, note from service_item_licence
        where service_item_code = ? order by position`,
      [code],
    );
    const issues = await em.execute<Array<{ code: string; name: string }>>(
      `select distinct on (code) code, name from licence_type
        where status = 'published' and definition->'serviceItems' @> ?::jsonb order by code, version desc`,
      [JSON.stringify([{ code }])],
    );
    const { licenceCount: _count, ...summary } = summaryOf(row);
    return {
      ...summary,
      licences: licences.map((l) => ({
        licenceName: l.licence_name,
        typeCode: l.type_code?.trim() ?? null,
        submission: l.submission,
        submissionLabel: SUBMISSION_LABELS[l.submission],
        explanation: SUBMISSION_EXPLANATIONS[l.submission],
        note: l.note,
      })),
      issues: issues.map((t) => ({ typeCode: t.code.trim(), name: t.name })),
    };
  }

  /** The workbench's pre-selection: the licence types of the item that the catalogue holds electronically. */
  async typeCodesOf(code: string): Promise<string[]> {
    const item = await this.get(code);
    return item.licences.flatMap((l) => (l.typeCode && l.submission !== 'paper' ? [l.typeCode] : []));
  }

  /** The catalogue's published licence types, for choosing among them (the workbench, a usage-list request). */
  async publishedTypes(): Promise<Array<{ typeCode: string; name: string }>> {
    const rows = await this.ctx
      .em()
      .execute<Array<{ code: string; name: string }>>(
        `select distinct on (code) code, name from licence_type where status = 'published' order by code, version desc`,
      );
    return rows.map((r) => ({ typeCode: r.code.trim(), name: r.name }));
  }

  /** The names of the given service items, in the given order (a code no longer listed keeps its code). */
  async names(codes: string[]): Promise<Array<{ code: string; name: string }>> {
    if (codes.length === 0) return [];
    const rows = await this.ctx
      .em()
      .execute<Array<{ code: string; name: string }>>(`select code, name from service_item`);
    const byCode = new Map(rows.map((r) => [r.code, r.name]));
    return codes.map((code) => ({ code, name: byCode.get(code) ?? code }));
  }

  /** A request's service items must exist: 400 naming the field otherwise. */
  async assertKnown(codes: string[], field = 'serviceItems'): Promise<void> {
    const em = this.ctx.em();
    let unknown: string | undefined;
    for (const code of codes) {
      const rows = await em.execute<unknown[]>(`select 1 from service_item where code = ?`, [code]);
      if (rows.length === 0) unknown ??= code;
    }
    if (unknown !== undefined) {
      throw badRequest([{ field, rule: 'known_service_item', message: `没有编码为 ${unknown} 的服务事项` }]);
    }
  }
}
