/**
 * Signing under a seal-use authorisation (SM-12): the one way the platform signs with a seal. The API calls it,
 * and so will the licence issuance workflow. It checks the authorisation, the seal and its certificate, then in
 * one transaction consumes one use with a single conditional UPDATE (so that of two signings racing for the last
 * use exactly one wins), stores the signature record and writes the audit event `seal.sign`. Refusals throw a
 * SealUseError whose code the API maps to 403/409/422 (domain/seal-use.ts SEAL_USE_HTTP_STATUS) and are audited.
 *
 * Issue 11 Build 5: it decrypts the seal's key, so only the signing task queue's activities run it
 * (activities/signing.ts); the API reaches it through Temporal (workflows/signing.ts).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditActor, AuditEntry, recordAudit } from '../db/audit';
import { OrganisationCertificate, Seal } from '../db/entities';
import { SealSignatureRecord, SealUseAuthorisation } from '../db/seal-use-entities';
import { checkCertificateValidity } from '../domain/seal';
import { revokedCertificateMessage } from '../domain/organisation-certificate';
import {
  authorisationProblem,
  matchDocument,
  remainingUses,
  SEAL_USE_HTTP_STATUS,
  SealUseError,
  SealUseProblem,
} from '../domain/seal-use';
import { custodianProblem } from '../domain/seal-custodian';
import { decryptPrivateKey } from '../pki/key-encryption';
import type { LicenceSignaturePurpose, SealSignature } from '../domain/seal-signature';
import { isLicenceDocumentTitle } from '../domain/licence';
import { signWithSeal } from '../pki/seal-signer';

export interface SignUnderAuthorisationInput {
  /**
   * The signature's id, chosen by the caller so that a retried attempt finds the signature its earlier attempt
   * stored instead of consuming another use (an activity is retried after a crash); random when not given.
   */
  signatureId?: string;
  authorisationId: string;
  sealId: string;
  signerUserId: string;
  /** SHA-256 of the document, hex (upper case is accepted and stored lower case). */
  documentHash: string;
  /** Needed to match an authorised document that was stated without a hash. */
  documentTitle?: string;
  now: Date;
  pkiMasterKey: string;
  /** Who signs, for the audit log. */
  actor: AuditActor;
  requestId?: string;
  ip?: string;
  /**
   * A licence signature's purpose: given by the licence issuance path only (usecases/licence-issuing.ts), never
   * by the API. Without it the titles reserved for licences are refused (LICENCE_TITLE_RESERVED), so that a
   * standing licence authorisation cannot sign an arbitrary hash (issue 11).
   */
  licencePurpose?: LicenceSignaturePurpose;
  /**
   * Issue 19 Build 3: when given, the successful signing's audit entry is added here instead of written, for the
   * caller to write with its own rows in one statement. The caller's transaction must enclose this call, so that
   * the signature and its audit row still commit or vanish together.
   */
  successAudits?: AuditEntry[];
}

export interface SignedUnderAuthorisation {
  signatureId: string;
  record: SealSignature;
  usedCount: number;
  maxUses: number;
  remainingUses: number;
}

