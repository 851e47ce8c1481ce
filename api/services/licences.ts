/**
 * Licences as the API uses them (LM-7, LM-9, LM-14, LM-16): issuing and changing through an issuing unit's
 * business system (the request is stored, then the licence-issuance workflow signs it; see
 * workflows/licence-issuance.ts), reading one licence (role- and jurisdiction-checked, masked where the rule says,
 * api/services/licence-access.ts), its export and versions, the issuing unit's search, and the management unit's
 * list of late arrivals (LM-9).
 *
 * Idempotency: one request per (issuing unit, business case id). The row is inserted first (unique on both), so a
 * retried request finds it: the same content answers with its current state, other content is a 409. The workflow
 * id comes from the row id, so a retry attaches to the same process.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { calendarCacheOf } from '../../db/calendar';
import { CertificateAuthority, Organisation } from '../../db/entities';
import { Licence, LicenceIssuance, LicenceType } from '../../db/licence-entities';
import { canonicalJson } from '../../domain/canonical-json';
import { startOfShanghaiDay, endOfShanghaiDay } from '../../domain/calendar';
import { excusingIncident } from '../../domain/force-majeure';
import { incidentWindows } from '../../db/force-majeure';
import { issuanceLateness, LicenceStatus, normaliseIdentifier, validityEnd } from '../../domain/licence';
import { ChangeKind, planIssuance } from '../../domain/licence-issuance';
import { ChangeLicenceBody, IssueLicenceBody } from '../../domain/licence-issuance-schema';
import { dataProblems, isRealDate } from '../../domain/licence-type';
import { LicenceExport, licenceExport, licenceLogLeaf } from '../../pki/licence-document';
import { sesSignatureDer } from '../../pki/ses-signature';
import { CA_ID } from '../../usecases/certificate-authority';
import { logLeafHash } from '../../pki/transparency-log';
import { inclusionEvidence } from '../../usecases/transparency-log';
import { DurableRequests, NewRequest, WorkflowStart } from '../../usecases/durable-request';
import { licenceIssuanceWorkflow } from '../../workflows/licence-issuance';
import { issuanceSettled, licenceIssuanceWorkflowId } from '../../workflows/licence-issuance-messages';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, FieldProblem, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import { assertLicenceAccess, ISSUER_ROLES } from './licence-access';
import {
  disputeMarkerFor,
  IssuanceFacts,
  IssuanceView,
  issuanceView,
  LicenceView,
  licenceView,
  VersionItem,
} from './licence-views';
import { isManagementOverseer } from '../access';
import { searchScope } from './licence-search';
import { AnnouncedCaseService } from './announced-cases';

export type { IssuanceView, LicenceView, VersionItem } from './licence-views';

/** How long a request waits for the signature before answering 202 (the business system then polls). */
const ISSUE_WAIT_MS = 10_000;
/** A case cannot close in the future; a little clock skew between systems is tolerated. */
const CLOCK_SKEW_MS = 5 * 60_000;
const PAGE_SIZE = 50;

/** What POST /api/licenses and POST …/versions answer: the HTTP status with its body. */
export type IssueAnswer =
  | { status: 201 | 200; body: { issuance: IssuanceView; licence: LicenceView | null }; location: string }
  | { status: 202; body: { issuance: IssuanceView }; location: string };

export interface LateUnit {
  organisationId: string;
  organisationName: string;
  count: number;
  /** LM-11: how many of them a reported force-majeure incident excuses. */
  excused: number;
  items: Array<{
    issuanceId: string;
    caseId: string;
    kind: LicenceIssuance['kind'];
    typeCode: string;
    typeName: string;
    caseClosedAt: string;
    deadlineAt: string;
    deadlineProvisional: boolean;
    receivedAt: string;
    status: LicenceIssuance['status'];
    licenceIdentifier: string | null;
    /** LM-11: the force-majeure incident that excuses it, or null. */
    excusedIncidentId: string | null;
    /** The case as announced when it closed (its page, /supervision/cases/<id>), or null when never announced. */
    announcedCaseId: string | null;
  }>;
}

const IsoDate = z.string().refine(isRealDate, { message: '应为日期，如 2026-11-27' });

export const LicenceSearchQuery = z
  .object({
    holderCode: z
      .string()
      .trim()
      .min(1)
      .max(30)
      .transform((s) => s.toUpperCase())
      .optional(),
    typeCode: z.string().trim().length(21).optional(),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
  })
  .strict();
