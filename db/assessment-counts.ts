/**
 * The counts behind the assessment (LM-29, domain/assessment.ts): for each metric, per unit, what was counted and
 * what it was counted out of, over one span of time. A span is the whole period or one of its months; a licence
 * used in two months is one licence used in their period, so each span is counted on its own.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  AssessmentMetric,
  AssessmentTargets,
  MetricCount,
  periodBounds,
  periodMonths,
} from '../domain/assessment';

type Row = { organisation_id: string; numerator: string | number; denominator: string | number };
type Span = [from: Date, to: Date, ids: string[]];

/** One query per metric; each answers organisation_id, numerator, denominator for [from, to) and the units. */
const QUERIES: Record<AssessmentMetric, (s: Span) => [string, unknown[]]> = {
  // Cases announced or reported (an issuance request carries its case) closed in the span; collected when their
  // licence has been generated on the platform.
  collection: ([from, to, ids]) => [
    `with cases as (
       select organisation_id, case_id from announced_case
        where closed_at >= ? and closed_at < ? and organisation_id in (?)
       union
       select organisation_id, case_id from licence_issuance
        where kind = 'issue' and case_closed_at >= ? and case_closed_at < ? and organisation_id in (?))
     select c.organisation_id, count(*) filter (where i.status = 'issued') as numerator, count(*) as denominator
       from cases c left join licence_issuance i on i.organisation_id = c.organisation_id and i.case_id = c.case_id
      group by c.organisation_id`,
    [from, to, ids, from, to, ids],
  ],
  // Licences issued (first issue or change) whose request arrived in the span; in step when not late (LM-9).
  inStep: ([from, to, ids]) => [
    `select organisation_id, count(*) filter (where not late) as numerator, count(*) as denominator
       from licence_issuance
      where status = 'issued' and received_at >= ? and received_at < ? and organisation_id in (?)
      group by organisation_id`,
    [from, to, ids],
  ],
  // Licences valid now and issued before the span ended; used when another unit viewed or verified one in the span.
  usage: ([from, to, ids]) => [
    `select l.issuer_organisation_id as organisation_id, count(*) as denominator,
            count(*) filter (where exists (
              select 1 from audit_event a
               where a.target_type = 'licence' and a.target_id = l.identifier
                 and a.action in ('licence.view', 'licence.verify') and a.outcome = 'success'
                 and a.at >= ? and a.at < ?
                 and a.actor_organisation_id is not null and a.actor_organisation_id <> l.issuer_organisation_id
            )) as numerator
       from licence l
      where l.status = 'valid' and l.issued_at < ? and l.issuer_organisation_id in (?)
      group by l.issuer_organisation_id`,
    [from, to, to, ids],
  ],
  // Disputes received in the span; timely when neither the marker nor the outcome was late (LM-23).
  disputes: ([from, to, ids]) => [
    `select d.issuer_organisation_id as organisation_id, count(*) as denominator,
            count(*) filter (where not exists (select 1 from dispute_breach b where b.dispute_id = d.id)) as numerator
       from dispute d
      where d.received_at >= ? and d.received_at < ? and d.issuer_organisation_id in (?)
      group by d.issuer_organisation_id`,
    [from, to, ids],
  ],
  // Orders decided in the span (accepted, or overdue at their deadline); timely when accepted by the deadline.
  rectification: ([from, to, ids]) => [
    `select organisation_id,
            count(*) filter (where status = 'accepted' and closed_at <= deadline_at) as numerator,
            count(*) as denominator
       from rectification_order
      where status in ('accepted', 'overdue')
        and coalesce(case when status = 'accepted' then closed_at end, deadline_at) >= ?
        and coalesce(case when status = 'accepted' then closed_at end, deadline_at) < ?
        and organisation_id in (?)
      group by organisation_id`,
    [from, to, ids],
  ],
};

async function countSpan(em: EntityManager, bucket: string, span: Span): Promise<MetricCount[]> {
  const out: MetricCount[] = [];
  for (const metric of Object.keys(QUERIES) as AssessmentMetric[]) {
    const [sql, params] = QUERIES[metric](span);
    const rows: Row[] = await em.execute(sql, params);
    for (const r of rows) {
      out.push({
        bucket,
        organisationId: r.organisation_id,
        metric,
        numerator: Number(r.numerator),
        denominator: Number(r.denominator),
      });
    }
  }
  return out;
}

/** The counts of the period (bucket `'period'`) and of each of its months, for the given units. */
export async function assessmentCounts(
  em: EntityManager,
  period: string,
  organisationIds: string[],
): Promise<MetricCount[]> {
  if (organisationIds.length === 0) return [];
  const whole = periodBounds(period);
  const out = await countSpan(em, 'period', [whole.from, whole.to, organisationIds]);
  const months = periodMonths(period);
  if (months.length === 1) return [...out, ...out.map((c) => ({ ...c, bucket: months[0] }))];
  for (const month of months) {
    const b = periodBounds(month);
    out.push(...(await countSpan(em, month, [b.from, b.to, organisationIds])));
  }
  return out;
}

/** The targets of the units for a year. */
export async function assessmentTargets(
  em: EntityManager,
  year: number,
  organisationIds: string[],
): Promise<Map<string, AssessmentTargets>> {
  if (organisationIds.length === 0) return new Map();
  const rows: Array<{ organisation_id: string; targets: AssessmentTargets }> = await em.execute(
    `select organisation_id, targets from assessment_target where year = ? and organisation_id in (?)`,
    [year, organisationIds],
  );
  return new Map(rows.map((r) => [r.organisation_id, r.targets]));
}

/** Sets (or replaces) a unit's targets for a year. */
export async function setAssessmentTargets(
  em: EntityManager,
  row: { organisationId: string; year: number; targets: AssessmentTargets; setBy: string; setAt: Date },
): Promise<void> {
  await em.execute(
    `insert into assessment_target (organisation_id, year, targets, set_by, set_at) values (?, ?, ?::jsonb, ?, ?)
     on conflict (organisation_id, year) do update
       set targets = excluded.targets, set_by = excluded.set_by, set_at = excluded.set_at`,
    [row.organisationId, row.year, JSON.stringify(row.targets), row.setBy, row.setAt],
  );
}
