/**
 * Who may see a licence, and whether in full or masked (LM-5, LM-14, LM-16, LM-25), for the JSON API, the pages and
 * the copies alike:
 * - the issuing unit's own licence staff (licence_issuer, licence_system): full;
 * - management-unit overseers (supervisor, platform_admin of a management unit) whose jurisdiction contains the
 *   issuing unit: full;
 * - the holder: a holder account (licence_holder) whose holder code is the licence's, or anyone working for the
 *   organisation whose USCC is the holder code: full, their own licences only;
 * - a using unit's verifying staff (licence_verifier), for the types on its usage list (licence_usage_grant,
 *   LM-14): masked unless the grant says full;
 * - a using unit's verifying staff under the holder's live consent for that licence (licence_consent, LM-16 …
 *   LM-18): full or masked as the consent says (the fuller of consent and usage list wins);
 * - everyone else: refused, and the refusal is in the audit log.
 * The decision itself is pure (decideLicenceAccess); licenceAccess gathers the facts it needs.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../../db/audit';
import { AppUser, Organisation } from '../../db/entities';
import { Licence, LicenceUsageGrant } from '../../db/licence-entities';
import type { HolderCodeType, LicenceData, LicenceTypeDefinition } from '../../domain/licence-type';
import { maskData, maskHolderCode, maskHolderName } from '../../domain/licence-type';
import type { UserRole } from '../../domain/roles';
import { ApiError } from '../errors';
import type { JurisdictionTree } from '../jurisdiction-tree';
import { actorOf, Principal } from '../principal';
import { isManagementOverseer } from '../access';

export const ISSUER_ROLES: readonly UserRole[] = ['licence_issuer', 'licence_system'];

export type LicenceAccessBasis = 'issuer' | 'overseer' | 'holder' | 'using_unit' | 'consent';

export type LicenceAccess =
  | { allowed: true; full: boolean; basis: LicenceAccessBasis; purpose?: string; consentId?: string }
  | { allowed: false; reason: string };

/** What the rule looks at, gathered by licenceAccess. */
export interface LicenceAccessFacts {
  /** The caller works for the issuing unit in a licence role. */
  issuerStaff: boolean;
  /** The caller oversees, from a management unit, a jurisdiction containing the issuing unit. */
  overseer: boolean;
  /** The caller is the holder (holder account with the code, or staff of the holder organisation). */
  holder: boolean;
  /** The caller's organisation's usage-list entry for the type, if any. */
  grant: { fullData: boolean; purpose?: string } | null;
  /** The holder's live consent for the caller's unit and this licence, if any (LM-16 … LM-18). */
  consent?: { id: string; fullData: boolean; purpose: string } | null;
}

export const LICENCE_ACCESS_DENIED =
  // LM-14
  '无权查看该证照：仅限颁发单位、管辖范围内的管理单位、持证人本人及用证清单包含该证照类型的应用单位';

/** The rule of the file comment, over facts already gathered. */
export function decideLicenceAccess(facts: LicenceAccessFacts): LicenceAccess {
  if (facts.issuerStaff) return { allowed: true, full: true, basis: 'issuer' };
  if (facts.overseer) return { allowed: true, full: true, basis: 'overseer' };
  if (facts.holder) return { allowed: true, full: true, basis: 'holder' };
  const { consent, grant } = facts;
  if (consent && (consent.fullData || !grant?.fullData)) {
    return {
      allowed: true,
      full: consent.fullData,
      basis: 'consent',
      purpose: consent.purpose,
      consentId: consent.id,
    };
  }
  if (grant) {
    const purpose = grant.purpose === undefined ? {} : { purpose: grant.purpose };
    return { allowed: true, full: grant.fullData, basis: 'using_unit', ...purpose };
  }
  return { allowed: false, reason: LICENCE_ACCESS_DENIED };
}

/** Whether the caller sees sensitive items masked (using units without a full-data grant). */
export function seesMasked(access: LicenceAccess): boolean {
  return !access.allowed || !access.full;
}

export type LicenceRef = Pick<Licence, 'issuerOrganisationId' | 'typeCode' | 'holderCode'> & { id?: string };

export interface AccessDeps {
  em: EntityManager;
  jurisdictions: JurisdictionTree;
}

