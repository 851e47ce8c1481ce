/**
 * Issue 16 (LM-21): a using unit that relies on a licence for a decision archives it to the case: the verification
 * report made at that moment, the signed export when the unit may see the licence in full, and the offline
 * result of the 亮证 token the verifier scanned, if any. Stored as they were, never recomputed: an entry still shows
 * its report after the licence is revoked.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { Licence } from '../../db/licence-entities';
import { licenceExport } from '../../pki/licence-document';
import type { AppContext } from '../context';
import { forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import { accessDetails } from './licences';
import { assertLicenceAccess } from './licence-access';
import type { VerificationService } from './verification';

export const ArchiveBody = z
  .object({
    caseRef: z.string().trim().min(1).max(100),
    identifier: z.string().trim().min(10).max(120),
    presentation: z
      .object({ reason: z.string().max(40), valid: z.boolean(), nonce: z.string().max(64).optional() })
      .optional(),
  })
  .strict();

export interface ArchiveView {
  id: string;
  caseRef: string;
  identifier: string;
  archivedAt: string;
  archivedBy: string;
  hasExport: boolean;
  report: {
    indication: string;
    subIndication: string | null;
    verifiedAt: string;
    lifecycle?: unknown;
    presentation?: unknown;
  };
}

interface ArchiveRow {
  id: string;
  case_ref: string;
  licence_identifier: string;
  archived_at: Date;
  archived_by: string;
  has_export: boolean;
  report: {
    indication: string;
    subIndication?: string | null;
    verifiedAt: string;
    lifecycle?: unknown;
    presentation?: unknown;
  };
}

export class LicenceArchiveService {
  constructor(
    private readonly ctx: AppContext,
    private readonly verification: VerificationService,
  ) {}

  private requireVerifier(principal: Principal) {
    if (
      !principal.roles.includes('licence_verifier') ||
      !principal.organisationFunctions.includes('using_unit')
    ) {
      throw forbidden('只有用证单位的核验人员可以归档证照');
    }
  }

  async archive(principal: Principal, raw: unknown, meta: RequestMeta): Promise<ArchiveView> {
    this.requireVerifier(principal);
    const body = parse(ArchiveBody, raw);
    const em = this.ctx.em();
    const licence = await em.findOne(Licence, { identifier: body.identifier }, { disableIdentityMap: true });
    if (!licence) throw notFound('证照');
    const access = await assertLicenceAccess(
      principal,
      licence,
      { em, jurisdictions: this.ctx.jurisdictions },
      { action: 'licence.archive', ...meta },
    );
    const verified = await this.verification.verifyIdentifier(licence.identifier, {
      principal,
      channel: 'api',
      ...meta,
    });
    const lifecycle = await this.verification.lifecycle(verified, undefined);
    const report = { ...verified, lifecycle, presentation: body.presentation ?? null };
    const id = randomUUID();
    await em.getConnection().execute(
      `insert into licence_archive (id, organisation_id, case_ref, licence_identifier, export, report, archived_by, archived_at)
       values (?, ?, ?, ?, ?, ?, ?, now())`,
      [
        id,
        principal.organisationId,
        body.caseRef,
        licence.identifier,
        access.full ? JSON.stringify(licenceExport(licence)) : null,
        JSON.stringify(report),
        principal.username,
      ],
    );
    await recordAudit(em, {
      actor: actorOf(principal),
      action: 'licence.archive',
      targetType: 'licence',
      targetId: licence.identifier,
      outcome: 'success',
      details: { ...accessDetails(access), caseRef: body.caseRef, archiveId: id },
      ...meta,
    });
    return (await this.list(principal)).find((a) => a.id === id)!;
  }

  /** GET /api/licence-archives: the unit's archive, newest first. */
  async list(principal: Principal): Promise<ArchiveView[]> {
    this.requireVerifier(principal);
    const rows = await this.ctx
      .em()
      .getConnection()
      .execute<ArchiveRow[]>(
        `select id, case_ref, licence_identifier, archived_at, archived_by, export is not null as has_export, report
         from licence_archive where organisation_id = ? order by archived_at desc limit 100`,
        [principal.organisationId],
      );
    return rows.map((r) => ({
      id: r.id,
      caseRef: r.case_ref,
      identifier: r.licence_identifier,
      archivedAt: new Date(r.archived_at).toISOString(),
      archivedBy: r.archived_by,
      hasExport: r.has_export,
      report: {
        indication: r.report.indication,
        subIndication: r.report.subIndication ?? null,
        verifiedAt: r.report.verifiedAt,
        lifecycle: r.report.lifecycle,
        presentation: r.report.presentation,
      },
    }));
  }
}
