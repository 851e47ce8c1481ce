/**
 * Issue 12 Build 1 and 4 (LM-8): a licence's lifecycle events through the API — recording one (by the issuing
 * unit's staff or business system; idempotent by the unit's case id, the same case id with other content 409, an
 * illegal transition 409 naming its rule, the decisions through the approval engine), its history, and its status
 * at any moment. The event is stored and its workflow (workflows/licence-event.ts) started through
 * usecases/durable-request.ts; the answer waits briefly for the signature.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { Licence, LicenceEvent } from '../../db/licence-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { canonicalJson } from '../../domain/canonical-json';
import { LICENCE_STATUS_LABELS } from '../../domain/licence';
import {
  applyEvent,
  EVENT_EXTRA_FIELDS,
  eventFieldProblems,
  isRefusal,
  LICENCE_EVENT_RULES,
  newVersionId,
} from '../../domain/licence-lifecycle';
import { LicenceEventBody } from '../../domain/licence-lifecycle-schema';
import { DurableRequests, NewRequest } from '../../usecases/durable-request';
import { licenceEventWorkflow, licenceEventWorkflowId } from '../../workflows/licence-event';
import type { AppContext } from '../context';
import { ApiError, badRequest, forbidden } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import type { ApprovalService } from './approvals';
import { assertLicenceAccess, ISSUER_ROLES } from './licence-access';
import { licenceStatusAt, StatusAtView } from './licence-status';
import type { LicenceService } from './licences';

const WAIT_MS = 10_000;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LicenceEventView {
  id: string;
  caseId: string;
  kind: LicenceEvent['kind'];
  kindLabel: string;
  status: LicenceEvent['status'];
  statusReason: string | null;
  legalBasis: string;
  reason: string;
  fields: Record<string, string>;
  requestedBy: string;
  requestedAt: string;
  effectiveAt: string | null;
  recordedAt: string | null;
  statusAfter: string | null;
  signature: { sealName: string; signingTime: string; dataHash: string } | null;
  approvalId: string | null;
  /** 补发 and 延续, once recorded: the identifier of the version the event made. */
  newIdentifier: string | null;
}

export interface EventAnswer {
  status: 200 | 201 | 202;
  body: { event: LicenceEventView };
}

export const StatusAtQuery = z
  .object({
    at: z.iso
      .datetime({ offset: true, message: '应为 ISO 8601 时间，如 2026-03-01T00:00:00+08:00' })
      .optional(),
  })
  .strict();

export class LicenceEventService {
  private readonly durable: DurableRequests;

  constructor(
    private readonly ctx: AppContext,
    private readonly licences: LicenceService,
    private readonly approvals: ApprovalService,
  ) {
    this.durable = new DurableRequests(ctx);
  }

  /** POST /api/licenses/:identifier/events */
  async record(
    principal: Principal,
    identifier: string,
    raw: unknown,
    meta: RequestMeta,
  ): Promise<EventAnswer> {
    const licence = await this.licences.licenceByIdentifier(identifier);
    await this.requireIssuer(principal, licence, meta);
    const body = parse(LicenceEventBody, raw);
    const problems = eventFieldProblems(body);
    if (problems.length > 0) throw badRequest(problems);
    const fingerprint = sha256(canonicalJson({ identifier: licence.identifier, ...body }));
    const id = randomUUID();
    const workflowId = licenceEventWorkflowId(principal.organisationId, body.caseId);
    const submitted = await this.durable.submit({
      findExisting: () => this.byCase(principal.organisationId, body.caseId),
      prepare: async (): Promise<NewRequest<typeof licenceEventWorkflow>> => {
        await this.assertTransition(licence, body);
        const rule = LICENCE_EVENT_RULES[body.kind];
        const approval = rule.approval
          ? await this.approvals.buildInput({
              kind: 'licence_revocation',
              principal,
              organisationId: licence.issuerOrganisationId,
              processId: id,
              title: `${rule.label}：${licence.name}（${licence.identifier}）`,
              detailPath: `/licences/${encodeURIComponent(licence.identifier)}`,
              comment: body.reason,
              variables: { eventKind: body.kind },
            })
          : null;
        const audit = {
          actor: actorOf(principal),
          action: `licence.event.${body.kind}.request`,
          targetType: 'licence',
          targetId: licence.identifier,
          requestId: meta.requestId,
          ip: meta.ip,
        };
        return {
          workflow: licenceEventWorkflow,
          workflowId,
          args: [{ eventId: id, licenceId: licence.id, approval }],
          insert: async (tx) => {
            const rows: Array<{ id: string }> = await tx.execute(
              `insert into licence_event (id, licence_id, organisation_id, case_id, kind, request,
                 request_fingerprint, workflow_id, status, requested_by, requested_at)
               values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, 'pending', ?, ?)
               on conflict (organisation_id, case_id) do nothing returning id`,
              [
                id,
                licence.id,
                principal.organisationId,
                body.caseId,
                body.kind,
                JSON.stringify(body),
                fingerprint,
                workflowId,
                principal.userId,
                new Date(),
              ],
            );
            return rows.length > 0;
          },
          audit: { ...audit, details: { caseId: body.caseId, eventId: id, approval: rule.approval } },
          undo: (tx) => tx.nativeDelete(LicenceEvent, { id, status: 'pending' }),
          failureAudit: (err) => ({ ...audit, details: { caseId: body.caseId, error: String(err) } }),
          unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，证照事项未受理，请稍后重试'),
        };
      },
    });
    if (!submitted.created) {
      if (submitted.existing.requestFingerprint !== fingerprint) {
        throw new ApiError(
          'CONFLICT',
          `业务办件号 ${body.caseId} 已用于另一内容不同的证照事项，同一办件不能办理不同的事项`,
          { rule: 'case_id_reused' },
        );
      }
      return this.answer(submitted.existing.id, false);
    }
    return this.answer(id, true);
  }

