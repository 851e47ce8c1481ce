/**
 * Complaints that a unit demanded a paper licence although sharing could supply it (issue 14 Build 2.5, LM-28
 * violation kind 5). Anyone may complain — the holder from the licence page, anyone from the public verification
 * page — leaving a contact; the request is throttled per address (api/rate-limits.ts) and audited. A supervision run
 * makes each complaint a finding of the unit named (usecases/supervision-rules.ts).
 */
import { randomUUID } from 'node:crypto';
import { recordAudit } from '../../db/audit';
import { Organisation } from '../../db/entities';
import { Licence } from '../../db/licence-entities';
import { PaperComplaintBody } from '../../domain/paper-complaint';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import type { ServiceItemService } from './service-items';

export interface PaperComplaintReceipt {
  id: string;
  organisationId: string;
  organisationName: string;
  serviceItem: { code: string; name: string } | null;
  licenceIdentifier: string | null;
  receivedAt: string;
}

export class PaperComplaintService {
  constructor(
    private readonly ctx: AppContext,
    private readonly serviceItems: ServiceItemService,
  ) {}

  /** POST /api/paper-complaints: the complaint stored and audited; bad input a 400 naming the field. */
  async raise(principal: Principal | null, raw: unknown, meta: RequestMeta): Promise<PaperComplaintReceipt> {
    const body = parse(PaperComplaintBody, raw);
    const em = this.ctx.em();
    const unit = await em.findOne(Organisation, { id: body.organisationId });
    if (!unit) {
      throw badRequest([
        { field: 'organisationId', rule: 'known_unit', message: '没有该单位，请从列表中选择' },
      ]);
    }
    if (body.serviceItem) await this.serviceItems.assertKnown([body.serviceItem], 'serviceItem');
    const identifier = body.licenceIdentifier?.toUpperCase();
    if (identifier && !(await em.findOne(Licence, { identifier }, { fields: ['id'] }))) {
      throw badRequest([{ field: 'licenceIdentifier', rule: 'known_licence', message: '没有该证照' }]);
    }
    const id = randomUUID();
    const receivedAt = new Date();
    await em.transactional(async (tx) => {
      await tx.execute(
        `insert into paper_complaint (id, organisation_id, service_item_code, licence_identifier, description,
           contact, complainant_user_id, received_at) values (?, ?, ?, ?, ?, ?::jsonb, ?, ?)`,
        [
          id,
          unit.id,
          body.serviceItem ?? null,
          identifier ?? null,
          body.description,
          JSON.stringify(body.contact),
          principal?.userId ?? null,
          receivedAt,
        ],
      );
      await recordAudit(tx, {
        actor: principal
          ? actorOf(principal)
          : { userId: null, username: 'anonymous', roles: [], organisationId: null },
        action: 'supervision.paper_complaint',
        targetType: 'paper_complaint',
        targetId: id,
        outcome: 'success',
        details: { organisationId: unit.id, serviceItem: body.serviceItem, licence: identifier },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    });
    const [serviceItem] = body.serviceItem ? await this.serviceItems.names([body.serviceItem]) : [];
    return {
      id,
      organisationId: unit.id,
      organisationName: unit.name,
      serviceItem: serviceItem ?? null,
      licenceIdentifier: identifier ?? null,
      receivedAt: receivedAt.toISOString(),
    };
  }

  /** What the complaint form offers: the units (open ones) and the public service items. */
  async formModel() {
    const units = await this.ctx
      .em()
      .find(Organisation, { closedAt: null }, { orderBy: { name: 'asc' }, fields: ['id', 'name'] });
    const items = await this.serviceItems.list();
    return {
      units: units.map((u) => ({ id: u.id, name: u.name })),
      serviceItems: items.map((s) => ({ code: s.code, name: s.name, organisationId: s.organisationId })),
    };
  }
}
