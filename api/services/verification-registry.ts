/**
 * The platform's registry as a verification reads it (LM-19): one statement gives a licence's registry entry, its
 * seal's status, its dispute mark, its latest version, its recorded events, the unit now responsible for it and
 * the verification's snapshot ids; the licence's signed content comes with it until it is cached.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { CoalescingLoader } from '../../db/coalescing-loader';
import { preparedRows } from '../../db/prepared-query';
import type { LicenceStatus } from '../../domain/licence';
import type { RecordedEvent } from '../../domain/licence-lifecycle';
import type { RegisteredLicence } from '../../domain/licence-verification';
import type { SealStatus } from '../../domain/seal';
import { BoundedLru } from '../../pki/certificate-cache';
import { licenceExport, LicenceExport } from '../../pki/licence-document';
import type { LicenceRegistry } from '../../pki/licence-verifier';
import { SNAPSHOT_COLUMNS, SnapshotIds } from './verification-snapshot';
import { licenceSignatureRecordSql } from '../../db/signature-material';

export type ResponsibleUnit = { id: string; name: string; reorganised: boolean };

interface RegistryRow {
  identifier: string;
  name: string;
  type_code: string;
  version: number;
  issuer_name: string;
  holder_name: string;
  holder_code_type: string;
  issue_date: string;
  valid_from: string;
  valid_to: string | null;
  status: LicenceStatus;
  data_hash: string;
  signature_value: string;
  seal_id: string;
  seal_status: SealStatus | null;
  seal_inactive_since: Date | null;
  type_seal_kind: string;
  disputed: boolean;
  latest_identifier: string;
  latest_version: number;
  /** The verification's snapshot (api/services/verification-snapshot.ts SNAPSHOT_COLUMNS), read in the same statement. */
  head_id: string | null;
  anchor_ids: string;
  /** For the lifecycle summary: the licence's issue time and its recorded events in order. */
  issued_at: Date | string;
  events: Array<{
    kind: RecordedEvent['kind'];
    effectiveAt: string;
    stateAfter: RecordedEvent['stateAfter'];
  }>;
  /** The unit now responsible (the issuer, or its successor after a reorganisation); null if it has none. */
  responsible_unit: ResponsibleUnit | null;
  /** Only when the stored content is not cached. */
  metadata: LicenceExport['licence']['metadata'];
  data: LicenceExport['licence']['data'];
  signature: LicenceExport['signature'];
}

/**
 * Since when the seal `s` has been out of use (domain/seal-status.ts inactiveSince, in SQL for the one registry
 * query): the earliest effective time among the changes to a non-active status recorded after its last return to
 * active; null while the seal is active.
 */
const SEAL_INACTIVE_SINCE = `
  select min(c.effective_at) from seal_status_change c
   where c.seal_id = s.id and s.status <> 'active' and c.status <> 'active'
     and c.recorded_at > coalesce((select max(a.recorded_at) from seal_status_change a
                                    where a.seal_id = s.id and a.status = 'active'), '-infinity')`;

/**
 * The signed content of licences verified lately (metadata, data and signature as stored), by identifier (issue 19
 * Build 4). It never changes once written (a new version is a new row; only the status column is ever updated), so
 * it needs no invalidation; what does change — the licence's status, its seal's status, a dispute's mark, the
 * latest version — is never cached and is read on every verification. Bounded in entries and bytes (LRU), so that
 * verifying many licences cannot fill memory.
 */
class StoredExportCache {
  private readonly lru = new BoundedLru<LicenceExport>({
    maxEntries: 20_000,
    maxBytes: 64 * 1024 * 1024,
    maxEntryBytes: 1024 * 1024,
  });

  get(identifier: string): LicenceExport | undefined {
    return this.lru.get(identifier);
  }

  set(identifier: string, stored: LicenceExport, bytes: number): void {
    this.lru.set(identifier, stored, bytes);
  }
}

/** The licence's recorded lifecycle events, by effective then recorded time (api/services/licence-status.ts). */
const RECORDED_EVENTS = `
  select coalesce(json_agg(json_build_object('kind', e.kind, 'effectiveAt', e.effective_at, 'stateAfter', e.state_after)
                           order by e.effective_at, e.recorded_at), '[]'::json)
    from licence_event e where e.licence_id = l.id and e.status = 'recorded'`;

