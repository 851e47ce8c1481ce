/**
 * Whether an issuing unit can sign what its business system sends (SM-12, LM-7): for each type the unit may issue,
 * its 证照专用章 (a seal of the type's kind) and the standing seal-use authorisation issuance would use now — uses
 * left, end of window, grantee — or the lack of one; and the requests waiting for an authorisation. The licence
 * page shows it, so that a clerk sees why licences are not being issued and can ask for the authorisation with one
 * click (the seal-use form, prefilled with the document title issuance looks for).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { licenceSealDocumentTitle } from '../../domain/licence';
import type { SealKind } from '../../domain/seal';
import { AppUser } from '../../db/entities';
import { findLicenceAuthorisation } from '../../usecases/licence-authorisation';
import type { AppContext } from '../context';
import type { Principal } from '../principal';
import { ISSUER_ROLES } from './licence-access';

export interface TypeReadiness {
  typeCode: string;
  typeName: string;
  /** The document title a standing authorisation must name (licenceSealDocumentTitle). */
  documentTitle: string;
  /** The unit's active seal of the type's kind that signs it, if any. */
  seal: { id: string; name: string } | null;
  /** The authorisation issuance would use now (the one ending soonest), if any. */
  authorisation: { id: string; remainingUses: number; validTo: Date; granteeName: string } | null;
}

export interface WaitingIssuance {
  caseId: string;
  typeName: string;
  status: 'pending' | 'awaiting_seal';
  statusReason: string | null;
  receivedAt: Date;
}

export interface IssuingReadiness {
  types: TypeReadiness[];
  waiting: WaitingIssuance[];
}

/** Null for callers who are not an issuing unit's licence staff. */
export async function issuingReadiness(
  em: EntityManager,
  principal: Principal,
  now: Date,
): Promise<IssuingReadiness | null> {
  if (!principal.roles.some((r) => ISSUER_ROLES.includes(r))) return null;
  const types: Array<{ code: string; name: string; seal_kind: SealKind }> = await em.execute(
    `select code, name, definition->>'sealKind' as seal_kind from licence_type
      where status = 'published' and definition->'issuingUnitIds' @> jsonb_build_array(?::text)
      order by name`,
    [principal.organisationId],
  );
  const result: TypeReadiness[] = [];
  for (const type of types) {
    const documentTitle = licenceSealDocumentTitle(type);
    const seals: Array<{ id: string; name: string }> = await em.execute(
      `select id, name from seal
        where organisation_id = ? and kind = ? and status = 'active' and valid_from <= ? and valid_to >= ?
        order by (name like '%证照专用章') desc, created_at asc limit 1`,
      [principal.organisationId, type.seal_kind, now, now],
    );
    // Exactly the authorisation issuance would take now.
    const a = await findLicenceAuthorisation(em, {
      organisationId: principal.organisationId,
      sealKind: type.seal_kind,
      title: documentTitle,
      now,
    });
    const grantee = a ? await em.findOne(AppUser, { id: a.granteeId }, { fields: ['displayName'] }) : null;
    result.push({
      typeCode: type.code.trim(),
      typeName: type.name,
      documentTitle,
      seal: seals[0] ?? null,
      authorisation: a
        ? {
            id: a.id,
            remainingUses: a.remainingUses,
            validTo: a.validTo,
            granteeName: grantee?.displayName ?? '',
          }
        : null,
    });
  }
  const waiting: Array<{
    case_id: string;
    type_name: string;
    status: 'pending' | 'awaiting_seal';
    status_reason: string | null;
    received_at: Date;
  }> = await em.execute(
    `select i.case_id, t.name as type_name, i.status, i.status_reason, i.received_at
       from licence_issuance i join licence_type t on t.id = i.type_id
      where i.organisation_id = ? and i.status in ('pending', 'awaiting_seal')
      order by i.received_at asc
      limit 100`,
    [principal.organisationId],
  );
  return {
    types: result,
    waiting: waiting.map((w) => ({
      caseId: w.case_id,
      typeName: w.type_name,
      status: w.status,
      statusReason: w.status_reason,
      receivedAt: new Date(w.received_at),
    })),
  };
}

export interface OwnLateArrival {
  caseId: string;
  typeName: string;
  deadlineAt: Date;
  receivedAt: Date;
  excused: boolean;
}

/**
 * The issuing unit's own late arrivals (LM-9: a licence reaching the platform after its working-day deadline),
 * newest first, for the issuer's 工作台; the management unit's view across units is LicenceService.lateArrivals.
 */
export async function ownLateArrivals(
  em: EntityManager,
  principal: Principal,
  limit: number,
): Promise<{ total: number; recent: OwnLateArrival[] }> {
  if (!principal.roles.some((r) => ISSUER_ROLES.includes(r))) return { total: 0, recent: [] };
  const rows: Array<{
    case_id: string;
    type_name: string;
    deadline_at: Date;
    received_at: Date;
    excused_incident_id: string | null;
    total: string;
  }> = await em.execute(
    `select i.case_id, t.name as type_name, i.deadline_at, i.received_at, i.excused_incident_id,
            count(*) over () as total
       from licence_issuance i join licence_type t on t.id = i.type_id
      where i.organisation_id = ? and i.late
      order by i.received_at desc
      limit ?`,
    [principal.organisationId, limit],
  );
  return {
    total: rows.length ? Number(rows[0]!.total) : 0,
    recent: rows.map((r) => ({
      caseId: r.case_id,
      typeName: r.type_name,
      deadlineAt: new Date(r.deadline_at),
      receivedAt: new Date(r.received_at),
      excused: !!r.excused_incident_id,
    })),
  };
}

/** The issuing unit's readiness for the pages, over the context's database. */
export class LicenceReadinessService {
  constructor(private readonly ctx: AppContext) {}

  lateArrivals(principal: Principal, limit = 5): Promise<{ total: number; recent: OwnLateArrival[] }> {
    return ownLateArrivals(this.ctx.em(), principal, limit);
  }

  forIssuer(principal: Principal, now: Date): Promise<IssuingReadiness | null> {
    return issuingReadiness(this.ctx.em(), principal, now);
  }
}
