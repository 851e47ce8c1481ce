/** Reads of force-majeure incidents shared by the licence intake (LM-9 excuse) and the incident reports (LM-11). */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IncidentWindow } from '../domain/force-majeure';
import { ForceMajeureIncident } from './force-majeure-entities';

/** The unit's incidents that may still excuse a late arrival: open, or cleared with the backlog running. */
export async function incidentWindows(em: EntityManager, organisationId: string): Promise<IncidentWindow[]> {
  const rows = await em.find(
    ForceMajeureIncident,
    { organisationId, status: { $in: ['open', 'cleared'] } },
    { orderBy: { since: 'asc' }, disableIdentityMap: true },
  );
  return rows.map((r) => ({
    id: r.id,
    organisationId: r.organisationId,
    typeCodes: r.typeCodes,
    since: r.since,
    clearedAt: r.clearedAt,
    backlogDueAt: r.backlogDueAt,
  }));
}
