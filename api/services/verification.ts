/**
 * Licence verification for everyone (LM-19, WP-(二)1): `POST /api/verify` and the public page `/verify/:identifier`
 * verify a licence identifier (the platform's stored document) or an exported document, against the CA certificate
 * and the platform's registry (pki/licence-verifier.ts, domain/licence-verification.ts). No login is needed; a
 * signed-in caller's verification is audited with the IP and the outcome, an anonymous one is counted per
 * identifier, day, channel and result in `anonymous_verification_count` (LM-25), in batches
 * (db/verification-counts.ts: no write on an anonymous verification's path, issue 19 Build 4).
 */
import { X509Certificate } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AuditActor, recordAudit } from '../../db/audit';
import { VerificationCounter } from '../../db/verification-counts';
import { CertificateAuthority } from '../../db/entities';
import { preparedRows } from '../../db/prepared-query';
import { statusesFromEvents, StatusAtView } from './licence-status';
import type { LicenceStatus } from '../../domain/licence';
import { parseLicenceIdentifier } from '../../domain/licence-identifier';
import type { RecordedEvent } from '../../domain/licence-lifecycle';
import type { RegisteredLicence, VerificationReport } from '../../domain/licence-verification';
import type { SealStatus } from '../../domain/seal';
import { licenceExport, LicenceExport } from '../../pki/licence-document';
import { BoundedLru } from '../../pki/certificate-cache';
import { LicenceRegistry, verifyLicenceDocument, verifyLicenceIdentifier } from '../../pki/licence-verifier';
import { CA_ID } from '../../usecases/certificate-authority';
import {
  SNAPSHOT_COLUMNS,
  SnapshotIds,
  VerificationSnapshot,
  VerificationSnapshots,
} from './verification-snapshot';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { actorOf, Principal } from '../principal';
import { problemsOf } from '../validation';

/** `{ identifier }` or `{ document }`: exactly one. A document's content is the verifier's to judge (FORMAT). */
export const VerifyBody = z
  .object({
    identifier: z.string().trim().min(1).max(200).optional(),
    document: z.record(z.string(), z.unknown()).optional(),
    /** Issue 12 Build 4: the status is also stated at this moment. */
    at: z.iso
      .datetime({ offset: true, message: '应为 ISO 8601 时间，如 2026-03-01T00:00:00+08:00' })
      .optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const given = [body.identifier, body.document].filter((v) => v !== undefined).length;
    if (given === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['identifier'],
        message: '请提供 identifier（证照标识）或 document（导出的电子证照文件）',
      });
    if (given === 2)
      ctx.addIssue({ code: 'custom', path: ['document'], message: 'identifier 与 document 只能提供其一' });
  });
export type VerifyBody = z.infer<typeof VerifyBody>;

export interface LifecycleSummary {
  atSigning: StatusAtView;
  now: StatusAtView;
  at: StatusAtView | null;
}

export type VerificationReportWithLifecycle = VerificationReport & {
  lifecycle: LifecycleSummary | null;
  /** Issue 15 Build 4: the unit now responsible for the licence (its issuer, or the issuer's successor). */
  responsibleUnit: ResponsibleUnit | null;
};

export type ResponsibleUnit = { id: string; name: string; reorganised: boolean };

export interface PublishedCaCertificate {
  pem: string;
  der: Buffer;
  /** SHA-256 of the DER, upper-case hex pairs joined by colons. */
  fingerprintSha256: string;
  subject: string;
}

export interface VerificationMeta {
  principal?: Principal;
  requestId?: string;
  ip?: string;
  /** Where the verification came from: the JSON API or the public page. */
  channel: 'api' | 'page';
}

