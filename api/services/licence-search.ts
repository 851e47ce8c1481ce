/**
 * Whose licences GET /api/licenses lists, and how each reads (LM-14, LM-16, LM-20):
 * - the issuing unit's licence staff: the unit's own, in full;
 * - management-unit overseers: those of the issuing units within their jurisdiction, in full;
 * - a holder (licence_holder, bound to a citizen ID or a USCC; or staff of the holding company): exactly their own;
 * - a using unit's verifier: one holder's licences (holderCode is required) of the types on the unit's usage list
 *   or under the holder's live consent, masked unless the list or the consent allows full data; each one listed is
 *   a read, audited with its basis and purpose so that the holder sees it in their access history.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppUser, Organisation } from '../../db/entities';
import type { JurisdictionTree } from '../jurisdiction-tree';
import { badRequest, forbidden } from '../errors';
import type { Principal } from '../principal';
import { isManagementOverseer } from '../access';
import { ISSUER_ROLES } from './licence-access';

export interface SearchScope {
  kind: 'issuer' | 'overseer' | 'holder' | 'using_unit';
  where: string[];
  params: unknown[];
  /** For a using unit: the usage list by type (purpose, full data). */
  grants?: Map<string, { fullData: boolean; purpose: string }>;
}

/** The holder codes a caller acts for: their bound real-name identity and the USCC of the company they work for. */
export async function holderCodesOf(em: EntityManager, principal: Principal): Promise<string[]> {
  const codes: string[] = [];
  const user = await em.findOne(AppUser, { id: principal.userId }, { fields: ['holderCode'] });
  if (user?.holderCode && principal.roles.includes('licence_holder')) codes.push(user.holderCode);
  // The holders' pseudo-organisation ('public') holds nothing: its code is no company's.
  if (principal.organisationId !== 'public') {
    const own = await em.findOne(Organisation, { id: principal.organisationId }, { fields: ['uscc'] });
    if (own?.uscc) codes.push(own.uscc);
  }
  return codes;
}

export async function searchScope(
  deps: { em: EntityManager; jurisdictions: JurisdictionTree },
  principal: Principal,
  holderCode: string | undefined,
): Promise<SearchScope> {
  const { em } = deps;
  if (principal.roles.some((r) => ISSUER_ROLES.includes(r))) {
    return { kind: 'issuer', where: ['l.issuer_organisation_id = ?'], params: [principal.organisationId] };
  }
  if (isManagementOverseer(principal)) {
    const jurisdictions = await deps.jurisdictions.within(principal.jurisdictionId);
    return {
      kind: 'overseer',
      where: [`o.jurisdiction_id = any(string_to_array(?, ','))`],
      params: [jurisdictions.join(',')],
    };
  }
  if (principal.roles.includes('licence_holder')) {
    const codes = await holderCodesOf(em, principal);
    return {
      kind: 'holder',
      where: [`l.holder_code = any(string_to_array(?, ','))`],
      params: [codes.join(',')],
    };
  }
  if (
    principal.roles.includes('licence_verifier') &&
    principal.organisationFunctions.includes('using_unit')
  ) {
    if (!holderCode) {
      throw badRequest([
        { field: 'holderCode', rule: 'required', message: '核验人员检索证照须提供持证人代码' },
      ]);
    }
    return usingUnitScope(em, principal.organisationId);
  }
  throw forbidden(
    '检索证照需要证照制发人员、业务系统接入账号、管理单位监督人员、用证单位核验人员或持证人的角色',
  );
}

async function usingUnitScope(em: EntityManager, organisationId: string): Promise<SearchScope> {
  const rows = await em
    .getConnection()
    .execute<Array<{ type_code: string; full_data: boolean; purpose: string }>>(
      `select type_code, full_data, purpose from licence_usage_grant where organisation_id = ?`,
      [organisationId],
    );
  return {
    kind: 'using_unit',
    where: [
      `(l.type_code in (select type_code from licence_usage_grant where organisation_id = ?)
        or l.id in (select licence_id from licence_consent where grantee_organisation_id = ? and revoked_at is null
                     and valid_from <= now() and valid_to > now()))`,
    ],
    params: [organisationId, organisationId],
    grants: new Map(rows.map((r) => [r.type_code, { fullData: r.full_data, purpose: r.purpose }])),
  };
}
