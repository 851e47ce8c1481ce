/**
 * The trust list an administrator keeps (issue 20 Build 3, SM-3, WP-(二)1 mutual recognition): anchors — the
 * provincial CA, other regions' seal platforms and CAs — imported with their certificate and the period signatures
 * under them are trusted for, and removed again; each import and removal is audited, in the same transaction as
 * the change. `POST /api/verify` and the verification pages read the anchors in force (api/services/verification.ts).
 * The list applies to the whole city: only the city's top management unit's administrators change it; any platform
 * administrator or auditor may read it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import {
  activeFingerprints,
  findTrustAnchor,
  insertTrustAnchor,
  listTrustAnchors,
  markTrustAnchorRemoved,
  StoredTrustAnchor,
} from '../../db/trust-anchors';
import { isStrictCertificatePem } from '../../domain/pem';
import { TRUST_ANCHOR_KINDS } from '../../domain/trust-list';
import { parseCertificate } from '../../pki/seal-signer';
import { requireRole } from '../auth';
import { cityWideRefusal } from '../city-wide';
import type { AppContext } from '../context';
import { badRequest, conflict, FieldProblem, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { problemsOf } from '../validation';

/** The most anchors one import takes (a province's list is a handful). */
export const MAX_ANCHORS_PER_IMPORT = 20;

const instant = z.iso.datetime({
  offset: true,
  message: '应为带时区的 ISO 8601 时间，如 2026-01-01T00:00:00+08:00',
});

