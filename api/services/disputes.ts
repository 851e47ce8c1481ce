/**
 * Disputes over a licence (issue 13, LM-23): raising one (the holder, a using unit's verifier, or anyone from the
 * public page with a contact), the decisions of the issuing unit's designated staff (mark, answer, ask for
 * material) and the challenger's withdrawal, each sent to the dispute's workflow as an update; the dispute's page
 * data, the unit's list, the management unit's supervision view, and the marker the licence views show.
 */
import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { z } from 'zod';
import { Attachment } from '../../db/approval-entities';
import { calendarCacheOf } from '../../db/calendar';
import { DesignatedStaff, Dispute, DisputeBreach, DisputeEvent } from '../../db/dispute-entities';
import { Organisation } from '../../db/entities';
import { Licence, LicenceType } from '../../db/licence-entities';
import { timeLeftMs } from '../../domain/calendar';
import {
  ChallengerKind,
  CORRECTING_OUTCOMES,
  DISPUTE_MARKER_LABEL,
  DisputeActor,
  disputeDeadlines,
  disputeWorkflowId,
  markerStands,
  unknownItems,
} from '../../domain/dispute';
import {
  DisputeAnswer,
  DisputeRequest,
  MarkRequest,
  MaterialRequest,
  WithdrawRequest,
} from '../../domain/dispute-schema';
import { DurableRequests, NewRequest } from '../../usecases/durable-request';
import { disputeWorkflow } from '../../workflows/dispute';
import {
  answerUpdate,
  DISPUTE_REFUSED,
  markUpdate,
  requestMaterialUpdate,
  withdrawUpdate,
} from '../../workflows/dispute-messages';
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import { licenceAccess } from './licence-access';

export type DisputeDecision = 'mark' | 'answer' | 'request-material' | 'withdraw';

const DECISIONS: Record<DisputeDecision, { schema: z.ZodType; by: 'unit' | 'challenger' }> = {
  mark: { schema: MarkRequest, by: 'unit' },
  answer: { schema: DisputeAnswer, by: 'unit' },
  'request-material': { schema: MaterialRequest, by: 'unit' },
  withdraw: { schema: WithdrawRequest, by: 'challenger' },
};

/** Sends a decision (its body already parsed by its schema) to the dispute's workflow as its update. */
async function sendDecision(
  handle: WorkflowHandle,
  decision: DisputeDecision,
  actor: DisputeActor,
  body: unknown,
): Promise<void> {
  if (decision === 'mark') {
    await handle.executeUpdate(markUpdate, { args: [{ actor, ...(body as MarkRequest) }] });
  } else if (decision === 'answer') {
    await handle.executeUpdate(answerUpdate, { args: [{ actor, answer: body as DisputeAnswer }] });
  } else if (decision === 'request-material') {
    await handle.executeUpdate(requestMaterialUpdate, { args: [{ actor, ...(body as MaterialRequest) }] });
  } else {
    await handle.executeUpdate(withdrawUpdate, { args: [{ actor, ...(body as WithdrawRequest) }] });
  }
}

const UNAVAILABLE = '流程服务暂不可用，异议未提交，请稍后重试';

export class DisputeService {
  constructor(private readonly ctx: AppContext) {}