  /** The transition must be legal now, and no other event of the licence may be in flight (409 naming the rule). */
  private async assertTransition(licence: Licence, body: LicenceEventBody): Promise<void> {
    if (licence.status === 'superseded') {
      throw new ApiError('CONFLICT', `证照 ${licence.identifier} 已有更新的版本，请对最新版本办理`, {
        rule: 'superseded',
      });
    }
    const next = applyEvent(
      { status: licence.status, suspensions: licence.suspensions },
      body.kind,
      {
        id: 'check',
        at: new Date().toISOString(),
        reason: body.reason,
        validTo: body.validTo,
      },
      { validTo: licence.validTo },
    );
    if (isRefusal(next)) throw new ApiError('CONFLICT', next.message, { rule: next.rule });
    const open = await this.ctx.em().count(LicenceEvent, {
      licenceId: licence.id,
      status: { $in: ['pending', 'awaiting_approval', 'awaiting_seal'] },
    });
    if (open > 0) {
      throw new ApiError('CONFLICT', `证照 ${licence.identifier} 有一项事项正在办理，请待其完成后再办理`, {
        rule: 'event_in_progress',
      });
    }
  }

  /** Waits up to WAIT_MS for the event to be recorded: 201 recorded (200 a repeat), 202 waiting, 409 failed. */
  private async answer(eventId: string, created: boolean): Promise<EventAnswer> {
    const until = Date.now() + WAIT_MS;
    let event = await this.row(eventId);
    for (
      let pause = 20;
      event.status === 'pending' && Date.now() < until;
      pause = Math.min(pause * 1.5, 250)
    ) {
      await sleep(pause);
      event = await this.row(eventId);
    }
    if (event.status === 'failed') {
      throw new ApiError('CONFLICT', event.statusReason ?? '证照事项未能办理', {
        rule: 'transition',
        event: await this.view(event),
      });
    }
    const view = await this.view(event);
    if (!created) return { status: 200, body: { event: view } };
    return { status: event.status === 'recorded' ? 201 : 202, body: { event: view } };
  }

  /** GET /api/licenses/:identifier/events: the licence's events, oldest first. */
  async history(principal: Principal, identifier: string, meta: RequestMeta): Promise<LicenceEventView[]> {
    const licence = await this.licences.licenceByIdentifier(identifier);
    await assertLicenceAccess(
      principal,
      licence,
      { em: this.ctx.em(), jurisdictions: this.ctx.jurisdictions },
      { action: 'licence.events', ...meta },
    );
    const rows = await this.ctx
      .em()
      .find(
        LicenceEvent,
        { licenceId: licence.id },
        { orderBy: { requestedAt: 'asc' }, disableIdentityMap: true },
      );
    return Promise.all(rows.map((r) => this.view(r)));
  }