/**
 * Issue 15 Build 4: the issuer, or the unit that took it over, following successors up to 20 steps
 * (usecases/reorganisation.ts unitNowResponsible, in SQL for the one registry query).
 */
const RESPONSIBLE_UNIT = `
  with recursive chain (id, name, successor_id, hops) as (
    select o.id, o.name, o.successor_id, 0 from organisation o where o.id = l.issuer_organisation_id
    union all
    select n.id, n.name, n.successor_id, c.hops + 1 from chain c join organisation n on n.id = c.successor_id
     where c.hops < 20)
  select json_build_object('id', c.id, 'name', c.name, 'reorganised', c.id <> l.issuer_organisation_id)
    from chain c order by c.hops desc limit 1`;

const REGISTRY_COLUMNS = `l.identifier, l.name, l.type_code, l.version, l.metadata->'issuer'->>'name' as issuer_name,
  l.holder_name, l.holder_code_type, l.issue_date, l.valid_from, l.valid_to, l.status, l.data_hash,
  l.signature->>'signatureValue' as signature_value, l.seal_id, s.status as seal_status,
  (${SEAL_INACTIVE_SINCE}) as seal_inactive_since,
  latest.identifier as latest_identifier, latest.version as latest_version, t.definition->>'sealKind' as type_seal_kind,
  exists (select 1 from dispute d where d.licence_series_id = l.series_id and d.status = 'marked') as disputed,
  l.issued_at, (${RECORDED_EVENTS}) as events, (${RESPONSIBLE_UNIT}) as responsible_unit, ${SNAPSHOT_COLUMNS}`;

/**
 * The registry query for the identifiers in `$1` (a text array: the verifications in flight, RegistryReads); the
 * stored content (large) only when it is not cached. A prepared statement (one name per text): its planning cost
 * more than its execution (db/prepared-query.ts).
 */
function registryQuery(withContent: boolean): string {
  return `select ${REGISTRY_COLUMNS}${withContent ? `, l.metadata, l.data, r.signature, octet_length(l.data::text) + octet_length(r.signature::text) + octet_length(l.metadata::text) as content_bytes` : ''}
            from licence l
            ${withContent ? `cross join lateral (select ${licenceSignatureRecordSql('l')} as signature) r` : ''}
            join licence_type t on t.id = l.type_id
            left join seal s on s.id = l.seal_id
            cross join lateral (
              select x.identifier, x.version from licence x where x.series_id = l.series_id
               order by x.version desc limit 1
            ) latest
           where l.identifier = any($1::text[])`;
}

type ContentRow = RegistryRow & { content_bytes?: number };

/** A licence's registry row and its stored document, as one verification reads them. */
export interface RegistryEntry {
  row: RegistryRow;
  stored: LicenceExport;
}

/**
 * The registry rows of the verifications in flight in this process, read together (issue 19): a verification
 * arriving while two registry statements are running waits for one of them to end and is read with the others
 * that arrived meanwhile, in one statement (db/coalescing-loader.ts). Each is still read by a statement that
 * starts after it arrived: a revocation, a seal's change or a dispute's mark counts from the next verification on,
 * in every process, as with one statement per verification. Idle, a verification's statement goes at once.
 */
export class RegistryReads {
  /** Rows with the stored document's columns, for a licence whose document is not in the cache; rows without. */
  private readonly withContent: CoalescingLoader<string, ContentRow>;
  private readonly withoutContent: CoalescingLoader<string, ContentRow>;

  constructor(
    private readonly em: EntityManager,
    private readonly cache = new StoredExportCache(),
  ) {
    this.withContent = this.loader('verification_registry_content_any', registryQuery(true));
    this.withoutContent = this.loader('verification_registry_any', registryQuery(false));
  }

