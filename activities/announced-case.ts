/**
 * Side effects of the announced-case workflow (LM-9, LM-28): when the case's licence arrived, the flag at the
 * deadline with its finding (violation kind 2), and the close. Idempotent: conditional updates, the finding
 * keyed by the case, audit rows keyed.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { LicenceIssuance } from '../db/licence-entities';
import type { Orm } from '../db/orm';
import { AnnouncedCase } from '../db/supervision-entities';
import { addEvidence, recordFinding } from '../db/supervision-findings';
import { announcedCaseFindingKey } from '../domain/supervision';

export interface AnnouncedCaseActivities {
  /** When the issuance request of the case was received, if it was (ISO), else null. */
  findCaseArrival(req: { announcedCaseId: string }): Promise<string | null>;
  flagAnnouncedCase(req: { announcedCaseId: string; at: string }): Promise<void>;
  closeAnnouncedCase(req: {
    announcedCaseId: string;
    arrivedAt: string;
    status: 'issued' | 'issued_late';
  }): Promise<void>;
}

export function createAnnouncedCaseActivities(deps: { orm: Orm }): AnnouncedCaseActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async findCaseArrival({ announcedCaseId }) {
      const em = fork();
      const c = await em.findOneOrFail(AnnouncedCase, { id: announcedCaseId });
      const issuance = await em.findOne(LicenceIssuance, {
        organisationId: c.organisationId,
        caseId: c.caseId,
      });
      return issuance ? issuance.receivedAt.toISOString() : null;
    },

    async flagAnnouncedCase({ announcedCaseId, at }) {
      await fork().transactional(async (tx) => {
        const c = await tx.findOneOrFail(AnnouncedCase, { id: announcedCaseId });
        await tx.nativeUpdate(
          AnnouncedCase,
          { id: announcedCaseId, status: 'open' },
          { status: 'flagged', flaggedAt: new Date(at) },
        );
        await recordFinding(tx, {
          organisationId: c.organisationId,
          rule: 'announced_case_without_licence',
          evidence: {
            announcedCaseId,
            caseId: c.caseId,
            licenceType: c.typeCode,
            closedAt: c.closedAt.toISOString(),
            deadlineAt: c.deadlineAt.toISOString(),
            licenceArrivedAt: null,
          },
          foundAt: new Date(at),
          sourceKey: announcedCaseFindingKey(announcedCaseId),
        });
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: 'case.flag',
          targetType: 'announced_case',
          targetId: announcedCaseId,
          outcome: 'success',
          eventKey: `case.flag:${announcedCaseId}`,
          details: {
            organisationId: c.organisationId,
            caseId: c.caseId,
            deadlineAt: c.deadlineAt.toISOString(),
          },
        });
      });
    },

    async closeAnnouncedCase({ announcedCaseId, arrivedAt, status }) {
      await fork().transactional(async (tx) => {
        await tx.nativeUpdate(
          AnnouncedCase,
          { id: announcedCaseId, status: { $in: ['open', 'flagged'] } },
          { status, arrivedAt: new Date(arrivedAt) },
        );
        if (status === 'issued_late') {
          await addEvidence(tx, announcedCaseFindingKey(announcedCaseId), { licenceArrivedAt: arrivedAt });
        }
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: 'case.close',
          targetType: 'announced_case',
          targetId: announcedCaseId,
          outcome: 'success',
          eventKey: `case.close:${announcedCaseId}`,
          details: { status, arrivedAt },
        });
      });
    },
  };
}
