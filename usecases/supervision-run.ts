/**
 * A supervision run (LM-28, LM-30): the rules of the five violation kinds applied to the platform's records, each
 * finding recorded once with its evidence (db/supervision-findings.ts keys it by its source, so the daily run and
 * an on-demand run never find the same thing twice). Cases announced without a licence are flagged by their own
 * workflow (workflows/announced-case.ts) and are not looked for here.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadWorkingCalendar } from '../db/calendar';
import { NewFinding, recordFinding } from '../db/supervision-findings';
import { deadlineFor } from '../domain/calendar';
import { EXCHANGE_PUSH_WORKING_DAYS, FindingRule, TYPE_REVIEW_DAYS } from '../domain/supervision';
import {
  paperComplaints,
  requiredItemsMissing,
  serviceItemsWithoutType,
  usageRequestsOverdue,
} from './supervision-rules';

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

/** Kind 1: published types not reviewed for a year (one finding per issuing unit), issuance under a superseded version. */
async function catalogue(em: EntityManager, at: Date): Promise<NewFinding[]> {
  const stale: Row[] = await em.execute(
    `select id, code, name, version, published_at, definition->'issuingUnitIds' as units from licence_type
      where status = 'published' and published_at < ?`,
    [new Date(at.getTime() - TYPE_REVIEW_DAYS * 86_400_000)],
  );
  const out: NewFinding[] = stale.flatMap((t) =>
    (t.units as string[]).map((organisationId) => ({
      organisationId,
      rule: 'type_not_reviewed' as FindingRule,
      evidence: { typeCode: t.code, typeName: t.name, version: t.version, publishedAt: iso(t.published_at) },
      foundAt: at,
      sourceKey: `type-not-reviewed:${String(t.id)}:${organisationId}`,
    })),
  );
  const superseded: Row[] = await em.execute(
    `select l.id, l.identifier, l.issuer_organisation_id, l.type_code, l.type_version, l.issued_at, t.superseded_at
       from licence l join licence_type t on t.id = l.type_id
      where t.superseded_at is not null and l.issued_at > t.superseded_at`,
  );
  for (const l of superseded) {
    out.push({
      organisationId: String(l.issuer_organisation_id),
      rule: 'superseded_type_version',
      evidence: {
        licenceIdentifier: l.identifier,
        typeCode: l.type_code,
        typeVersion: l.type_version,
        issuedAt: iso(l.issued_at),
        supersededAt: iso(l.superseded_at),
      },
      foundAt: at,
      sourceKey: `superseded-version:${String(l.id)}`,
    });
  }
  return out;
}

/** Kind 2: licences that reached the platform after 24:00 of the working day after their case closed (LM-9). */
async function collection(em: EntityManager, at: Date): Promise<NewFinding[]> {
  const late: Row[] = await em.execute(
    `select id, organisation_id, case_id, type_code, case_closed_at, deadline_at, received_at
       from licence_issuance where late`,
  );
  return late.map((i) => ({
    organisationId: String(i.organisation_id),
    rule: 'late_arrival',
    evidence: {
      issuanceId: i.id,
      caseId: i.case_id,
      licenceType: i.type_code,
      caseClosedAt: iso(i.case_closed_at),
      deadlineAt: iso(i.deadline_at),
      receivedAt: iso(i.received_at),
    },
    foundAt: at,
    sourceKey: `late-arrival:${String(i.id)}`,
  }));
}

/** Kind 2: force-majeure backlogs not made up by their deadline (LM-11, recorded by the incident's workflow). */
async function backlog(em: EntityManager, at: Date): Promise<NewFinding[]> {
  const breaches: Row[] = await em.execute(
    `select incident_id, organisation_id, due_at, breached_at, missing_case_ids from force_majeure_breach`,
  );
  return breaches.map((b) => ({
    organisationId: String(b.organisation_id),
    rule: 'force_majeure_backlog_overdue',
    evidence: {
      incidentId: b.incident_id,
      dueAt: iso(b.due_at),
      breachedAt: iso(b.breached_at),
      missingCaseIds: b.missing_case_ids,
    },
    foundAt: at,
    sourceKey: `force-majeure-breach:${String(b.incident_id)}`,
  }));
}

