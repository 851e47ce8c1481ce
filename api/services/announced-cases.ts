/**
 * Cases announced when they close (issue 14, LM-9): a business system tells the platform that a case closed,
 * before or without issuing its licence (`POST /api/cases`); a workflow per case (`case-<unit>-<case id>`) flags
 * it when no licence has arrived by 24:00 of the next working day. An issuance request with the same case id
 * closes it (`issuanceArrived`, called when the request is stored).
 *
 * Idempotency: one announcement per (issuing unit, case id); the same content again answers the stored case,
 * other content is a 409.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { calendarCacheOf } from '../../db/calendar';
import { LicenceIssuance, LicenceType } from '../../db/licence-entities';
import { Organisation } from '../../db/entities';
import { AnnouncedCase, SupervisionFinding } from '../../db/supervision-entities';
import {
  announcedCaseDeadline,
  announcedCaseFindingKey,
  announcedCaseWorkflowId,
  ANNOUNCED_CASE_STATUS_LABELS,
} from '../../domain/supervision';
import { AnnounceCaseBody } from '../../domain/supervision-schema';
import { logger } from '../../infra/logger';
import { DurableRequests, NewRequest } from '../../usecases/durable-request';
import { announcedCaseWorkflow } from '../../workflows/announced-case';
import { licenceArrivedSignal } from '../../workflows/announced-case-messages';
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import { ISSUER_ROLES } from './licence-access';
import { findingJson } from './supervision-findings';

/** A case cannot close in the future; a little clock skew between systems is tolerated. */
const CLOCK_SKEW_MS = 5 * 60_000;

export class AnnouncedCaseService {
  constructor(private readonly ctx: AppContext) {}

  /** POST /api/cases: 201 with the case and its deadline; 200 for a repeat of the same announcement. */
  async announce(principal: Principal, raw: unknown, meta: RequestMeta) {
    if (!principal.roles.some((r) => ISSUER_ROLES.includes(r))) {
      throw forbidden('报送办结信息需要证照制发人员或业务系统接入账号的角色');
    }
    const body = parse(AnnounceCaseBody, raw);
    if (Date.parse(body.closedAt) > Date.now() + CLOCK_SKEW_MS) {
      throw badRequest([{ field: 'closedAt', rule: 'in_future', message: '办结时间不能晚于当前时间' }]);
    }
    const em = this.ctx.em();
    const type = await em.findOne(LicenceType, { code: body.licenceType, status: 'published' });
    if (!type) {
      throw badRequest([
        { field: 'licenceType', rule: 'unknown_type', message: '证照目录中没有该代码的已发布证照类型' },
      ]);
    }
    if (!type.definition.issuingUnitIds.includes(principal.organisationId)) {
      throw forbidden(`本单位不是证照目录中“${type.name}”的制发单位`);
    }
    const id = randomUUID();
    const submitted = await new DurableRequests(this.ctx).submit<typeof announcedCaseWorkflow, AnnouncedCase>(
      {
        findExisting: () => this.byCase(principal.organisationId, body.caseId),
        prepare: () => this.prepare(principal, body, id, meta),
      },
    );
    if (submitted.created) return { status: 201 as const, body: caseJson(await this.row(id)) };
    const existing = submitted.existing;
    if (existing.typeCode !== body.licenceType || existing.closedAt.getTime() !== Date.parse(body.closedAt)) {
      throw conflict(`业务办件号 ${body.caseId} 已报送过内容不同的办结信息`);
    }
    return { status: 200 as const, body: caseJson(existing) };
  }

  private async prepare(
    principal: Principal,
    body: AnnounceCaseBody,
    id: string,
    meta: RequestMeta,
  ): Promise<NewRequest<typeof announcedCaseWorkflow>> {
    const em = this.ctx.em();
    const due = announcedCaseDeadline(await calendarCacheOf(this.ctx.orm).get(em), body.closedAt);
    // Issued before it was announced: the workflow starts with the arrival already known.
    const issued = await em.findOne(LicenceIssuance, {
      organisationId: principal.organisationId,
      caseId: body.caseId,
    });
    const workflowId = announcedCaseWorkflowId(principal.organisationId, body.caseId);
    const audit = {
      actor: actorOf(principal),
      action: 'case.announce',
      targetType: 'announced_case',
      targetId: id,
      requestId: meta.requestId,
      ip: meta.ip,
    };
    return {
      workflow: announcedCaseWorkflow,
      workflowId,
      args: [
        {
          announcedCaseId: id,
          deadlineAt: due.dueAt,
          arrivedAt: issued?.receivedAt.toISOString() ?? null,
        },
      ],
      insert: async (tx) => {
        const rows: unknown[] = await tx.execute(
          `insert into announced_case (id, organisation_id, case_id, type_code, closed_at, deadline_at,
             deadline_provisional, announced_at, announced_by, status, workflow_id)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
           on conflict (organisation_id, case_id) do nothing returning id`,
          [
            id,
            principal.organisationId,
            body.caseId,
            body.licenceType,
            new Date(body.closedAt),
            new Date(due.dueAt),
            due.provisional,
            new Date(),
            principal.username,
            workflowId,
          ],
        );
        return rows.length > 0;
      },
      audit: { ...audit, details: { caseId: body.caseId, licenceType: body.licenceType, deadline: due } },
      undo: (tx) => tx.nativeDelete(AnnouncedCase, { id }),
      failureAudit: (err) => ({ ...audit, details: { caseId: body.caseId, error: String(err) } }),
      unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，办结信息未受理，请稍后重试'),
    };
  }