  /** GET /api/licenses/:identifier/status?at= (issue 12 Build 4): the licence's status at that moment. */
  async statusAt(principal: Principal, identifier: string, at: string | undefined, meta: RequestMeta) {
    const licence = await this.licences.licenceByIdentifier(identifier);
    await assertLicenceAccess(
      principal,
      licence,
      { em: this.ctx.em(), jurisdictions: this.ctx.jurisdictions },
      { action: 'licence.status', ...meta },
    );
    return this.statusOf(licence, at ?? new Date().toISOString());
  }

  /** The status of a licence at a moment, from its recorded events (also for the verification report). */
  statusOf(licence: Licence, at: string): Promise<StatusAtView> {
    return licenceStatusAt(this.ctx.em(), licence, at);
  }

  /** The expiry reminders e-mailed for the licence (WP-(三)5), oldest first: offset and when sent. */
  async reminders(licence: Licence): Promise<Array<{ offset: number; sentAt: string | null; to: string }>> {
    const rows = await this.ctx
      .em()
      .getConnection()
      .execute<Array<{ id: string; sent_at: Date | null; to_address: string }>>(
        `select id, sent_at, to_address from email_message where id like ? order by created_at`,
        [`licence-expiry-reminder:${licence.id}:%`],
      );
    return rows.map((r) => ({
      offset: Number(r.id.split(':').pop()),
      sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
      to: r.to_address,
    }));
  }

  /** Whether the caller may record events on the licence (its issuing unit's issuing roles). */
  mayRecord(principal: Principal, licence: Licence): boolean {
    return (
      principal.roles.some((r) => ISSUER_ROLES.includes(r)) &&
      licence.issuerOrganisationId === principal.organisationId
    );
  }

  private byCase(organisationId: string, caseId: string): Promise<LicenceEvent | null> {
    return this.ctx.em().findOne(LicenceEvent, { organisationId, caseId }, { disableIdentityMap: true });
  }

  private row(id: string): Promise<LicenceEvent> {
    return this.ctx.em().findOneOrFail(LicenceEvent, { id }, { disableIdentityMap: true });
  }

  private async view(e: LicenceEvent): Promise<LicenceEventView> {
    const body = e.request as unknown as LicenceEventBody;
    const rule = LICENCE_EVENT_RULES[e.kind];
    const user = await this.ctx
      .em()
      .getConnection()
      .execute<Array<{ display_name: string }>>('select display_name from app_user where id = ?', [
        e.requestedBy,
      ]);
    const fields: Record<string, string> = {};
    for (const f of EVENT_EXTRA_FIELDS) if (body[f]) fields[f] = body[f]!;
    return {
      id: e.id,
      caseId: e.caseId,
      kind: e.kind,
      kindLabel: rule.label,
      status: e.status,
      statusReason: e.statusReason,
      legalBasis: body.legalBasis,
      reason: body.reason,
      fields,
      requestedBy: user[0]?.display_name ?? e.requestedBy,
      requestedAt: e.requestedAt.toISOString(),
      effectiveAt: e.effectiveAt?.toISOString() ?? null,
      recordedAt: e.recordedAt?.toISOString() ?? null,
      statusAfter: e.stateAfter ? LICENCE_STATUS_LABELS[e.stateAfter.status] : null,
      signature: e.signature
        ? {
            sealName: e.signature.seal.name,
            signingTime: e.signature.signingTime,
            dataHash: e.signature.dataHash.value,
          }
        : null,
      approvalId: rule.approval ? approvalWorkflowId('licence_revocation', e.id) : null,
      newIdentifier: await this.newIdentifierOf(e),
    };
  }

  private async newIdentifierOf(e: LicenceEvent): Promise<string | null> {
    if (LICENCE_EVENT_RULES[e.kind].effect.type !== 'new_version' || e.status !== 'recorded') return null;
    const made = await this.ctx
      .em()
      .findOne(Licence, { id: newVersionId(e.id) }, { fields: ['identifier'], disableIdentityMap: true });
    return made?.identifier ?? null;
  }

  private async requireIssuer(principal: Principal, licence: Licence, meta: RequestMeta): Promise<void> {
    if (this.mayRecord(principal, licence)) return;
    // LM-8
    const message = '只有颁发单位的证照制发人员或业务系统可以办理证照事项';
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action: 'licence.event',
      targetType: 'licence',
      targetId: licence.identifier,
      outcome: 'denied',
      details: { reason: message },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    const error = forbidden(message);
    error.audited = true;
    throw error;
  }
}
