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
import { statusesFromEvents, StatusAtView } from './licence-status';
import { parseLicenceIdentifier } from '../../domain/licence-identifier';
import type { VerificationReport } from '../../domain/licence-verification';
import { verifyLicenceDocument, verifyLicenceIdentifier } from '../../pki/licence-verifier';
import { CA_ID } from '../../usecases/certificate-authority';
import { DatabaseRegistry, databaseRegistry, RegistryReads, ResponsibleUnit } from './verification-registry';
import { VerificationSnapshot, VerificationSnapshots } from './verification-snapshot';
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

export class VerificationService {
  private caPem: Promise<string> | null = null;
  /** Anonymous verifications (this service's and the PDF verification's), written in batches. */
  readonly counter: VerificationCounter;
  /** The registry rows of the verifications in flight, read together (api/services/verification-registry.ts). */
  private readonly registryReads: RegistryReads;
  /** The trust anchors in force and the log's latest tree head, checked on every verification, kept while unchanged. */
  private readonly snapshots = new VerificationSnapshots();
  /**
   * What a verification reads with: raw statements only (the registry query, the snapshot, the log's evidence), which
   * load no entity, so nothing is ever kept in it. One for every verification rather than a fork per request (a fork
   * builds an entity manager and its unit of work, issue 19).
   */
  private readonly reader: EntityManager;

  constructor(private readonly ctx: AppContext) {
    this.counter = new VerificationCounter(ctx.em);
    this.reader = ctx.em();
    this.registryReads = new RegistryReads(this.reader);
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
  readonly trustAnchors = async () => (await this.snapshots.current(this.reader)).trustAnchors;

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
    return databaseRegistry(this.reader, this.registryReads);
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
