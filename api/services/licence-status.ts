/**
 * Issue 12 Build 4: a licence's status at any moment, from its recorded lifecycle events (domain/licence-lifecycle.ts
 * statusAt), for `GET /api/licenses/:identifier/status?at=` and the verification report (status at signing and now).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Licence, LicenceEvent } from '../../db/licence-entities';
import { LICENCE_STATUS_LABELS } from '../../domain/licence';
import { RecordedEvent, statusAt, StatusAt, SUSPENSION_LABELS } from '../../domain/licence-lifecycle';

export interface StatusAtView extends StatusAt {
  identifier: string;
  at: string;
  statusLabel: string;
  suspensionLabels: string[];
}

export async function licenceStatusAt(
  em: EntityManager,
  licence: Pick<Licence, 'id' | 'identifier' | 'issuedAt' | 'validTo'>,
  at: string,
): Promise<StatusAtView> {
  return licenceStatusesAt(em, licence, [at]).then(([view]) => view!);
}

/** The status at each of several moments, from one read of the licence's recorded events. */
export async function licenceStatusesAt(
  em: EntityManager,
  licence: Pick<Licence, 'id' | 'identifier' | 'issuedAt' | 'validTo'>,
  moments: string[],
): Promise<StatusAtView[]> {
  const rows = await em.find(
    LicenceEvent,
    { licenceId: licence.id, status: 'recorded' },
    { orderBy: { effectiveAt: 'asc', recordedAt: 'asc' }, disableIdentityMap: true },
  );
  const events: RecordedEvent[] = rows.map((r) => ({
    kind: r.kind,
    effectiveAt: r.effectiveAt!.toISOString(),
    stateAfter: r.stateAfter!,
  }));
  return statusesFromEvents(licence, events, moments);
}

/**
 * The status at each moment from the licence's recorded events already read (in effective, then recorded, order):
 * the verification reads them in its one registry query (api/services/verification.ts).
 */
export function statusesFromEvents(
  licence: Pick<Licence, 'identifier' | 'issuedAt' | 'validTo'>,
  events: RecordedEvent[],
  moments: string[],
): StatusAtView[] {
  return moments.map((at) => {
    const s = statusAt({ issuedAt: licence.issuedAt.toISOString(), validTo: licence.validTo }, events, at);
    return {
      ...s,
      identifier: licence.identifier,
      at: new Date(at).toISOString(),
      statusLabel: s.status === 'not_issued' ? '尚未签发' : LICENCE_STATUS_LABELS[s.status],
      suspensionLabels: s.suspensions.map((x) => SUSPENSION_LABELS[x.kind]),
    };
  });
}