  /** The licence `identifier`'s row and stored document, read after this call; null for an unknown licence. */
  async read(identifier: string): Promise<RegistryEntry | null> {
    const cached = this.cache.get(identifier);
    const row = await (cached ? this.withoutContent : this.withContent).load(identifier);
    if (!row) return null;
    if (cached) return { row, stored: cached };
    const stored = licenceExport({ metadata: row.metadata, data: row.data, signature: row.signature });
    this.cache.set(identifier, stored, Number(row.content_bytes ?? 0));
    return { row, stored };
  }

  private loader(name: string, text: string): CoalescingLoader<string, ContentRow> {
    return new CoalescingLoader(async (identifiers) => {
      const rows = await preparedRows<ContentRow>(this.em, name, text, [identifiers]);
      return new Map(rows.map((r) => [r.identifier, r]));
    }, REGISTRY_BATCHING);
  }
}

/**
 * Two statements at once at most (a third verification waits for one of them and goes with the others waiting),
 * up to 64 verifications in one.
 */
const REGISTRY_BATCHING = { maxInFlight: 2, maxBatch: 64 };

/** What the report's lifecycle summary and responsible unit need of a licence (from the registry query). */
export interface LicenceFacts {
  identifier: string;
  issuedAt: Date;
  validTo: string | null;
  events: RecordedEvent[];
  responsibleUnit: ResponsibleUnit | null;
}

export type DatabaseRegistry = LicenceRegistry & {
  /** The entity manager this verification reads with (raw statements only). */
  em: EntityManager;
  storedExport(identifier: string): Promise<LicenceExport | null>;
  /** The lifecycle's and the responsible unit's facts, from the same one query; null for an unknown licence. */
  facts(identifier: string): Promise<LicenceFacts | null>;
  /** The snapshot's columns the same query read; null for an unknown licence. */
  snapshotIds(identifier: string): Promise<SnapshotIds | null>;
};

/**
 * The registry over the database, for one verification: one read per identifier (`reads`, shared with the
 * verifications in flight) gives the registry entry, the licence's recorded events and the unit now responsible
 * for it, and, for a verification by identifier, the stored document (cached once read; the benchmark verifies
 * over HTTP).
 */
export function databaseRegistry(em: EntityManager, reads: RegistryReads): DatabaseRegistry {
  const rows = new Map<string, Promise<RegistryEntry | null>>();
  const row = (identifier: string) => {
    let found = rows.get(identifier);
    if (!found) {
      found = reads.read(identifier);
      rows.set(identifier, found);
    }
    return found;
  };
  return {
    em,
    async storedExport(identifier) {
      return (await row(identifier))?.stored ?? null;
    },
    async snapshotIds(identifier) {
      const r = (await row(identifier))?.row;
      return r ? { head_id: r.head_id, anchor_ids: r.anchor_ids } : null;
    },
    async facts(identifier) {
      const r = (await row(identifier))?.row;
      if (!r) return null;
      return {
        identifier: r.identifier,
        issuedAt: new Date(r.issued_at),
        validTo: r.valid_to,
        events: r.events.map((e) => ({ ...e, effectiveAt: new Date(e.effectiveAt).toISOString() })),
        responsibleUnit: r.responsible_unit,
      };
    },
    async lookup(identifier) {
      const found = await row(identifier);
      if (!found) return null;
      const r = found.row;
      const entry: RegisteredLicence = {
        identifier: r.identifier,
        name: r.name,
        typeCode: r.type_code.trim(),
        version: r.version,
        issuerName: r.issuer_name,
        holderName: r.holder_name,
        holderCodeType: r.holder_code_type,
        issueDate: r.issue_date,
        validFrom: r.valid_from,
        validTo: r.valid_to,
        status: r.status,
        dataHash: r.data_hash.trim(),
        typeSealKind: r.type_seal_kind,
        signatureValue: r.signature_value,
        disputed: r.disputed,
        // Issue 12 Build 5: since when the seal has been out of use, from its status history.
        seal: r.seal_status
          ? {
              id: r.seal_id,
              status: r.seal_status,
              statusChangedAt: r.seal_inactive_since ? new Date(r.seal_inactive_since).toISOString() : null,
            }
          : null,
        latestIdentifier: r.latest_identifier,
        latestVersion: r.latest_version,
      };
      return entry;
    },
  };
}
