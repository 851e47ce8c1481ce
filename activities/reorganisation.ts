/**
 * Issue 15 Build 4: the steps of a reorganisation (usecases/reorganisation.ts), each idempotent by the
 * reorganisation's id. The certificate itself is issued by the CA's activity on the signing task queue.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditActor } from '../db/audit';
import type { Orm } from '../db/orm';
import {
  approvalsWithTasksOf,
  cancelPredecessorSeals,
  createSuccessor,
  finishReorganisation,
  moveLicenceTypes,
  requestSuccessorCertificate,
} from '../usecases/reorganisation';

export interface ReorganisationStep {
  reorganisationId: string;
  actor: AuditActor;
}

export interface ReorganisationActivities {
  createSuccessor(req: ReorganisationStep): Promise<string>;
  requestSuccessorCertificate(req: ReorganisationStep): Promise<string>;
  cancelPredecessorSeals(req: ReorganisationStep): Promise<number>;
  moveLicenceTypes(req: ReorganisationStep): Promise<string[]>;
  approvalsWithTasksOf(req: { organisationId: string }): Promise<string[]>;
  finishReorganisation(req: ReorganisationStep & { summary: Record<string, unknown> }): Promise<void>;
}

export function createReorganisationActivities(deps: { orm: Orm }): ReorganisationActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    createSuccessor: ({ reorganisationId, actor }) => createSuccessor(fork(), reorganisationId, actor),
    requestSuccessorCertificate: ({ reorganisationId, actor }) =>
      requestSuccessorCertificate(fork(), reorganisationId, actor),
    cancelPredecessorSeals: ({ reorganisationId, actor }) =>
      cancelPredecessorSeals(fork(), reorganisationId, actor),
    moveLicenceTypes: ({ reorganisationId, actor }) => moveLicenceTypes(fork(), reorganisationId, actor),
    approvalsWithTasksOf: ({ organisationId }) => approvalsWithTasksOf(fork(), organisationId),
    finishReorganisation: ({ reorganisationId, summary, actor }) =>
      finishReorganisation(fork(), reorganisationId, summary, actor),
  };
}