export async function signUnderAuthorisation(
  em: EntityManager,
  input: SignUnderAuthorisationInput,
): Promise<SignedUnderAuthorisation> {
  const { authorisationId, sealId, signerUserId, now } = input;
  const documentHash = input.documentHash.toLowerCase();
  if (input.signatureId) {
    const done = await signedEarlier(em, input.signatureId);
    if (done) return done;
  }
  const refuse = async (problem: SealUseProblem): Promise<never> => {
    await recordAudit(em, {
      actor: input.actor,
      action: 'seal.sign',
      targetType: 'seal',
      targetId: sealId,
      outcome: SEAL_USE_HTTP_STATUS[problem.code] === 403 ? 'denied' : 'rejected',
      details: { code: problem.code, reason: problem.message, authorisationId, documentHash },
      requestId: input.requestId,
      ip: input.ip,
    });
    throw new SealUseError(problem);
  };

  const reserved = (title: string | undefined) =>
    !input.licencePurpose && title !== undefined && isLicenceDocumentTitle(title);
  const RESERVED: SealUseProblem = {
    code: 'LICENCE_TITLE_RESERVED',
    message: '“电子证照签发”开头的文件标题仅用于电子证照签发，由平台签发证照时签章，不能通过通用用印接口签章',
  };
  if (reserved(input.documentTitle)) return refuse(RESERVED);

  const seal = await em.findOne(Seal, { id: sealId }, { disableIdentityMap: true });
  if (!seal) throw new Error(`seal ${sealId} does not exist`);
  const load = () => em.findOne(SealUseAuthorisation, { id: authorisationId }, { disableIdentityMap: true });
  const authorisation = await load();
  if (!authorisation || authorisation.sealId !== sealId) {
    return refuse({
      code: 'AUTHORISATION_MISSING',
      // SM-12
      message: '没有该印章经批准的用印授权：用印前须提交用印申请并经审批通过',
    });
  }
  if (authorisation.granteeId !== signerUserId) {
    // SM-12
    return refuse({ code: 'NOT_GRANTEE', message: '该用印授权是批准给其他人的，您不能使用' });
  }
  const check = { now, documentHash, documentTitle: input.documentTitle, seal };
  const problem = authorisationProblem(authorisation, check) ?? custodianProblem(seal);
  if (problem) return refuse(problem);
  const document = matchDocument(authorisation.documents, documentHash, input.documentTitle)!;
  // A document stated with a hash is matched by its hash, whatever title the caller gave: its own title counts.
  if (reserved(document.title)) return refuse(RESERVED);
  if (input.licencePurpose && !isLicenceDocumentTitle(document.title))
    throw new Error(`a licence signature needs a licence title, not "${document.title}"`);

  // SM-7/SM-8: the bound certificate signs, so it must be valid now as well.
  const certificate = await em.findOneOrFail(
    OrganisationCertificate,
    { id: seal.certificateId },
    { disableIdentityMap: true },
  );
  if (certificate.revokedAt) {
    return refuse({
      code: 'SEAL_NOT_VALID',
      message: revokedCertificateMessage(certificate.revokedAt, certificate.revocationReason ?? null),
    });
  }
  const validity = checkCertificateValidity(
    certificate.notBefore,
    certificate.notAfter,
    !!certificate.revokedAt,
    now,
  );
  if (!validity.ok) return refuse({ code: 'SEAL_NOT_VALID', message: `${validity.reason}，不能用印` });

  const record = signWithSeal({
    seal,
    certificatePem: certificate.certificatePem,
    privateKeyPem: decryptPrivateKey(certificate.privateKeyEncrypted, input.pkiMasterKey),
    signingTime: now,
    documentHash,
    documentTitle: document.title,
    authorisationId,
    purpose: input.licencePurpose,
  });
  const signatureId = input.signatureId ?? randomUUID();

  const consumed = await em.transactional(async (tx) => {
    // The conditions repeat the checks above atomically: a concurrent signing, a revocation or a seal
    // cancellation between the check and here makes this update match nothing.
    const rows: Array<{ used_count: number; max_uses: number }> = await tx.execute(
      `update seal_use_authorisation set used_count = used_count + 1
        where id = ? and seal_id = ? and grantee_id = ? and status = 'active'
          and used_count < max_uses and valid_from <= ? and valid_to > ?
          and exists (select 1 from seal where seal.id = ? and seal.status = 'active')
        returning used_count, max_uses`,
      [authorisationId, sealId, signerUserId, now, now, sealId],
    );
    const row = rows[0];
    if (!row) return null;
    await tx.insert(SealSignatureRecord, {
      id: signatureId,
      authorisationId,
      sealId,
      signerUserId,
      documentHash,
      documentTitle: document.title,
      signingTime: now,
      record,
      createdAt: new Date(),
    });
    const audit: AuditEntry = {
      actor: input.actor,
      action: 'seal.sign',
      targetType: 'seal',
      targetId: sealId,
      outcome: 'success',
      details: {
        signatureId,
        authorisationId,
        documentHash,
        documentTitle: document.title,
        usedCount: row.used_count,
        maxUses: row.max_uses,
      },
      requestId: input.requestId,
      ip: input.ip,
    };
    if (input.successAudits) input.successAudits.push(audit);
    else await recordAudit(tx, audit);
    return { usedCount: row.used_count, maxUses: row.max_uses };
  });

  if (!consumed) {
    // Lost a race (or the state changed): say why from the current state; a last use taken by someone else is
    // the usual case.
    const current = await load();
    const sealNow = await em.findOne(Seal, { id: sealId }, { disableIdentityMap: true });
    return refuse(
      authorisationProblem(current, { ...check, seal: sealNow ?? seal }) ?? {
        code: 'AUTHORISATION_USED_UP',
        message: `用印授权的 ${authorisation.maxUses} 次用印已全部用完，请重新申请用印`,
      },
    );
  }
  return {
    signatureId,
    record,
    usedCount: consumed.usedCount,
    maxUses: consumed.maxUses,
    remainingUses: remainingUses(consumed),
  };
}

/** The signature an earlier attempt stored under this id, as the signing answered it then (uses as they are now). */
async function signedEarlier(
  em: EntityManager,
  signatureId: string,
): Promise<SignedUnderAuthorisation | null> {
  const stored = await em.findOne(SealSignatureRecord, { id: signatureId }, { disableIdentityMap: true });
  if (!stored) return null;
  const authorisation = await em.findOneOrFail(
    SealUseAuthorisation,
    { id: stored.authorisationId },
    { disableIdentityMap: true },
  );
  return {
    signatureId,
    record: stored.record,
    usedCount: authorisation.usedCount,
    maxUses: authorisation.maxUses,
    remainingUses: remainingUses(authorisation),
  };
}