export type LicenceSearchQuery = z.infer<typeof LicenceSearchQuery>;

export const LateArrivalsQuery = z
  .object({
    organisationId: z.string().trim().min(1).max(100).optional(),
    /** Received on or after this Shanghai date. */
    from: IsoDate.optional(),
    /** Received on or before this Shanghai date. */
    to: IsoDate.optional(),
  })
  .strict();
export type LateArrivalsQuery = z.infer<typeof LateArrivalsQuery>;

type Meta = RequestMeta;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Where the issuing unit's system polls a request (GET /api/licenses/issuances/:caseId). */
const issuanceLocation = (i: Pick<LicenceIssuance, 'caseId'>) =>
  `/api/licenses/issuances/${encodeURIComponent(i.caseId)}`;

export class LicenceService {
  private readonly durable: DurableRequests;

  constructor(private readonly ctx: AppContext) {
    this.durable = new DurableRequests(ctx);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Issuing

  /** POST /api/licenses: a first issuance (version 001). */
  async issue(principal: Principal, raw: unknown, meta: Meta): Promise<IssueAnswer> {
    await this.requireIssuerRole(principal, 'licence.issue', caseIdOf(raw), meta);
    const body = parse(IssueLicenceBody, raw);
    const em = this.ctx.em();
    const type = await em.findOne(LicenceType, { code: body.licenceType, status: 'published' });
    if (!type) {
      throw badRequest([
        { field: 'licenceType', rule: 'unknown_type', message: '证照目录中没有该代码的已发布证照类型' },
      ]);
    }
    await this.requireIssuingUnit(principal, type, 'licence.issue', body.caseId, meta);
    const planned = planIssuance(type.definition, body);
    const problems: FieldProblem[] = 'problems' in planned ? [...planned.problems] : [];
    const closedProblem = caseClosedProblem(body.caseClosedAt);
    if (closedProblem) problems.push(closedProblem);
    if ('problems' in planned || problems.length > 0) throw badRequest(problems);

    return this.store(principal, meta, {
      kind: 'issue',
      caseId: body.caseId,
      caseClosedAt: body.caseClosedAt,
      type,
      previousLicenceId: null,
      fingerprint: sha256(canonicalJson(body)),
      request: { ...body, plan: planned.plan },
      auditDetails: {
        typeCode: type.code,
        legacyCodeWarning: planned.plan.legacyCodeWarning,
      },
    });
  }

  /**
   * POST /api/licenses/:identifier/versions: a new version of the latest version of a licence, by its issuing
   * unit. The data is checked against the type's currently published version, not the one the licence was issued
   * under: a new version is a licence issued today and carries today's catalogue (its items, patterns, face and
   * service items), as usecases/licence-issuing.ts stamps it with that version; the old version keeps its own.
   */
  async change(principal: Principal, identifier: string, raw: unknown, meta: Meta): Promise<IssueAnswer> {
    await this.requireIssuerRole(principal, 'licence.change', caseIdOf(raw), meta);
    const body = parse(ChangeLicenceBody, raw);
    const em = this.ctx.em();
    const previous = await em.findOne(Licence, { identifier: normaliseIdentifier(identifier) });
    if (!previous) throw notFound('证照');
    if (previous.issuerOrganisationId !== principal.organisationId) {
      await this.deny(
        principal,
        'licence.change',
        previous.identifier,
        // LM-7
        '只有颁发单位可以变更或更正证照',
        meta,
      );
    }
    const fingerprint = sha256(canonicalJson({ previousIdentifier: previous.identifier, ...body }));
    // A repeat of a change that already went through: its licence is no longer the latest, and that is fine.
    const existing = await em.findOne(
      LicenceIssuance,
      { organisationId: principal.organisationId, caseId: body.caseId },
      { disableIdentityMap: true },
    );
    if (existing) return this.repeat(principal, existing, fingerprint);

    if (previous.status === 'superseded') {
      throw conflict(`证照 ${previous.identifier} 已有更新的版本，请基于最新版本变更`);
    }
    const inFlight = await em.count(LicenceIssuance, {
      previousLicenceId: previous.id,
      status: { $in: ['pending', 'awaiting_seal'] },
    });
    if (inFlight > 0) throw conflict(`证照 ${previous.identifier} 已有一项变更正在签发，请待其完成后再变更`);

    const type = await em.findOne(LicenceType, { code: previous.typeCode, status: 'published' });
    if (!type) throw conflict('该证照类型当前没有已发布的版本，不能签发新版本');
    await this.requireIssuingUnit(principal, type, 'licence.change', body.caseId, meta);
    const problems: FieldProblem[] = [...dataProblems(type.definition.dataItems, body.data)];
    if (body.validTo !== undefined) {
      const end = validityEnd(type.definition.validity, previous.validFrom, body.validTo);
      if ('problem' in end) problems.push({ field: 'validTo', rule: 'validity_rule', message: end.problem });
    }
    const closedProblem = caseClosedProblem(body.caseClosedAt);
    if (closedProblem) problems.push(closedProblem);
    if (problems.length > 0) throw badRequest(problems);

    return this.store(principal, meta, {
      kind: 'change',
      caseId: body.caseId,
      caseClosedAt: body.caseClosedAt,
      type,
      previousLicenceId: previous.id,
      fingerprint,
      request: { ...body, previousIdentifier: previous.identifier },
      auditDetails: {
        typeCode: type.code,
        previousIdentifier: previous.identifier,
        changeKind: body.changeKind,
        reason: body.reason,
      },
    });
  }

  /** Inserts the request (or finds the earlier one), starts its workflow and waits briefly for the licence. */
  private async store(
    principal: Principal,
    meta: Meta,
    r: {
      kind: LicenceIssuance['kind'];
      caseId: string;
      caseClosedAt: string;
      type: LicenceType;
      previousLicenceId: string | null;
      fingerprint: string;
      request: Record<string, unknown>;
      auditDetails: Record<string, unknown>;
    },
  ): Promise<IssueAnswer> {
    const id = randomUUID();
    const workflowId = licenceIssuanceWorkflowId(id);
    const action = r.kind === 'issue' ? 'licence.issue.request' : 'licence.change.request';
    let receivedAt = new Date();
    let stored: IssuanceFacts | undefined;
    const submitted = await this.durable.submit({
      // Issue 19: a new request is not looked for first; the insert finds a repeat's case id taken (the validation
      // above refused what a repeat would have been refused for as well).
      findFirst: false,
      findExisting: () =>
        this.ctx
          .em()
          .findOne(
            LicenceIssuance,
            { organisationId: principal.organisationId, caseId: r.caseId },
            { disableIdentityMap: true },
          ),
      prepare: async (): Promise<NewRequest<typeof licenceIssuanceWorkflow>> => {
        receivedAt = new Date();
        const caseClosedAt = new Date(r.caseClosedAt);
        const lateness = issuanceLateness(
          await calendarCacheOf(this.ctx.orm).get(this.ctx.em()),
          caseClosedAt,
          receivedAt,
        );
        // LM-11: a late arrival of a type hit by the unit's reported force majeure is recorded as excused.
        const excuse = lateness.late
          ? excusingIncident(await incidentWindows(this.ctx.em(), principal.organisationId), {
              organisationId: principal.organisationId,
              typeCode: r.type.code,
              caseClosedAt,
              deadlineAt: lateness.deadlineAt,
              receivedAt,
            })
          : null;
        stored = {
          id,
          caseId: r.caseId,
          kind: r.kind,
          status: 'pending',
          statusReason: null,
          receivedAt,
          caseClosedAt,
          deadlineAt: lateness.deadlineAt,
          deadlineProvisional: lateness.provisional,
          late: lateness.late,
          licenceId: null,
        };
        const audit = {
          actor: actorOf(principal),
          action,
          targetType: 'licence_issuance',
          targetId: id,
          requestId: meta.requestId,
          ip: meta.ip,
        };
        return {
          ...issuanceStart(id, workflowId),
          // The same case sent twice at once: the second inserts nothing and finds the first.
          insert: async (tx) => {
            const rows: Array<{ id: string }> = await tx.execute(
              `insert into licence_issuance (id, organisation_id, case_id, kind, type_id, type_code,
                 previous_licence_id, request, request_fingerprint, workflow_id, status, requested_by, received_at,
                 case_closed_at, deadline_at, deadline_provisional, late, excused_incident_id)
               values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)
               on conflict (organisation_id, case_id) do nothing
               returning id`,
              [
                id,
                principal.organisationId,
                r.caseId,
                r.kind,
                r.type.id,
                r.type.code,
                r.previousLicenceId,
                JSON.stringify(r.request),
                r.fingerprint,
                workflowId,
                principal.userId,
                receivedAt,
                caseClosedAt,
                lateness.deadlineAt,
                lateness.provisional,
                lateness.late,
                excuse?.id ?? null,
              ],
            );
            return rows.length > 0;
          },
          audit: {
            ...audit,
            details: {
              caseId: r.caseId,
              typeVersion: r.type.version,
              caseClosedAt: caseClosedAt.toISOString(),
              deadlineAt: lateness.deadlineAt.toISOString(),
              deadlineProvisional: lateness.provisional,
              late: lateness.late,
              ...(excuse ? { excusedIncidentId: excuse.id } : {}),
              ...r.auditDetails,
            },
          },
          // Nothing half-written: the business system retries.
          undo: (tx) => tx.nativeDelete(LicenceIssuance, { id, status: 'pending' }),
          failureAudit: (err) => ({ ...audit, details: { caseId: r.caseId, error: String(err) } }),
          unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，证照签发请求未受理，请稍后重试'),
          // Issue 19 Build 3: started together with the wait for its first signing attempt, in one round trip.
          settle: { update: issuanceSettled, waitMs: ISSUE_WAIT_MS },
        };
      },
    });
    if (!submitted.created) return this.repeat(principal, submitted.existing, r.fingerprint);
    // LM-9: a case announced when it closed ends with its licence's arrival (at the time the row was stored with).
    await new AnnouncedCaseService(this.ctx).issuanceArrived(principal.organisationId, r.caseId, receivedAt);
    return this.answer(principal, id, true, submitted.waited, stored);
  }

  /** Returns once the issuance's first signing attempt settled, or after ISSUE_WAIT_MS, or when unreachable. */
  private async untilSettled(workflowId: string): Promise<void> {
    const temporal = this.ctx.temporal;
    try {
      await temporal.withDeadline(Date.now() + ISSUE_WAIT_MS, () =>
        temporal.workflow.getHandle(workflowId).executeUpdate(issuanceSettled),
      );
    } catch {
      // Timed out (no worker, a slow signing), or the workflow already closed: the row says where it stands.
    }
  }

  /** An earlier request with the same case id: the same content gets its current state, other content a 409. */
  private async repeat(
    principal: Principal,
    existing: LicenceIssuance,
    fingerprint: string,
  ): Promise<IssueAnswer> {
    if (existing.requestFingerprint !== fingerprint) {
      throw conflict(
        `业务办件号 ${existing.caseId} 已用于另一内容不同的签发请求，同一办件不能签发不同的证照`,
      );
    }
    // Re-attach a request whose process was never started (a crash between the insert and the start).
    if (existing.status === 'pending')
      await this.durable.start(issuanceStart(existing.id, existing.workflowId));
    return this.answer(principal, existing.id, false);
  }

  /**
   * Starts the workflow of every request still pending after `olderThanMs` (a crash between the insert and the
   * start); a request that has its workflow is left alone, as the id comes from the request.
   */
  resumeOrphans(olderThanMs = 60_000): Promise<number> {
    return this.durable.resumeOrphans(
      {
        find: (storedBefore) =>
          this.ctx
            .em()
            .find(
              LicenceIssuance,
              { status: 'pending', receivedAt: { $lt: storedBefore } },
              { fields: ['id', 'workflowId'], disableIdentityMap: true },
            ),
        workflow: licenceIssuanceWorkflow,
        workflowId: (issuance) => issuance.workflowId,
        input: async (issuance) => ({ issuanceId: issuance.id }),
      },
      olderThanMs,
    );
  }

  /**
   * Waits up to ISSUE_WAIT_MS for the request to leave `pending`, then answers: issued → 201 (200 for a repeat)
   * with the licence; awaiting a seal-use authorisation or still pending → 202 (200 for a repeat); failed → 409.
   * Issue 19 Build 3: the wait is the workflow's `issuanceSettled` update (one long poll), not a polling of the row;
   * a new request has usually waited already (`waited`: sent with the start). Whatever the update answers, the row
   * is read afterwards and decides.
   */
  private async answer(
    principal: Principal,
    issuanceId: string,
    created: boolean,
    waited = false,
    stored?: IssuanceFacts,
  ): Promise<IssueAnswer> {
    // Issue 19: a new request that waited is usually issued. Its licence is read by the request (one statement)
    // and the request's view made from what was stored; the request's row is read only when there is no licence.
    const issued =
      stored && waited
        ? await this.ctx.em().findOne(Licence, { issuanceId }, { disableIdentityMap: true })
        : null;
    if (issued) {
      return this.issuedAnswer({ ...stored!, status: 'issued', licenceId: issued.id }, issued, created);
    }
    let issuance = created ? null : await this.issuanceRow(issuanceId);
    if (!issuance || issuance.status === 'pending') {
      if (!waited) await this.untilSettled(licenceIssuanceWorkflowId(issuanceId));
      issuance = await this.issuanceRow(issuanceId);
    }
    const location = issuanceLocation(issuance);
    if (issuance.status === 'failed') {
      throw new ApiError('CONFLICT', issuance.statusReason ?? '证照未能签发', {
        issuance: await this.issuanceView(issuance),
      });
    }
    if (issuance.status === 'issued') {
      const licence = await this.ctx.em().findOneOrFail(Licence, { id: issuance.licenceId! });
      return this.issuedAnswer(issuance, licence, created);
    }
    const view = await this.issuanceView(issuance);
    if (created) return { status: 202, body: { issuance: view }, location };
    return { status: 200, body: { issuance: view, licence: null }, location };
  }

  /** An issued request's answer: 201 with its licence, 200 for a repeat. */
  private async issuedAnswer(
    issuance: IssuanceFacts,
    licence: Licence,
    created: boolean,
  ): Promise<IssueAnswer> {
    return {
      status: created ? 201 : 200,
      body: {
        issuance: await this.issuanceView(issuance, licence),
        licence: await this.licenceView(licence, true, issuance),
      },
      location: issuanceLocation(issuance),
    };
  }

  private issuanceRow(id: string): Promise<LicenceIssuance> {
    return this.ctx.em().findOneOrFail(LicenceIssuance, { id }, { disableIdentityMap: true });
  }

  /** GET /api/licenses/issuances/:caseId: the issuing unit's own request and, once issued, its licence. */
  async issuanceStatus(
    principal: Principal,
    caseId: string,
  ): Promise<{ issuance: IssuanceView; licence: LicenceView | null }> {
    if (!principal.roles.some((r) => ISSUER_ROLES.includes(r))) {
      throw forbidden('查看签发请求需要证照制发人员或业务系统接入账号的角色');
    }
    const issuance = await this.ctx
      .em()
      .findOne(
        LicenceIssuance,
        { organisationId: principal.organisationId, caseId },
        { disableIdentityMap: true },
      );
    if (!issuance) throw notFound('本单位的该办件签发请求');
    const licence = issuance.licenceId
      ? await this.ctx.em().findOneOrFail(Licence, { id: issuance.licenceId })
      : null;
    return {
      issuance: await this.issuanceView(issuance),
      licence: licence ? await this.licenceView(licence, true, issuance) : null,
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Reading

  /**
   * The licence an identifier names, if the caller may see it (refusals are 403 and audited), with the access
   * that allows it; a successful read is audited too (who saw which licence, full or masked).
   */
  private async readable(
    principal: Principal,
    identifier: string,
    action: 'licence.view' | 'licence.export' | 'licence.export_ses_signature',
    meta: Meta,
  ): Promise<{ licence: Licence; full: boolean }> {
    const em = this.ctx.em();
    const licence = await this.licenceByIdentifier(identifier);
    const access = await assertLicenceAccess(
      principal,
      licence,
      { em, jurisdictions: this.ctx.jurisdictions },
      { action, needFull: action !== 'licence.view', ...meta },
    );
    await recordAudit(em, {
      actor: actorOf(principal),
      action,
      targetType: 'licence',
      targetId: licence.identifier,
      outcome: 'success',
      details: accessDetails(access),
      requestId: meta.requestId,
      ip: meta.ip,
    });
    return { licence, full: access.full };
  }

  /** GET /api/licenses/:identifier: full or masked by the access rule. */
  async get(principal: Principal, identifier: string, meta: Meta): Promise<LicenceView> {
    const { licence, full } = await this.readable(principal, identifier, 'licence.view', meta);
    return this.licenceView(licence, full);
  }

  /** GET /api/licenses/:identifier/export: the signed document with its data in full (full access only). */
  async export(principal: Principal, identifier: string, meta: Meta): Promise<LicenceExport> {
    const { licence } = await this.readable(principal, identifier, 'licence.export', meta);
    const document = licenceExport(licence);
    // Issue 20: its inclusion proof and the signed tree head, once a tree head covers its leaf.
    const leafHash = logLeafHash(licenceLogLeaf(document)).toString('hex');
    const transparency = await inclusionEvidence(this.ctx.em(), leafHash);
    // LM-23: the registry's dispute marker, beside the signed content (it changes neither hash nor signature).
    const disputeMarker = await disputeMarkerFor(this.ctx.em(), licence.seriesId);
    return {
      ...document,
      ...(transparency ? { transparency } : {}),
      ...(disputeMarker ? { registry: { disputeMarker } } : {}),
    };
  }

  /**
   * GET /api/licenses/:identifier/ses-signature (issue 20 Build 2): the licence's signature record in the ASN.1
   * encoding of GB/T 38540 (SES_Signature, DER), with the seal maker's (the platform CA's) certificate; the same
   * access as the export.
   */
  async sesSignature(
    principal: Principal,
    identifier: string,
    meta: Meta,
  ): Promise<{ identifier: string; der: Buffer }> {
    const { licence } = await this.readable(principal, identifier, 'licence.export_ses_signature', meta);
    const ca = await this.ctx
      .em()
      .findOneOrFail(CertificateAuthority, { id: CA_ID }, { disableIdentityMap: true });
    return { identifier: licence.identifier, der: sesSignatureDer(licence.signature, ca.certificatePem) };
  }

  /** GET /api/licenses/:identifier/versions: every version of the licence, oldest first, with why it changed. */
  async versions(principal: Principal, identifier: string, meta: Meta): Promise<VersionItem[]> {
    const em = this.ctx.em();
    const licence = await this.licenceByIdentifier(identifier);
    await assertLicenceAccess(
      principal,
      licence,
      { em, jurisdictions: this.ctx.jurisdictions },
      { action: 'licence.versions', ...meta },
    );
    const rows: Array<{
      identifier: string;
      version: number;
      status: LicenceStatus;
      issued_at: Date;
      previous_identifier: string | null;
      kind: LicenceIssuance['kind'];
      change_kind: ChangeKind | null;
      reason: string | null;
    }> = await em.execute(
      `select l.identifier, l.version, l.status, l.issued_at, l.previous_identifier, i.kind,
              i.request->>'changeKind' as change_kind, i.request->>'reason' as reason
         from licence l join licence_issuance i on i.id = l.issuance_id
        where l.series_id = ?
        order by l.version asc`,
      [licence.seriesId],
    );
    return rows.map((r) => ({
      identifier: r.identifier,
      version: r.version,
      status: r.status,
      issuedAt: new Date(r.issued_at).toISOString(),
      previousIdentifier: r.previous_identifier,
      changeKind: r.kind === 'change' ? r.change_kind : null,
      reason: r.kind === 'change' ? r.reason : null,
    }));
  }

  /**
   * GET /api/licenses: the latest versions of the licences the caller's scope covers (licence-search.ts: the
   * issuing unit's own, the overseer's jurisdiction, the holder's own, a using unit's by holder code), by holder
   * code and type, newest first.
   */
  async search(
    principal: Principal,
    query: LicenceSearchQuery,
    meta: Meta = {},
  ): Promise<{ items: LicenceView[]; page: number; pageSize: number; total: number }> {
    const em = this.ctx.em();
    const scope = await searchScope(
      { em, jurisdictions: this.ctx.jurisdictions },
      principal,
      query.holderCode,
    );
    const where: string[] = [`l.status <> 'superseded'`, ...scope.where];
    const params: unknown[] = [...scope.params];
    if (query.holderCode) {
      where.push('l.holder_code = ?');
      params.push(query.holderCode);
    }
    if (query.typeCode) {
      where.push('l.type_code = ?');
      params.push(query.typeCode);
    }
    const from = `from licence l join organisation o on o.id = l.issuer_organisation_id where ${where.join(' and ')}`;
    const [{ total }] = await em.execute<Array<{ total: string }>>(
      `select count(*) as total ${from}`,
      params,
    );
    const ids = await em.execute<Array<{ id: string }>>(
      `select l.id ${from} order by l.issued_at desc, l.id limit ? offset ?`,
      [...params, PAGE_SIZE, (query.page - 1) * PAGE_SIZE],
    );
    const licences = await em.find(Licence, { id: { $in: ids.map((r) => r.id) } });
    const byId = new Map(licences.map((l) => [l.id, l]));
    const items: LicenceView[] = [];
    for (const { id } of ids) {
      const licence = byId.get(id)!;
      const full = scope.kind === 'using_unit' ? await this.usingUnitRead(principal, licence, meta) : true;
      items.push(await this.licenceView(licence, full));
    }
    return { items, page: query.page, pageSize: PAGE_SIZE, total: Number(total) };
  }

  /** A using unit's verifier listing a licence reads it: full or masked by list or consent, audited (LM-14, LM-20). */
  private async usingUnitRead(principal: Principal, licence: Licence, meta: Meta): Promise<boolean> {
    const em = this.ctx.em();
    const access = await assertLicenceAccess(
      principal,
      licence,
      { em, jurisdictions: this.ctx.jurisdictions },
      { action: 'licence.view', ...meta },
    );
    await recordAudit(em, {
      actor: actorOf(principal),
      action: 'licence.view',
      targetType: 'licence',
      targetId: licence.identifier,
      outcome: 'success',
      details: { ...accessDetails(access), via: 'search' },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    return access.full;
  }

  /** GET /api/licenses/late: LM-9 late arrivals of the issuing units within the caller's jurisdiction, per unit. */
  async lateArrivals(
    principal: Principal,
    query: LateArrivalsQuery,
    meta: Meta,
  ): Promise<{ units: LateUnit[]; total: number }> {
    if (!isManagementOverseer(principal)) {
      await this.deny(
        principal,
        'licence.late_arrivals',
        null,
        // LM-9
        '只有管理单位的监督管理人员或平台管理员可以查看逾期归集情况',
        meta,
      );
    }
    const em = this.ctx.em();
    const jurisdictions = await this.ctx.jurisdictions.within(principal.jurisdictionId);
    const where = ['i.late', `o.jurisdiction_id = any(string_to_array(?, ','))`];
    const params: unknown[] = [jurisdictions.join(',')];
    if (query.organisationId) {
      const organisation = await em.findOne(Organisation, { id: query.organisationId });
      if (!organisation) throw notFound('单位');
      if (!jurisdictions.includes(organisation.jurisdictionId)) {
        await this.deny(
          principal,
          'licence.late_arrivals',
          query.organisationId,
          '该单位不在您的管辖范围内',
          meta,
        );
      }
      where.push('i.organisation_id = ?');
      params.push(query.organisationId);
    }
    if (query.from) {
      where.push('i.received_at >= ?');
      params.push(startOfShanghaiDay(query.from));
    }
    if (query.to) {
      where.push('i.received_at <= ?');
      params.push(endOfShanghaiDay(query.to));
    }
    const rows: Array<{
      id: string;
      organisation_id: string;
      organisation_name: string;
      case_id: string;
      kind: LicenceIssuance['kind'];
      type_code: string;
      type_name: string;
      case_closed_at: Date;
      deadline_at: Date;
      deadline_provisional: boolean;
      received_at: Date;
      status: LicenceIssuance['status'];
      identifier: string | null;
      excused_incident_id: string | null;
      announced_case_id: string | null;
    }> = await em.execute(
      `select i.id, i.organisation_id, o.name as organisation_name, i.case_id, i.kind, i.type_code,
              t.name as type_name, i.case_closed_at, i.deadline_at, i.deadline_provisional, i.received_at,
              i.status, l.identifier, i.excused_incident_id, ac.id as announced_case_id
         from licence_issuance i
         join organisation o on o.id = i.organisation_id
         join licence_type t on t.id = i.type_id
         left join licence l on l.id = i.licence_id
         left join announced_case ac on ac.organisation_id = i.organisation_id and ac.case_id = i.case_id
        where ${where.join(' and ')}
        order by o.name, i.received_at desc
        limit 5000`,
      params,
    );
    const units = new Map<string, LateUnit>();
    for (const r of rows) {
      let unit = units.get(r.organisation_id);
      if (!unit) {
        unit = {
          organisationId: r.organisation_id,
          organisationName: r.organisation_name,
          count: 0,
          excused: 0,
          items: [],
        };
        units.set(r.organisation_id, unit);
      }
      unit.count++;
      if (r.excused_incident_id) unit.excused++;
      unit.items.push({
        issuanceId: r.id,
        caseId: r.case_id,
        kind: r.kind,
        typeCode: r.type_code,
        typeName: r.type_name,
        caseClosedAt: new Date(r.case_closed_at).toISOString(),
        deadlineAt: new Date(r.deadline_at).toISOString(),
        deadlineProvisional: r.deadline_provisional,
        receivedAt: new Date(r.received_at).toISOString(),
        status: r.status,
        licenceIdentifier: r.identifier,
        excusedIncidentId: r.excused_incident_id,
        announcedCaseId: r.announced_case_id,
      });
    }
    return { units: [...units.values()], total: rows.length };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Views

  async licenceByIdentifier(identifier: string): Promise<Licence> {
    const licence = await this.ctx
      .em()
      .findOne(Licence, { identifier: normaliseIdentifier(identifier) }, { disableIdentityMap: true });
    if (!licence) throw notFound('证照');
    return licence;
  }

  /** The licence as a caller sees it (api/services/licence-views.ts). */
  licenceView(licence: Licence, full: boolean, issuance?: IssuanceFacts): Promise<LicenceView> {
    const links = {
      publicUrl: this.ctx.config.publicUrl,
      accessCodeSecret: this.ctx.config.licenceAccessCodeSecret,
    };
    return licenceView(this.ctx.em(), links, licence, full, issuance);
  }

  issuanceView(i: IssuanceFacts, issued?: Licence): Promise<IssuanceView> {
    return issuanceView(this.ctx.em(), i, issued);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Authorisation

  private async requireIssuerRole(principal: Principal, action: string, caseId: string | null, meta: Meta) {
    if (!principal.roles.some((r) => ISSUER_ROLES.includes(r))) {
      await this.deny(
        principal,
        action,
        caseId,
        // LM-7
        '签发证照需要证照制发人员或业务系统接入账号的角色',
        meta,
      );
    }
  }

  /** LM-7: only the units the catalogue names may issue a type. */
  private async requireIssuingUnit(
    principal: Principal,
    type: LicenceType,
    action: string,
    caseId: string,
    meta: Meta,
  ) {
    if (!type.definition.issuingUnitIds.includes(principal.organisationId)) {
      await this.deny(
        principal,
        action,
        caseId,
        // LM-7
        `本单位不是证照目录中“${type.name}”的制发单位`,
        meta,
      );
    }
  }

  /** Records the refusal in the audit log (LM-25) and throws the 403. */
  private async deny(
    principal: Principal,
    action: string,
    targetId: string | null,
    message: string,
    meta: Meta,
  ): Promise<never> {
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action,
      targetType: 'licence',
      targetId,
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

/** What the audit log keeps of a read: on what basis, masked or not, for what purpose, under which consent. */
export function accessDetails(access: {
  basis: string;
  full: boolean;
  purpose?: string;
  consentId?: string;
}): Record<string, unknown> {
  return {
    basis: access.basis,
    masked: !access.full,
    ...(access.purpose ? { purpose: access.purpose } : {}),
    ...(access.consentId ? { consentId: access.consentId } : {}),
  };
}

/** The licence-issuance workflow of a stored request (its id comes from the request's). */
function issuanceStart(
  issuanceId: string,
  workflowId: string,
): WorkflowStart<typeof licenceIssuanceWorkflow> {
  return { workflow: licenceIssuanceWorkflow, workflowId, args: [{ issuanceId }] };
}

/** The case id of a body not yet validated, for the audit record of a refusal. */
function caseIdOf(raw: unknown): string | null {
  const caseId = (raw as { caseId?: unknown } | null)?.caseId;
  return typeof caseId === 'string' ? caseId.slice(0, 64) : null;
}

function caseClosedProblem(caseClosedAt: string): FieldProblem | undefined {
  return new Date(caseClosedAt).getTime() > Date.now() + CLOCK_SKEW_MS
    ? { field: 'caseClosedAt', rule: 'in_future', message: '办结时间不能晚于当前时间' }
    : undefined;
}