export const TrustAnchorInput = z
  .object({
    name: z.string().trim().min(1, { message: '请填写名称' }).max(200),
    kind: z.enum(TRUST_ANCHOR_KINDS, {
      message: '应为 provincial_ca、regional_seal_platform 或 regional_ca',
    }),
    certificatePem: z.string().superRefine((pem, ctx) => {
      const problem = certificateProblem(pem);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    /** Omitted: the certificate's own validity. */
    validFrom: instant.optional(),
    validTo: instant.optional(),
  })
  .strict();
export type TrustAnchorInput = z.infer<typeof TrustAnchorInput>;

/** What is wrong with an anchor's certificate, one finding (shape, then parsing, then being a CA); null when fine. */
function certificateProblem(pem: string): string | null {
  if (!isStrictCertificatePem(pem)) return '应为且仅为一个 PEM 格式证书';
  const cert = parseCertificate(pem);
  if (!cert) return '无法解析为 X.509 证书';
  if (!cert.ca) return '不是 CA 证书（基本约束未标明 CA）';
  return null;
}

export const TrustListImport = z
  .object({ anchors: z.array(TrustAnchorInput).min(1).max(MAX_ANCHORS_PER_IMPORT) })
  .strict();

/** An anchor as the API shows it (the certificate included: it is public). */
export type TrustAnchorView = StoredTrustAnchor;

/** The anchor to store from what was given: its fingerprint, subject and, by default, the certificate's validity. */
function anchorToStore(input: TrustAnchorInput, by: string, at: Date) {
  const cert = parseCertificate(input.certificatePem)!;
  return {
    id: randomUUID(),
    name: input.name,
    kind: input.kind,
    certificatePem: input.certificatePem,
    fingerprintSha256: createHash('sha256').update(cert.raw).digest('hex'),
    subject: cert.subject.replace(/\n/g, ', '),
    validFrom: new Date(input.validFrom ?? cert.validFrom).toISOString(),
    validTo: new Date(input.validTo ?? cert.validTo).toISOString(),
    importedBy: by,
    importedAt: at.toISOString(),
  };
}

export class TrustListService {
  constructor(private readonly ctx: AppContext) {}

  /** The anchors in force, for the verifier (no authorisation: verification is public). */
  anchorsInForce(em: EntityManager = this.ctx.em()): Promise<StoredTrustAnchor[]> {
    return listTrustAnchors(em);
  }

  /** `GET /api/trust-anchors`: platform administrators and auditors; `removed` shows the removed ones too. */
  async list(
    principal: Principal,
    options: { removed?: boolean } = {},
  ): Promise<{ items: TrustAnchorView[] }> {
    requireRole(principal, 'platform_admin', 'auditor');
    return { items: await listTrustAnchors(this.ctx.em(), options) };
  }

  /** `POST /api/trust-anchors`: imports the anchors given, all or none, each audited. */
  async import(
    principal: Principal,
    body: unknown,
    meta: RequestMeta,
  ): Promise<{ items: TrustAnchorView[] }> {
    await this.mayChange(principal, 'trust_anchor.import', meta);
    const parsed = TrustListImport.safeParse(body ?? {});
    const now = new Date();
    const anchors = parsed.success
      ? parsed.data.anchors.map((a) => anchorToStore(a, principal.username, now))
      : [];
    const problems = parsed.success ? repeatProblems(anchors) : problemsOf(parsed.error);
    if (problems.length > 0) {
      await this.audit(principal, meta, 'trust_anchor.import', null, 'rejected', {
        problems: problems.map((p) => `${p.field}: ${p.rule}`),
      });
      throw badRequest(problems);
    }
    await this.store(principal, meta, anchors);
    return { items: anchors.map((a) => ({ ...a, removedBy: null, removedAt: null })) };
  }

  /** Stores the anchors and their audit rows in one transaction; a certificate already listed is a 409. */
  private async store(
    principal: Principal,
    meta: RequestMeta,
    anchors: Array<ReturnType<typeof anchorToStore>>,
  ) {
    const listed = () => conflict('该证书已在信任列表中');
    await this.ctx
      .em()
      .transactional(async (tx) => {
        const known = await activeFingerprints(
          tx,
          anchors.map((a) => a.fingerprintSha256),
        );
        const index = anchors.findIndex((a) => known.has(a.fingerprintSha256));
        if (index >= 0) throw conflict(`第 ${index + 1} 个信任锚的证书已在信任列表中`);
        for (const a of anchors) {
          await insertTrustAnchor(tx, a);
          await this.audit(principal, meta, 'trust_anchor.import', a.id, 'success', auditDetails(a), tx);
        }
      })
      .catch((err: unknown) => {
        // Two imports of one certificate at once: the unique index refuses the later one.
        throw err instanceof UniqueConstraintViolationException ? listed() : err;
      });
  }

  /** `DELETE /api/trust-anchors/:id`: the anchor is no longer trusted; its row stays, marked removed. */
  async remove(principal: Principal, id: string, meta: RequestMeta): Promise<TrustAnchorView> {
    await this.mayChange(principal, 'trust_anchor.remove', meta);
    const at = new Date();
    const removed = await this.ctx.em().transactional(async (tx) => {
      const anchor = await findTrustAnchor(tx, id);
      if (!anchor || anchor.removedAt) throw notFound('信任列表中的该信任锚');
      if (!(await markTrustAnchorRemoved(tx, id, principal.username, at)))
        throw notFound('信任列表中的该信任锚');
      await this.audit(principal, meta, 'trust_anchor.remove', id, 'success', auditDetails(anchor), tx);
      return anchor;
    });
    return { ...removed, removedBy: principal.username, removedAt: at.toISOString() };
  }

  /** Whether the principal may change the list: a platform administrator of the city's top management unit. */
  async mayEdit(principal: Principal): Promise<boolean> {
    return (await cityWideRefusal(this.ctx, principal, '信任列表')) === null;
  }

  private async mayChange(principal: Principal, action: string, meta: RequestMeta): Promise<void> {
    const refusal = await cityWideRefusal(this.ctx, principal, '信任列表');
    if (!refusal) return;
    await this.audit(principal, meta, action, null, 'denied', { reason: refusal });
    const error = forbidden(refusal);
    error.audited = true;
    throw error;
  }

  private audit(
    principal: Principal,
    meta: RequestMeta,
    action: string,
    targetId: string | null,
    outcome: 'success' | 'denied' | 'rejected',
    details: Record<string, unknown>,
    em: EntityManager = this.ctx.em(),
  ): Promise<void> {
    return recordAudit(em, {
      actor: actorOf(principal),
      action,
      targetType: 'trust_anchor',
      targetId,
      outcome,
      details,
      requestId: meta.requestId,
      ip: meta.ip,
    });
  }
}

function auditDetails(a: Omit<StoredTrustAnchor, 'removedBy' | 'removedAt'>): Record<string, unknown> {
  return {
    name: a.name,
    kind: a.kind,
    fingerprintSha256: a.fingerprintSha256,
    subject: a.subject,
    validFrom: a.validFrom,
    validTo: a.validTo,
  };
}

/**
 * What zod cannot see before the defaults are applied: two anchors of one import with the same certificate, and a
 * trust period that ends before it starts.
 */
function repeatProblems(anchors: Array<{ fingerprintSha256: string; validFrom: string; validTo: string }>) {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  anchors.forEach((a, i) => {
    if (seen.has(a.fingerprintSha256))
      problems.push({
        field: `anchors.${i}.certificatePem`,
        rule: 'unique',
        message: '同一证书在本次导入中出现了两次',
      });
    seen.add(a.fingerprintSha256);
    if (Date.parse(a.validFrom) > Date.parse(a.validTo))
      problems.push({
        field: `anchors.${i}.validTo`,
        rule: 'order',
        message: '信任结束时间不能早于起始时间',
      });
  });
  return problems;
}
