/**
 * More rules of a supervision run (LM-28, issue 14 Build 2), applied by usecases/supervision-run.ts like the others:
 * - kind 1: a unit's service item that yields a licence (service_item.yields_licence) but that no published
 *   licence type names (the catalogue was not compiled for it);
 * - kind 4: usage-list requests (LM-14) whose approval step passed its working-day deadline unanswered (the
 *   approval engine records the breach), a finding of each unit the step waited on; licences (valid) missing data
 *   items that the current version of their type marks as required, so the data shared is reduced;
 * - kind 5: holders' complaints that a unit demanded a paper licence (paper_complaint), each with the complaint
 *   as evidence (the contact stays with the complaint).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NewFinding } from '../db/supervision-findings';

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

/** Kind 1: service items of a unit that yield a licence no published licence type is compiled for. */
export async function serviceItemsWithoutType(em: EntityManager, at: Date): Promise<NewFinding[]> {
  const items: Row[] = await em.execute(
    `select s.code, s.name, s.organisation_id, s.yields_licence from service_item s
      where s.organisation_id is not null and s.yields_licence is not null
        and not exists (select 1 from licence_type t where t.status = 'published'
                         and t.definition->'serviceItems' @> jsonb_build_array(jsonb_build_object('code', s.code)))`,
  );
  return items.map((s) => ({
    organisationId: String(s.organisation_id),
    rule: 'service_item_without_type',
    evidence: { serviceItemCode: s.code, serviceItemName: s.name, yieldsLicence: s.yields_licence },
    foundAt: at,
    sourceKey: `service-item-without-type:${String(s.code)}`,
  }));
}

/** Kind 4: usage-list requests whose approval step was not answered by its deadline. */
export async function usageRequestsOverdue(em: EntityManager, at: Date): Promise<NewFinding[]> {
  const breaches: Row[] = await em.execute(
    `select b.id, b.step_name, b.due_at, b.breached_at, b.assignee_organisation_ids, b.organisation_id,
            r.id as request_id, r.organisation_id as requester_id, r.type_code, r.status, r.created_at
       from deadline_breach b join licence_usage_request r on r.approval_workflow_id = b.process_key`,
  );
  return breaches.flatMap((b) => {
    const waitedOn = b.assignee_organisation_ids as string[];
    return (waitedOn.length > 0 ? waitedOn : [String(b.organisation_id)]).map((organisationId) => ({
      organisationId,
      rule: 'usage_request_overdue' as const,
      evidence: {
        usageRequestId: b.request_id,
        requestingUnitId: b.requester_id,
        typeCode: String(b.type_code).trim(),
        step: b.step_name,
        requestedAt: iso(b.created_at),
        dueAt: iso(b.due_at),
        breachedAt: iso(b.breached_at),
        statusWhenFound: b.status,
      },
      foundAt: at,
      sourceKey: `usage-request-overdue:${String(b.id)}:${organisationId}`,
    }));
  });
}

/** Kind 4: valid licences whose data lacks items the current version of their type marks as required. */
export async function requiredItemsMissing(em: EntityManager, at: Date): Promise<NewFinding[]> {
  const licences: Row[] = await em.execute(
    `select l.id, l.identifier, l.issuer_organisation_id, l.type_code, t.version, missing.labels, missing.keys
       from licence l
       join licence_type t on t.code = l.type_code and t.status = 'published'
       cross join lateral (
         select array_agg(i->>'label') as labels, array_agg(i->>'key') as keys
           from jsonb_array_elements(t.definition->'dataItems') i
          where (i->>'required')::boolean and coalesce(l.data->>(i->>'key'), '') = ''
       ) missing
      where l.status = 'valid' and missing.keys is not null`,
  );
  return licences.map((l) => ({
    organisationId: String(l.issuer_organisation_id),
    rule: 'required_items_missing',
    evidence: {
      licenceIdentifier: l.identifier,
      typeCode: String(l.type_code).trim(),
      typeVersion: l.version,
      missingItems: l.labels,
      missingKeys: l.keys,
    },
    foundAt: at,
    sourceKey: `required-items-missing:${String(l.id)}`,
  }));
}

/** Kind 5: complaints that a unit demanded a paper licence although sharing could supply it. */
export async function paperComplaints(em: EntityManager, at: Date): Promise<NewFinding[]> {
  const complaints: Row[] = await em.execute(
    `select c.id, c.organisation_id, c.service_item_code, s.name as service_item_name, c.licence_identifier,
            c.description, c.received_at
       from paper_complaint c left join service_item s on s.code = c.service_item_code`,
  );
  return complaints.map((c) => ({
    organisationId: String(c.organisation_id),
    rule: 'paper_complaint',
    evidence: {
      complaintId: c.id,
      serviceItemCode: c.service_item_code,
      serviceItemName: c.service_item_name,
      licenceIdentifier: c.licence_identifier,
      description: c.description,
      receivedAt: iso(c.received_at),
    },
    foundAt: at,
    sourceKey: `paper-complaint:${String(c.id)}`,
  }));
}