  /** LM-23: stores the challenge with its two deadlines and starts its workflow; the receipt. */
  async raise(principal: Principal | null, identifier: string, raw: unknown, meta: RequestMeta) {
    const body = parse(DisputeRequest, raw);
    const em = this.ctx.em();
    const licence = await em.findOne(Licence, { identifier: identifier.trim().toUpperCase() });
    if (!licence) throw notFound(`证照 ${identifier.slice(0, 120)} `);
    const type = await em.findOneOrFail(LicenceType, { id: licence.typeId });
    const unknown = unknownItems(
      body.items,
      type.definition.dataItems.map((i) => i.label),
    );
    if (unknown.length > 0) {
      throw badRequest([
        { field: 'items', rule: 'unknown_item', message: `该证照没有以下数据项：${unknown.join('、')}` },
      ]);
    }
    const challenger = await this.challenger(principal, licence, body);
    const attachments = await this.attachments(principal, body.attachments);
    const receivedAt = new Date();
    const due = disputeDeadlines(await calendarCacheOf(this.ctx.orm).get(em), receivedAt);
    const id = randomUUID();
    const workflowId = disputeWorkflowId(id);
    const row: Dispute = Object.assign(new Dispute(), {
      id,
      licenceIdentifier: licence.identifier,
      licenceSeriesId: licence.seriesId,
      typeCode: licence.typeCode,
      issuerOrganisationId: licence.issuerOrganisationId,
      ...challenger,
      ground: body.ground,
      items: body.items,
      description: body.description,
      attachments,
      status: 'received' as const,
      receivedAt,
      markerDueAt: new Date(due.marker.dueAt),
      markerProvisional: due.marker.provisional,
      outcomeDueAt: new Date(due.outcome.dueAt),
      outcomeProvisional: due.outcome.provisional,
      workflowId,
    });
    const audit = {
      actor: principal
        ? actorOf(principal)
        : { userId: null, username: 'anonymous', roles: [], organisationId: null },
      action: 'dispute.raise',
      targetType: 'dispute',
      targetId: id,
      requestId: meta.requestId,
      ip: meta.ip,
    };
    await new DurableRequests(this.ctx).submit<typeof disputeWorkflow, never>({
      prepare: async (): Promise<NewRequest<typeof disputeWorkflow>> => ({
        workflow: disputeWorkflow,
        workflowId,
        args: [{ disputeId: id, markerDueAt: due.marker.dueAt, outcomeDueAt: due.outcome.dueAt }],
        insert: async (tx) => {
          await tx.insert(Dispute, row);
        },
        audit: {
          ...audit,
          details: { licence: licence.identifier, kind: challenger.challengerKind, items: body.items },
        },
        undo: (tx) => tx.nativeDelete(Dispute, { id }),
        failureAudit: (err) => ({ ...audit, details: { error: String(err) } }),
        unavailable: () => new ApiError('UNAVAILABLE', UNAVAILABLE),
      }),
    });
    return {
      id,
      licenceIdentifier: licence.identifier,
      status: 'received',
      receivedAt: receivedAt.toISOString(),
      markerDeadline: due.marker,
      outcomeDeadline: due.outcome,
      url: `/disputes/${id}`,
    };
  }

  /** Who is challenging: the holder, a using unit's verifier, or anyone else with a contact; never the issuer. */
  private async challenger(
    principal: Principal | null,
    licence: Licence,
    body: DisputeRequest,
  ): Promise<
    Pick<
      Dispute,
      | 'challengerKind'
      | 'challengerUserId'
      | 'challengerOrganisationId'
      | 'challengerName'
      | 'challengerEmail'
      | 'challengerPhone'
    >
  > {
    let kind: ChallengerKind = 'public';
    if (principal) {
      const access = await licenceAccess(principal, licence, {
        em: this.ctx.em(),
        jurisdictions: this.ctx.jurisdictions,
      });
      if (access.allowed && (access.basis === 'issuer' || access.basis === 'overseer')) {
        throw forbidden('颁发单位和管理单位不能对证照提出异议，请直接更正或督办');
      }
      if (access.allowed) kind = access.basis === 'holder' ? 'holder' : 'using_unit';
    }
    if (kind === 'public' && !body.contact) {
      throw badRequest([{ field: 'contact', rule: 'required', message: '请留下姓名和电话或电子邮箱' }]);
    }
    return {
      challengerKind: kind,
      challengerUserId: principal?.userId ?? null,
      challengerOrganisationId: principal?.organisationId ?? null,
      challengerName: body.contact?.name ?? principal!.displayName,
      challengerEmail: body.contact?.email ?? principal?.email ?? null,
      challengerPhone: body.contact?.phone ?? null,
    };
  }

  /** Attachments uploaded by the caller (POST /api/attachments, which bounds their size); none when anonymous. */
  private async attachments(principal: Principal | null, ids: string[]) {
    if (ids.length === 0) return [];
    if (!principal) {
      throw badRequest([{ field: 'attachments', rule: 'login_required', message: '上传附件需先登录' }]);
    }
    const rows = await this.ctx.em().find(Attachment, { id: { $in: ids } }, { exclude: ['content'] });
    return ids.map((id, i) => {
      const a = rows.find((r) => r.id === id);
      if (!a || a.uploadedBy !== principal.userId) {
        throw badRequest([
          { field: `attachments.${i}`, rule: 'attachment', message: '附件不存在或不是您上传的' },
        ]);
      }
      return { id: a.id, fileName: a.fileName, size: a.size };
    });
  }