/** Kind 3: dispute markers or outcomes not given in time (LM-23, recorded by the dispute workflows). */
async function correction(em: EntityManager, at: Date): Promise<NewFinding[]> {
  const breaches: Row[] = await em.execute(
    `select b.dispute_id, b.kind, b.issuer_organisation_id, b.due_at, b.breached_at, d.licence_identifier
       from dispute_breach b join dispute d on d.id = b.dispute_id`,
  );
  return breaches.map((b) => ({
    organisationId: String(b.issuer_organisation_id),
    rule: 'dispute_breach',
    evidence: {
      disputeId: b.dispute_id,
      breach: b.kind,
      licenceIdentifier: b.licence_identifier,
      dueAt: iso(b.due_at),
      breachedAt: iso(b.breached_at),
    },
    foundAt: at,
    sourceKey: `dispute-breach:${String(b.dispute_id)}:${String(b.kind)}`,
  }));
}

/**
 * Kind 4: exchange pushes still undelivered a working day after they were queued (LM-8). Skipped when the platform
 * has no exchange endpoint configured: the pushes then wait for the platform, not for the unit.
 */
async function sharing(em: EntityManager, at: Date, options: RunOptions): Promise<NewFinding[]> {
  if (!options.exchangeConfigured) return [];
  const calendar = await loadWorkingCalendar(em);
  const pending: Row[] = await em.execute(
    `select o.id, o.event, o.attempts, o.last_error, o.created_at, l.identifier, l.issuer_organisation_id
       from exchange_outbox o join licence l on l.id = o.licence_id
      where o.status = 'pending' and o.created_at < ?`,
    [at],
  );
  return pending
    .map((o) => ({
      o,
      due: deadlineFor(calendar, new Date(o.created_at as string), {
        workingDays: EXCHANGE_PUSH_WORKING_DAYS,
      }),
    }))
    .filter(({ due }) => Date.parse(due.dueAt) < at.getTime())
    .map(({ o, due }) => ({
      organisationId: String(o.issuer_organisation_id),
      rule: 'exchange_overdue' as FindingRule,
      evidence: {
        licenceIdentifier: o.identifier,
        event: o.event,
        attempts: o.attempts,
        lastError: o.last_error,
        queuedAt: iso(o.created_at),
        dueAt: due.dueAt,
      },
      foundAt: at,
      sourceKey: `exchange-overdue:${String(o.id)}`,
    }));
}

/** Kind 5: simulated service requests in which paper was demanded although sharing could supply it. */
async function paper(em: EntityManager, at: Date): Promise<NewFinding[]> {
  const demanded: Row[] = await em.execute(
    `select id, organisation_id, service_item, note, recorded_by, recorded_at
       from simulated_request where paper_demanded`,
  );
  return demanded.map((r) => ({
    organisationId: String(r.organisation_id),
    rule: 'paper_demanded',
    evidence: {
      simulatedRequestId: r.id,
      serviceItem: r.service_item,
      note: r.note,
      recordedBy: r.recorded_by,
      recordedAt: iso(r.recorded_at),
    },
    foundAt: at,
    sourceKey: `simulated-request:${String(r.id)}`,
  }));
}

const RULES: Array<(em: EntityManager, at: Date, options: RunOptions) => Promise<NewFinding[]>> = [
  serviceItemsWithoutType,
  catalogue,
  collection,
  backlog,
  correction,
  sharing,
  usageRequestsOverdue,
  requiredItemsMissing,
  paper,
  paperComplaints,
];

export interface RunOptions {
  /** Only units in this set (an on-demand run over a jurisdiction); every unit without it. */
  organisationIds?: ReadonlySet<string>;
  /** Whether an exchange endpoint is configured (EXCHANGE_ENDPOINT_URL); without one the push rule is skipped. */
  exchangeConfigured: boolean;
}

export interface SupervisionRunResult {
  /** New findings per rule (a finding already recorded is not counted again). */
  found: Partial<Record<FindingRule, number>>;
  total: number;
}

/** Applies every rule at `at`; only units in `options.organisationIds` when given. */
export async function runSupervision(
  em: EntityManager,
  at: Date,
  options: RunOptions,
): Promise<SupervisionRunResult> {
  const { organisationIds } = options;
  const result: SupervisionRunResult = { found: {}, total: 0 };
  for (const rule of RULES) {
    for (const finding of await rule(em, at, options)) {
      if (organisationIds && !organisationIds.has(finding.organisationId)) continue;
      if (await recordFinding(em, finding)) {
        result.found[finding.rule] = (result.found[finding.rule] ?? 0) + 1;
        result.total++;
      }
    }
  }
  return result;
}
