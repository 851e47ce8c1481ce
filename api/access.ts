/**
 * Who may see an organisation's records (applications, seals): its own staff, and the staff of management units
 * and seal management departments whose jurisdiction contains it (LM-5, SM-2), in an overseeing role.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Organisation } from '../db/entities';
import type { UserRole } from '../domain/roles';
import type { Principal } from './principal';
import { forbidden } from './errors';
import type { JurisdictionTree } from './jurisdiction-tree';

const OVERSEEING_ROLES: UserRole[] = ['seal_reviewer', 'supervisor', 'platform_admin'];

/** Who opens 用证清单 (issue 16 Build 5, LM-14): the staff of a using unit (its verifiers, its leader, its administrators). */
export function isUsageListStaff(p: Principal): boolean {
  return (
    p.organisationFunctions.includes('using_unit') &&
    p.roles.some((r) => ['licence_verifier', 'unit_leader', 'platform_admin'].includes(r))
  );
}

/**
 * Supervisors and administrators of a management unit (LM-5, LM-28): they oversee the units in their jurisdiction
 * (督办, late arrivals, licences in full).
 */
export function isManagementOverseer(principal: Principal): boolean {
  return (
    principal.roles.some((r) => r === 'supervisor' || r === 'platform_admin') &&
    principal.organisationFunctions.includes('management_unit')
  );
}

export async function canSeeOrganisationRecords(
  principal: Principal,
  organisationId: string,
  em: EntityManager,
  tree: JurisdictionTree,
): Promise<boolean> {
  if (principal.organisationId === organisationId) return true;
  const oversees =
    principal.roles.some((r) => OVERSEEING_ROLES.includes(r)) &&
    (principal.organisationFunctions.includes('management_unit') ||
      principal.organisationFunctions.includes('seal_management_department'));
  if (!oversees) return false;
  const organisation = await em.findOne(Organisation, { id: organisationId });
  return !!organisation && tree.isWithin(principal.jurisdictionId, organisation.jurisdictionId);
}

export async function assertCanSeeOrganisationRecords(
  principal: Principal,
  organisationId: string,
  em: EntityManager,
  tree: JurisdictionTree,
): Promise<void> {
  if (!(await canSeeOrganisationRecords(principal, organisationId, em, tree))) {
    throw forbidden('无权查看其他单位的记录（不在您的管辖范围内）');
  }
}

/**
 * Who sees a unit's registry entries (its versions, its people): its own staff, and the staff of a management unit
 * whose jurisdiction contains it (LM-5).
 */
export async function canSeeUnitRegistry(
  principal: Principal,
  unit: { id: string; jurisdictionId: string },
  tree: JurisdictionTree,
): Promise<boolean> {
  if (principal.organisationId === unit.id) return true;
  return (
    principal.organisationFunctions.includes('management_unit') &&
    (await tree.isWithin(principal.jurisdictionId, unit.jurisdictionId))
  );
}
