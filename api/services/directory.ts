/**
 * The staff directory: who works in which organisation, for the approval pickers (`GET /api/users`) and the
 * development login page, and organisations by id for the pages that name them.
 */
import { AppUser, Jurisdiction, Organisation } from '../../db/entities';
import type { UserRole } from '../../domain/roles';
import type { AppContext } from '../context';
import { forbidden, notFound } from '../errors';
import type { Principal } from '../principal';

/** Roles that are not staff of a public body: holders and business systems see no staff directory. */
const NOT_STAFF: readonly UserRole[] = ['licence_holder', 'licence_system'];

/** A staff account, to be offered in people pickers: not a holder's (citizen's) nor a business system's. */
export function isStaffAccount(roles: readonly UserRole[]): boolean {
  return !roles.some((role) => NOT_STAFF.includes(role));
}

/** Staff: someone of an organisation with a function on the platform, holding a staff role. */
export function isStaff(principal: Principal): boolean {
  return (
    principal.organisationFunctions.length > 0 && principal.roles.some((role) => !NOT_STAFF.includes(role))
  );
}

export interface StaffMember {
  username: string;
  displayName: string;
  organisationId: string;
  organisationName: string;
  roles: UserRole[];
}

export interface OrganisationRef {
  id: string;
  name: string;
  uscc: string;
}

export class DirectoryService {
  constructor(private readonly ctx: AppContext) {}

  /**
   * The organisation's active users by username, for staff only (403 for holders and business systems: who works
   * where is not public); 404 when the organisation does not exist.
   */
  async staffOf(principal: Principal, organisationId: string): Promise<StaffMember[]> {
    if (!isStaff(principal)) throw forbidden('只有公职人员可以查看人员名录');
    const em = this.ctx.em();
    const organisation = await em.findOne(Organisation, { id: organisationId });
    if (!organisation) throw notFound('单位');
    const users = await em.find(AppUser, { organisationId, active: true }, { orderBy: { username: 'asc' } });
    return users.map((u) => ({
      username: u.username,
      displayName: u.displayName,
      organisationId: u.organisationId,
      organisationName: organisation.name,
      roles: u.roles,
    }));
  }

  /**
   * Issue 17 Build 6: the active staff (no holders' or systems' accounts) of `organisations`, by id, for a people
   * picker that names a person by unit and name (the flow editor's designated person).
   */
  async pickableStaff(
    organisations: ReadonlyArray<{ id: string; name: string }>,
  ): Promise<Array<{ username: string; displayName: string; organisationName: string }>> {
    const names = new Map(organisations.map((o) => [o.id, o.name]));
    const users = await this.ctx
      .em()
      .find(
        AppUser,
        { organisationId: { $in: [...names.keys()] }, active: true },
        { orderBy: { id: 'asc' } },
      );
    return users
      .filter((u) => isStaffAccount(u.roles))
      .map((u) => ({
        username: u.id,
        displayName: u.displayName,
        organisationName: names.get(u.organisationId)!,
      }));
  }

  /** Every active account by username, with its organisation's name (the development login page). */
  async activeAccounts(): Promise<StaffMember[]> {
    const em = this.ctx.em();
    const users = await em.find(AppUser, { active: true }, { orderBy: { username: 'asc' } });
    const names = new Map(
      (await em.find(Organisation, { id: { $in: users.map((u) => u.organisationId) } })).map((o) => [
        o.id,
        o.name,
      ]),
    );
    return users.map((u) => ({
      username: u.username,
      displayName: u.displayName,
      organisationId: u.organisationId,
      organisationName: names.get(u.organisationId) ?? '',
      roles: u.roles,
    }));
  }

  /** The organisations among `ids` that exist. */
  async organisations(ids: string[]): Promise<OrganisationRef[]> {
    if (ids.length === 0) return [];
    const rows = await this.ctx.em().find(Organisation, { id: { $in: ids } });
    return rows.map((o) => ({ id: o.id, name: o.name, uscc: o.uscc }));
  }

  async organisation(id: string): Promise<OrganisationRef | null> {
    return (await this.organisations([id]))[0] ?? null;
  }

  /** Every organisation's name by id, for pages that name organisations by id. */
  async organisationNames(): Promise<Map<string, string>> {
    return new Map((await this.ctx.em().find(Organisation, {})).map((o) => [o.id, o.name]));
  }

  /** The organisations inside a jurisdiction (its own and below), each with its jurisdiction's name. */
  async organisationsWithin(
    jurisdictionId: string,
  ): Promise<Array<{ id: string; name: string; jurisdiction: string }>> {
    const em = this.ctx.em();
    const within = await this.ctx.jurisdictions.within(jurisdictionId);
    const [organisations, jurisdictions] = await Promise.all([
      em.find(
        Organisation,
        { jurisdictionId: { $in: within } },
        { orderBy: { jurisdictionId: 'asc', id: 'asc' } },
      ),
      em.find(Jurisdiction, { id: { $in: within } }),
    ]);
    const names = new Map(jurisdictions.map((j) => [j.id, j.name]));
    return organisations.map((o) => ({
      id: o.id,
      name: o.name,
      jurisdiction: names.get(o.jurisdictionId) ?? '',
    }));
  }
}