  /** GET /api/cases/:caseId: the unit's own announced case. */
  async view(principal: Principal, caseId: string) {
    const row = await this.byCase(principal.organisationId, caseId);
    if (!row) throw notFound('本单位报送的该办件');
    return caseJson(row);
  }

  /**
   * One announced case as its page shows it (`/supervision/cases/:id`): the case, its type and unit, its state,
   * the licence once issued and the finding it produced. The unit sees its own cases; a management unit's
   * supervisors those of their jurisdiction (403 otherwise, 404 unknown).
   */
  async page(principal: Principal, id: string) {
    const em = this.ctx.em();
    const row = await em.findOne(AnnouncedCase, { id }, { disableIdentityMap: true });
    if (!row) throw notFound('报送的办件');
    const unit = await em.findOneOrFail(
      Organisation,
      { id: row.organisationId },
      { disableIdentityMap: true },
    );
    const own = principal.organisationId === row.organisationId;
    const overseer =
      isManagementOverseer(principal) &&
      (await this.ctx.jurisdictions.within(principal.jurisdictionId)).includes(unit.jurisdictionId);
    if (!own && !overseer) throw forbidden('该办件的单位不在您的管辖范围内');
    const [type] = await em.find(
      LicenceType,
      { code: row.typeCode },
      { orderBy: { version: 'desc' }, limit: 1 },
    );
    const [licence]: Array<{ identifier: string }> = await em.execute(
      `select l.identifier from licence_issuance i join licence l on l.id = i.licence_id
        where i.organisation_id = ? and i.case_id = ?`,
      [row.organisationId, row.caseId],
    );
    const finding = await em.findOne(
      SupervisionFinding,
      { sourceKey: announcedCaseFindingKey(id) },
      { disableIdentityMap: true },
    );
    return {
      ...caseJson(row),
      typeName: type?.name ?? row.typeCode,
      unitName: unit.name,
      licenceIdentifier: licence?.identifier ?? null,
      finding: finding && findingJson(finding, unit),
      overseer,
    };
  }

  /**
   * The licence of a case arrived (an issuance request with its case id was stored): tells the case's workflow.
   * A lost signal is caught up at the deadline, where the workflow looks for the request itself.
   */
  async issuanceArrived(organisationId: string, caseId: string, receivedAt: Date): Promise<void> {
    const row = await this.byCase(organisationId, caseId);
    if (!row || row.status === 'issued' || row.status === 'issued_late') return;
    try {
      await this.ctx.temporal.workflow
        .getHandle(row.workflowId)
        .signal(licenceArrivedSignal, { receivedAt: receivedAt.toISOString() });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      logger.warn({ err, caseId }, 'could not tell the announced case that its licence arrived');
    }
  }

  private byCase(organisationId: string, caseId: string): Promise<AnnouncedCase | null> {
    return this.ctx.em().findOne(AnnouncedCase, { organisationId, caseId }, { disableIdentityMap: true });
  }

  private row(id: string): Promise<AnnouncedCase> {
    return this.ctx.em().findOneOrFail(AnnouncedCase, { id }, { disableIdentityMap: true });
  }
}

export function caseJson(c: AnnouncedCase) {
  return {
    id: c.id,
    organisationId: c.organisationId,
    caseId: c.caseId,
    licenceType: c.typeCode,
    closedAt: c.closedAt.toISOString(),
    deadline: { dueAt: c.deadlineAt.toISOString(), provisional: c.deadlineProvisional },
    status: c.status,
    statusLabel: ANNOUNCED_CASE_STATUS_LABELS[c.status],
    announcedAt: c.announcedAt.toISOString(),
    arrivedAt: c.arrivedAt?.toISOString() ?? null,
    flaggedAt: c.flaggedAt?.toISOString() ?? null,
  };
}