  /** What the dispute form shows (to anyone, as the public verification page does): the licence and its item labels. */
  async formModel(identifier: string) {
    const em = this.ctx.em();
    const licence = await em.findOne(Licence, { identifier: identifier.trim().toUpperCase() });
    if (!licence) throw notFound(`证照 ${identifier.slice(0, 120)} `);
    const type = await em.findOneOrFail(LicenceType, { id: licence.typeId });
    return {
      identifier: licence.identifier,
      name: licence.name,
      labels: type.definition.dataItems.map((i) => i.label),
    };
  }

  /** A decision of the issuing unit's designated staff, or the challenger's withdrawal, through the workflow. */
  async decide(principal: Principal, id: string, decision: DisputeDecision, raw: unknown, meta: RequestMeta) {
    const entry = DECISIONS[decision];
    const body = parse(entry.schema, raw ?? {});
    const dispute = await this.ctx.em().findOne(Dispute, { id });
    if (!dispute) throw notFound('异议');
    if (entry.by === 'unit' && !(await this.isHandler(principal, dispute))) {
      throw forbidden('只有颁发单位的异议处理人员可以办理该异议');
    }
    if (entry.by === 'challenger' && dispute.challengerUserId !== principal.userId) {
      throw forbidden('只有提出异议的本人可以撤回');
    }
    if (decision === 'answer') await this.checkNewVersion(dispute, body as DisputeAnswer);
    const actor: DisputeActor = {
      userId: principal.userId,
      username: principal.username,
      displayName: principal.displayName,
    };
    const handle = this.ctx.temporal.workflow.getHandle(dispute.workflowId);
    try {
      await sendDecision(handle, decision, actor, body);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw conflict('异议已办结');
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === DISPUTE_REFUSED)
        throw conflict(cause.message);
      throw err;
    }
    void meta; // audited by the workflow's activity, with the acting user
    return this.view(principal, id);
  }

  /** What the caller may do on the dispute's page: decide (the unit's dispute staff) or withdraw (the challenger). */
  async mayDecide(principal: Principal, id: string): Promise<{ handler: boolean; challenger: boolean }> {
    const dispute = await this.ctx.em().findOneOrFail(Dispute, { id });
    return {
      handler: await this.isHandler(principal, dispute),
      challenger: dispute.challengerUserId === principal.userId,
    };
  }

  /** The issuing unit's dispute staff (dispute_handler), falling back to its designated people (LM-24). */
  private async isHandler(principal: Principal, dispute: Dispute): Promise<boolean> {
    if (principal.organisationId !== dispute.issuerOrganisationId) return false;
    if (principal.roles.includes('dispute_handler')) return true;
    const designated = await this.ctx.em().count(DesignatedStaff, {
      organisationId: dispute.issuerOrganisationId,
      userId: principal.userId,
      untilAt: null,
    });
    return designated > 0;
  }

  /** A correcting answer names a newer version of the same licence, already issued through the lifecycle. */
  private async checkNewVersion(dispute: Dispute, answer: DisputeAnswer): Promise<void> {
    if (!CORRECTING_OUTCOMES.includes(answer.outcome)) return;
    const em = this.ctx.em();
    const [next, challenged] = await Promise.all([
      em.findOne(Licence, { identifier: answer.newIdentifier!.trim().toUpperCase() }),
      em.findOneOrFail(Licence, { identifier: dispute.licenceIdentifier }),
    ]);
    if (!next || next.seriesId !== dispute.licenceSeriesId || next.version <= challenged.version) {
      throw badRequest([
        {
          field: 'newIdentifier',
          rule: 'new_version',
          message: '新版本证照标识须是该证照更正后签发的新版本',
        },
      ]);
    }
  }

  /** The dispute with its timeline: for the challenger, the issuing unit's staff and overseers. */
  async view(principal: Principal, id: string) {
    const em = this.ctx.em();
    const dispute = await em.findOne(Dispute, { id });
    if (!dispute) throw notFound('异议');
    if (!(await this.maySee(principal, dispute))) throw forbidden('无权查看该异议');
    const events = await em.find(DisputeEvent, { disputeId: id }, { orderBy: { at: 'asc' } });
    const breaches = await em.find(DisputeBreach, { disputeId: id });
    return {
      ...disputeJson(dispute),
      events: events.map((e) => ({
        kind: e.kind,
        actor: e.actorUsername,
        at: e.at.toISOString(),
        detail: e.detail,
      })),
      breaches: breaches.map((b) => ({
        kind: b.kind,
        dueAt: b.dueAt.toISOString(),
        breachedAt: b.breachedAt.toISOString(),
      })),
    };
  }

  private async maySee(principal: Principal, dispute: Dispute): Promise<boolean> {
    if (dispute.challengerUserId === principal.userId) return true;
    if (principal.organisationId === dispute.issuerOrganisationId) return true;
    if (!isManagementOverseer(principal)) return false;
    const issuer = await this.ctx.em().findOneOrFail(Organisation, { id: dispute.issuerOrganisationId });
    return this.ctx.jurisdictions.isWithin(principal.jurisdictionId, issuer.jurisdictionId);
  }

  /** The marker a licence shows while a dispute over any of its versions stands (有异议·核查中), else null. */
  async markerOf(seriesId: string): Promise<{ label: string; disputeIds: string[] } | null> {
    const open = await this.ctx.em().find(Dispute, { licenceSeriesId: seriesId, status: 'marked' });
    const standing = open.filter((d) => markerStands(d.status));
    return standing.length ? { label: DISPUTE_MARKER_LABEL, disputeIds: standing.map((d) => d.id) } : null;
  }

  /** The management unit's view (LM-28): open disputes of the units in its jurisdiction, least time left first. */
  async supervision(principal: Principal) {
    if (!isManagementOverseer(principal)) throw forbidden('只有管理单位的监督管理人员可以查看');
    const em = this.ctx.em();
    const disputes = await em.find(Dispute, { status: { $in: ['received', 'marked'] } });
    const organisations = await em.find(Organisation, {
      id: { $in: [...new Set(disputes.map((d) => d.issuerOrganisationId))] },
    });
    const byId = new Map(organisations.map((o) => [o.id, o]));
    const breaches = await em.find(DisputeBreach, { disputeId: { $in: disputes.map((d) => d.id) } });
    const now = new Date();
    const items = [];
    for (const d of disputes) {
      const unit = byId.get(d.issuerOrganisationId)!;
      if (!(await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, unit.jurisdictionId))) continue;
      const dueAt = d.status === 'received' ? d.markerDueAt : d.outcomeDueAt;
      items.push({
        ...disputeJson(d),
        unitName: unit.name,
        currentDueAt: dueAt.toISOString(),
        timeLeftMs: timeLeftMs(dueAt, now),
        breached: breaches.filter((b) => b.disputeId === d.id).map((b) => b.kind),
      });
    }
    items.sort((a, b) => a.timeLeftMs! - b.timeLeftMs!);
    return { items };
  }

  /** The issuing unit's disputes (its staff), newest first. */
  async listForUnit(principal: Principal) {
    const rows = await this.ctx
      .em()
      .find(Dispute, { issuerOrganisationId: principal.organisationId }, { orderBy: { receivedAt: 'desc' } });
    return { items: rows.map(disputeJson) };
  }
}

function disputeJson(d: Dispute) {
  return {
    id: d.id,
    licenceIdentifier: d.licenceIdentifier,
    issuerOrganisationId: d.issuerOrganisationId,
    challengerKind: d.challengerKind,
    challengerName: d.challengerName,
    ground: d.ground,
    items: d.items,
    description: d.description,
    attachments: d.attachments,
    status: d.status,
    receivedAt: d.receivedAt.toISOString(),
    markerDeadline: { dueAt: d.markerDueAt.toISOString(), provisional: d.markerProvisional },
    outcomeDeadline: { dueAt: d.outcomeDueAt.toISOString(), provisional: d.outcomeProvisional },
    markedAt: d.markedAt?.toISOString() ?? null,
    markedBy: d.markedBy,
    outcome: d.outcome,
    outcomeReasons: d.outcomeReasons,
    newIdentifier: d.newIdentifier,
    closedAt: d.closedAt?.toISOString() ?? null,
  };
}