export async function licenceAccess(
  principal: Principal,
  licence: LicenceRef,
  deps: AccessDeps,
): Promise<LicenceAccess> {
  const { em } = deps;
  const has = (roles: readonly UserRole[]) => principal.roles.some((r) => roles.includes(r));
  const issuerStaff = principal.organisationId === licence.issuerOrganisationId && has(ISSUER_ROLES);
  let overseer = false;
  if (!issuerStaff && isManagementOverseer(principal)) {
    const issuer = await em.findOne(Organisation, { id: licence.issuerOrganisationId });
    overseer =
      !!issuer && (await deps.jurisdictions.isWithin(principal.jurisdictionId, issuer.jurisdictionId));
  }
  let holder = false;
  if (!issuerStaff && !overseer) {
    if (principal.roles.includes('licence_holder')) {
      const user = await em.findOne(AppUser, { id: principal.userId }, { fields: ['holderCode'] });
      holder = !!user?.holderCode && user.holderCode === licence.holderCode;
    }
    if (!holder) {
      const own = await em.findOne(Organisation, { id: principal.organisationId }, { fields: ['uscc'] });
      holder = own?.uscc === licence.holderCode;
    }
  }
  // A usage list is the unit's, used by its verifying staff (licence_verifier), not by everyone who works there.
  const verifier = has(['licence_verifier']) && principal.organisationFunctions.includes('using_unit');
  const grant =
    issuerStaff || overseer || holder || !verifier
      ? null
      : await em.findOne(LicenceUsageGrant, {
          organisationId: principal.organisationId,
          typeCode: licence.typeCode,
        });
  const consent =
    issuerStaff || overseer || holder || !verifier || !licence.id
      ? null
      : await liveConsent(em, principal.organisationId, licence.id);
  return decideLicenceAccess({
    issuerStaff,
    overseer,
    holder,
    grant: grant ? { fullData: grant.fullData, purpose: grant.purpose } : null,
    consent,
  });
}

/** The holder's consent for a unit and a licence in force now (not revoked, within its period), if any. */
export async function liveConsent(
  em: EntityManager,
  organisationId: string,
  licenceId: string,
): Promise<{ id: string; fullData: boolean; purpose: string } | null> {
  const rows = await em.getConnection().execute<Array<{ id: string; full_data: boolean; purpose: string }>>(
    `select id, full_data, purpose from licence_consent
      where grantee_organisation_id = ? and licence_id = ? and revoked_at is null
        and valid_from <= now() and valid_to > now()
      order by full_data desc, valid_to desc limit 1`,
    [organisationId, licenceId],
  );
  return rows[0] ? { id: rows[0].id, fullData: rows[0].full_data, purpose: rows[0].purpose } : null;
}

/**
 * The caller's access, or a 403 whose refusal is recorded in the audit log (LM-25) with the licence and the
 * action tried. `needFull` refuses masked-only callers too (the full export).
 */
export async function assertLicenceAccess(
  principal: Principal,
  licence: LicenceRef & { identifier: string },
  deps: AccessDeps,
  audit: { action: string; requestId?: string; ip?: string; needFull?: boolean },
): Promise<{ full: boolean; basis: LicenceAccessBasis; purpose?: string; consentId?: string }> {
  const access = await licenceAccess(principal, licence, deps);
  let refusal: string | undefined;
  if (!access.allowed) refusal = access.reason;
  else if (audit.needFull && !access.full)
    // LM-14
    refusal = '贵单位的用证清单只允许查看脱敏后的证照，不能导出完整数据';
  if (refusal === undefined && access.allowed) {
    const { full, basis, purpose, consentId } = access;
    return { full, basis, purpose, consentId };
  }
  await recordAudit(deps.em, {
    actor: actorOf(principal),
    action: audit.action,
    targetType: 'licence',
    targetId: licence.identifier,
    outcome: 'denied',
    details: { reason: refusal },
    requestId: audit.requestId,
    ip: audit.ip,
  });
  const error = new ApiError('FORBIDDEN', refusal!);
  error.audited = true;
  throw error;
}

/** The holder and data items as a viewer sees them: as signed, or with sensitive items masked by the type's rules. */
export function holderAndDataFor(
  licence: Pick<Licence, 'holderName' | 'holderCode' | 'holderCodeType' | 'data'>,
  definition: Pick<LicenceTypeDefinition, 'dataItems' | 'holderCategory'>,
  full: boolean,
): { holder: { name: string; code: string; codeType: HolderCodeType }; data: LicenceData } {
  if (full) {
    return {
      holder: { name: licence.holderName, code: licence.holderCode, codeType: licence.holderCodeType },
      data: licence.data,
    };
  }
  return {
    holder: {
      name: maskHolderName(licence.holderName, definition.holderCategory),
      code: maskHolderCode(licence.holderCode, licence.holderCodeType),
      codeType: licence.holderCodeType,
    },
    data: maskData(definition.dataItems, licence.data),
  };
}
