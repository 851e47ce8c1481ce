/** Who is calling: the user, their organisation and roles, resolved from the database on every request. */
import type { AuditActor } from '../db/audit';
import type { OrganisationFunction, UserRole } from '../domain/roles';

export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  email: string | null;
  roles: UserRole[];
  organisationId: string;
  organisationName: string;
  organisationFunctions: OrganisationFunction[];
  jurisdictionId: string;
}

/** The principal as the audit log records an actor. */
export function actorOf(principal: Principal): AuditActor {
  return {
    userId: principal.userId,
    username: principal.username,
    roles: principal.roles,
    organisationId: principal.organisationId,
  };
}