const ANONYMOUS: AuditActor = { userId: null, username: 'anonymous', roles: [], organisationId: null };

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
export class StoredExportCache {
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
 * The registry query; the stored content (large) only when it is not cached. A prepared statement (one name per
 * text): its planning cost more than its execution (db/prepared-query.ts).
 */
function registryQuery(withContent: boolean): string {
  return `select ${REGISTRY_COLUMNS}${withContent ? ', l.metadata, l.data, l.signature, octet_length(l.data::text) + octet_length(l.signature::text) + octet_length(l.metadata::text) as content_bytes' : ''}
            from licence l
            join licence_type t on t.id = l.type_id
            left join seal s on s.id = l.seal_id
            cross join lateral (
              select x.identifier, x.version from licence x where x.series_id = l.series_id
               order by x.version desc limit 1
            ) latest
           where l.identifier = $1`;
}

/** What the report's lifecycle summary and responsible unit need of a licence (from the registry query). */
export interface LicenceFacts {
  identifier: string;
  issuedAt: Date;
  validTo: string | null;
  events: RecordedEvent[];
  responsibleUnit: ResponsibleUnit | null;
}

export type DatabaseRegistry = LicenceRegistry & {
  /** The entity manager this verification reads with (one fork per request). */
  em: EntityManager;
  storedExport(identifier: string): Promise<LicenceExport | null>;
  /** The lifecycle's and the responsible unit's facts, from the same one query; null for an unknown licence. */
  facts(identifier: string): Promise<LicenceFacts | null>;
  /** The snapshot's columns the same query read; null for an unknown licence. */
  snapshotIds(identifier: string): Promise<SnapshotIds | null>;
};

/**
 * The registry over the database, for one verification: one query per identifier gives the registry entry, the
 * licence's recorded events and the unit now responsible for it, and, for a verification by identifier, the
 * stored document (from `cache` when it holds it; the benchmark verifies over HTTP).
 */
export function databaseRegistry(em: EntityManager, cache?: StoredExportCache): DatabaseRegistry {
  const rows = new Map<string, Promise<{ row: RegistryRow; stored: LicenceExport } | null>>();
  const row = (identifier: string) => {
    let found = rows.get(identifier);
    if (!found) {
      const cached = cache?.get(identifier);
      const name = cached ? 'verification_registry' : 'verification_registry_content';
      found = preparedRows<RegistryRow & { content_bytes?: number }>(em, name, registryQuery(!cached), [
        identifier,
      ]).then((r) => {
        const first = r[0];
        if (!first) return null;
        if (cached) return { row: first, stored: cached };
        const stored = licenceExport({
          metadata: first.metadata,
          data: first.data,
          signature: first.signature,
        });
        cache?.set(identifier, stored, Number(first.content_bytes ?? 0));
        return { row: first, stored };
      });
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

export class VerificationService {
  private caPem: Promise<string> | null = null;
  /** Anonymous verifications (this service's and the PDF verification's), written in batches. */
  readonly counter: VerificationCounter;
  private readonly storedExports = new StoredExportCache();
  /** The trust anchors in force and the log's latest tree head, checked on every verification, kept while unchanged. */
  private readonly snapshots = new VerificationSnapshots();

  constructor(private readonly ctx: AppContext) {
    this.counter = new VerificationCounter(ctx.em);
  }

  /** Writes the pending counts (the platform's stop calls it). */
  close(): Promise<void> {
    return this.counter.stop();
  }

  /**
   * Issue 20 Build 3: the anchors of the trust list in force, as of this call (one small statement while they are
   * unchanged, api/services/verification-snapshot.ts), so that an import or a removal counts from the next
   * verification on. The PDF verification reads them too.
   */
  readonly trustAnchors = async () => (await this.snapshots.current(this.ctx.em())).trustAnchors;

  /** The trust anchor; the CA never changes while the platform runs, so it is read once. */
  caCertificatePem(): Promise<string> {
    if (!this.caPem) {
      const loading = this.ctx
        .em()
        .findOneOrFail(CertificateAuthority, { id: CA_ID }, { disableIdentityMap: true })
        .then((ca) => ca.certificatePem);
      loading.catch(() => {
        if (this.caPem === loading) this.caPem = null;
      });
      this.caPem = loading;
    }
    return this.caPem;
  }

  /**
   * The trust anchor as published (`/ca.pem`, `/ca.der`, issue 11): PEM, DER and the SHA-256 fingerprint of the
   * DER in the colon-separated form `openssl x509 -noout -fingerprint -sha256` prints.
   */
  async caCertificate(): Promise<PublishedCaCertificate> {
    const pem = await this.caCertificatePem();
    const cert = new X509Certificate(pem);
    return {
      pem: cert.toString(),
      der: cert.raw,
      fingerprintSha256: cert.fingerprint256,
      subject: cert.subject,
    };
  }

  /** `POST /api/verify`: 400 naming the field for a body that is neither shape; a report for anything else. */
  async verify(body: unknown, meta: VerificationMeta): Promise<VerificationReportWithLifecycle> {
    const parsed = VerifyBody.safeParse(body);
    if (!parsed.success) {
      const problems = problemsOf(parsed.error);
      await this.audit(meta, null, 'rejected', { invalid: problems.map((p) => p.field) });
      throw badRequest(problems);
    }
    // One registry for the whole request: the report, its lifecycle and its responsible unit share one query.
    const registry = this.registry();
    const report =
      parsed.data.identifier !== undefined
        ? await this.verifyIdentifier(parsed.data.identifier, meta, registry)
        : // The document as received, not zod's copy: the hash covers exactly what was sent.
          await this.verifyDocument((body as { document: unknown }).document, meta, registry);
    return {
      ...report,
      lifecycle: await this.lifecycle(report, parsed.data.at, registry),
      responsibleUnit: await this.responsibleUnit(report, registry),
    };
  }

  private registry(): DatabaseRegistry {
    return databaseRegistry(this.ctx.em(), this.storedExports);
  }

  /** The issuer of the licence the report names, or the unit that took it over in a reorganisation. */
  async responsibleUnit(
    report: VerificationReport,
    registry: DatabaseRegistry = this.registry(),
  ): Promise<ResponsibleUnit | null> {
    if (!report.identifier) return null;
    return (await registry.facts(report.identifier))?.responsibleUnit ?? null;
  }

  /**
   * Issue 12 Build 4: the licence's status at signing and now (and at `at` when asked), from its recorded
   * lifecycle events; null when the report names no licence the platform knows.
   */
  async lifecycle(
    report: VerificationReport,
    at: string | undefined,
    registry: DatabaseRegistry = this.registry(),
  ): Promise<LifecycleSummary | null> {
    if (!report.identifier) return null;
    // The events come with the registry's one query for the licence (in effective, then recorded, order).
    const licence = await registry.facts(report.identifier);
    if (!licence) return null;
    const signingTime = report.signature?.signingTime ?? licence.issuedAt.toISOString();
    const moments = at ? [signingTime, report.verifiedAt, at] : [signingTime, report.verifiedAt];
    const [atSigning, now, atMoment] = statusesFromEvents(licence, licence.events, moments);
    return { atSigning: atSigning!, now: now!, at: atMoment ?? null };
  }

  async verifyIdentifier(
    identifier: string,
    meta: VerificationMeta,
    registry: DatabaseRegistry = this.registry(),
  ): Promise<VerificationReport> {
    const normalised = identifier.trim().toUpperCase();
    // The licence's row carries the snapshot's columns: one statement for a licence the platform has (the row is
    // kept by the registry for the verifier's own ask, the lifecycle and the responsible unit).
    const known = parseLicenceIdentifier(normalised).ok ? await registry.snapshotIds(normalised) : null;
    const snapshot = await this.snapshots.current(registry.em, known);
    const report = await verifyLicenceIdentifier(identifier, {
      ...(await this.options(snapshot, registry)),
      loadExport: (id) => registry.storedExport(id),
    });
    await this.auditReport(meta, report, identifier);
    return report;
  }

  async verifyDocument(
    document: unknown,
    meta: VerificationMeta,
    registry: DatabaseRegistry = this.registry(),
  ): Promise<VerificationReport> {
    const snapshot = await this.snapshots.current(registry.em);
    const report = await verifyLicenceDocument(document, await this.options(snapshot, registry));
    await this.auditReport(meta, report, null);
    return report;
  }

  private async options(snapshot: VerificationSnapshot, registry: DatabaseRegistry) {
    return {
      caCertificatePem: await this.caCertificatePem(),
      now: new Date(),
      registry,
      logEvidence: snapshot.logEvidence,
      trustAnchors: snapshot.trustAnchors,
    };
  }
  private auditReport(meta: VerificationMeta, report: VerificationReport, asked: string | null) {
    return this.audit(
      meta,
      report.identifier ?? (asked ? asked.slice(0, 200) : null),
      report.indication === 'PASSED' ? 'success' : 'rejected',
      {
        input: report.input,
        indication: report.indication,
        subIndication: report.subIndication,
        licenceState: report.licence?.state ?? null,
      },
    );
  }

  private audit(
    meta: VerificationMeta,
    identifier: string | null,
    outcome: 'success' | 'rejected',
    details: Record<string, unknown>,
  ): Promise<void> {
    // Anonymous verifications are counted, not logged (LM-25): the log stays insert-only and bounded.
    if (!meta.principal) {
      const indication = typeof details.indication === 'string' ? details.indication : 'INVALID_REQUEST';
      this.counter.count(identifier, meta.channel, indication);
      return Promise.resolve();
    }
    return recordAudit(this.ctx.em(), {
      actor: meta.principal ? actorOf(meta.principal) : ANONYMOUS,
      action: 'licence.verify',
      targetType: 'licence',
      targetId: identifier,
      outcome,
      details: { channel: meta.channel, ...details },
      requestId: meta.requestId,
      ip: meta.ip,
    });
  }
}
