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

/** Where a request came from, as the audit log records it with an action: its request id and the caller's address. */
export interface RequestMeta {
  requestId?: string;
  ip?: string;
}

export function requestMeta(req: { requestId?: string; ip?: string }): RequestMeta {
  return { requestId: req.requestId, ip: req.ip };
}
