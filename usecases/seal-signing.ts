/**
 * Signing under a seal-use authorisation (SM-12): the one way the platform signs with a seal. It checks the
 * authorisation, the seal and its certificate and signs; then, in one transaction, it stores the signature record,
 * runs the caller's own writes (a licence, an event, an outbox row), and takes one use of the authorisation LAST with
 * a single conditional UPDATE (so that of two signings racing for the last use exactly one wins, and the
 * authorisation's row is locked only from that UPDATE to the commit: every signing of the unit's type waits for it),
 * then writes the signing's audit row (`seal.sign`) with the caller's in one statement. Refusals throw a
 * SealUseError whose code the API maps to 403/409/422 (domain/seal-use.ts SEAL_USE_HTTP_STATUS) and are audited —
 * after the transaction rolls back, so that the refusal's audit row is not rolled back with it (signingTransaction).
 *
 * Issue 11 Build 5: it decrypts the seal's key, so only the signing task queue's activities run it
 * (activities/signing.ts); the API reaches it through Temporal (workflows/signing.ts).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditActor, AuditEntry, recordAudit, recordAudits } from '../db/audit';
import { Seal } from '../db/entities';
import { SealSignatureRecord, SealUseAuthorisation } from '../db/seal-use-entities';
import { checkCertificateValidity } from '../domain/seal';
import { revokedCertificateMessage } from '../domain/organisation-certificate';
import {
  authorisationProblem,
  matchDocument,
  AuthorisationFacts,
  remainingUses,
  SealFacts,
  SEAL_USE_HTTP_STATUS,
  SealUseError,
  SealUseProblem,
} from '../domain/seal-use';
import { custodianProblem } from '../domain/seal-custodian';
import { decryptPrivateKey } from '../pki/key-encryption';
import type { LicenceSignaturePurpose, SealSignature } from '../domain/seal-signature';
import { isLicenceDocumentTitle } from '../domain/licence';
import { type SealForSigning, signWithSeal } from '../pki/seal-signer';

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
   * The licence whose row `writes` stores this signature's record in (`licence.signature`): the signature row names
   * it instead of storing the 8.7 KB record a second time, as a converted licence's does (issue 19,
   * Migration20261205500001_conversion_record_once; readers take `record`, which looks in both places).
   */
  recordInLicence?: string;
  /**
   * A licence signature's purpose: given by the licence issuance path only (usecases/licence-issuing.ts), never
   * by the API. Without it the titles reserved for licences are refused (LICENCE_TITLE_RESERVED), so that a
   * standing licence authorisation cannot sign an arbitrary hash (issue 11).
   */
  licencePurpose?: LicenceSignaturePurpose;
}

export interface SignedUnderAuthorisation {
  signatureId: string;
  record: SealSignature;
  usedCount: number;
  maxUses: number;
  remainingUses: number;
}

/** What a signing's caller writes with the signature, before its use is taken, and its own audit rows. */
export type SignedWrites<T> = (
  tx: EntityManager,
  signed: PreparedSignature,
) => Promise<{ value: T; audits?: AuditEntry[] }>;

/**
 * Signs under the authorisation (see the file's comment for the order). Given a transaction, it runs in it: that
 * transaction must have been opened by signingTransaction, which writes the audit rows of refusals after it rolls
 * back; otherwise it opens one itself. `writes` runs in the transaction after the signature record is stored and
 * before the use is taken; its value is returned as `written` (absent when the signature was stored by an earlier
 * attempt: its writes were committed with it).
 */
export async function signUnderAuthorisation<T = undefined>(
  em: EntityManager,
  input: SignUnderAuthorisationInput,
  writes?: SignedWrites<T>,
): Promise<SignedUnderAuthorisation & { written?: T }> {
  if (input.signatureId) {
    const done = await signedEarlier(em, input.signatureId);
    if (done) return done;
  }
  if (em.isInTransaction()) {
    if (!signingTransactions.has(em))
      throw new Error('signUnderAuthorisation runs in a transaction opened by signingTransaction only');
    return signIn(em, await prepareSignature(em, input), writes);
  }
  // The checks and the signature itself outside the transaction: it holds a connection only for the writes.
  const prepared = await prepareSignature(em, input);
  return signingTransaction(em, (tx) => signIn(tx, prepared, writes));
}

async function signIn<T>(
  tx: EntityManager,
  prepared: PreparedSignature,
  writes: SignedWrites<T> | undefined,
): Promise<SignedUnderAuthorisation & { written?: T }> {
  await storeSignatureRecord(tx, prepared);
  const written = writes ? await writes(tx, prepared) : undefined;
  // SM-12: the use is taken last (issue 19 Build 3); its row stays locked from here to the commit.
  const used = await takeUse(tx, prepared);
  if (!used) return refuseLostUse(tx, prepared);
  await recordAudits(tx, [signingAudit(prepared, used), ...(written?.audits ?? [])]);
  return {
    signatureId: prepared.signatureId,
    record: prepared.record,
    usedCount: used.usedCount,
    maxUses: used.maxUses,
    remainingUses: remainingUses(used),
    ...(written ? { written: written.value } : {}),
  };
}

/** The transactions opened by signingTransaction (a signing nested in any other one would lose its refusals' audit). */
const signingTransactions = new WeakSet<EntityManager>();
/** A refusal's audit row, to be written once the transaction that refused has rolled back. */
const refusalAudits = new WeakMap<SealUseError, AuditEntry>();

/**
 * A transaction for signing under an authorisation (and the caller's writes around it). A refusal thrown in it rolls
 * everything back, then its audit row is written on its own, outside the rolled-back transaction.
 */
export async function signingTransaction<T>(
  em: EntityManager,
  fn: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  try {
    return await em.transactional((tx) => {
      signingTransactions.add(tx);
      return fn(tx);
    });
  } catch (err) {
    const audit = err instanceof SealUseError ? refusalAudits.get(err) : undefined;
    if (audit) {
      refusalAudits.delete(err as SealUseError);
      await recordAudit(em, audit);
    }
    throw err;
  }
}

/** A signature made after every check passed, not yet stored and its use not yet taken (see takeUse). */
export interface PreparedSignature {
  input: SignUnderAuthorisationInput;
  signatureId: string;
  documentHash: string;
  /** The authorised document's own title (a document stated with a hash is matched by its hash). */
  documentTitle: string;
  record: SealSignature;
  /** What the checks saw, to say why when the use is lost to a concurrent signing (refuseLostUse). */
  seal: SealFacts;
  maxUses: number;
}

/**
 * Records a refusal in the audit log and throws it as a SealUseError: at once outside a transaction, after its
 * rollback inside one (signingTransaction).
 */
async function refuse(
  em: EntityManager,
  input: SignUnderAuthorisationInput,
  problem: SealUseProblem,
): Promise<never> {
  const audit: AuditEntry = {
    actor: input.actor,
    action: 'seal.sign',
    targetType: 'seal',
    targetId: input.sealId,
    outcome: SEAL_USE_HTTP_STATUS[problem.code] === 403 ? 'denied' : 'rejected',
    details: {
      code: problem.code,
      reason: problem.message,
      authorisationId: input.authorisationId,
      documentHash: input.documentHash.toLowerCase(),
    },
    requestId: input.requestId,
    ip: input.ip,
  };
  const error = new SealUseError(problem);
  if (em.isInTransaction()) refusalAudits.set(error, audit);
  else await recordAudit(em, audit);
  throw error;
}

const RESERVED: SealUseProblem = {
  code: 'LICENCE_TITLE_RESERVED',
  message: '“电子证照签发”开头的文件标题仅用于电子证照签发，由平台签发证照时签章，不能通过通用用印接口签章',
};

interface SigningFactsRow {
  es_id: string;
  name: string;
  kind: SealForSigning['kind'];
  seal_info: SealForSigning['sealInfo'];
  maker_signature: SealForSigning['makerSignature'];
  status: SealFacts['status'];
  valid_from: Date;
  valid_to: Date;
  status_since: Date;
  status_reason: string | null;
  custodian_id: string | null;
  not_before: Date;
  not_after: Date;
  certificate_pem: string;
  private_key_encrypted: string;
  revoked_at: Date | null;
  revocation_reason: string | null;
  a_id: string | null;
  a_seal_id: string;
  grantee_id: string;
  documents: AuthorisationFacts['documents'];
  max_uses: number;
  used_count: number;
  a_valid_from: Date;
  a_valid_to: Date;
  a_status: AuthorisationFacts['status'];
}

/** What a signing checks and signs with: the seal (not its imprint), its certificate and the authorisation. */
async function signingFacts(em: EntityManager, sealId: string, authorisationId: string) {
  const rows: SigningFactsRow[] = await em.execute(
    `select s.es_id, s.name, s.kind, s.seal_info, s.maker_signature, s.status, s.valid_from, s.valid_to,
            s.status_since, s.status_reason, s.custodian_id,
            c.not_before, c.not_after, c.certificate_pem, c.private_key_encrypted, c.revoked_at, c.revocation_reason,
            a.id as a_id, a.seal_id as a_seal_id, a.grantee_id, a.documents, a.max_uses, a.used_count,
            a.valid_from as a_valid_from, a.valid_to as a_valid_to, a.status as a_status
       from seal s
       join organisation_certificate c on c.id = s.certificate_id
       left join seal_use_authorisation a on a.id = ?
      where s.id = ?`,
    [authorisationId, sealId],
  );
  const r = rows[0];
  if (!r) throw new Error(`seal ${sealId} does not exist`);
  const seal: SealForSigning & SealFacts & { custodianId: string | null } = {
    id: sealId,
    esId: r.es_id,
    name: r.name,
    kind: r.kind,
    sealInfo: r.seal_info,
    makerSignature: r.maker_signature,
    status: r.status,
    validFrom: new Date(r.valid_from),
    validTo: new Date(r.valid_to),
    statusSince: new Date(r.status_since),
    statusReason: r.status_reason,
    custodianId: r.custodian_id,
  };
  const certificate = {
    notBefore: new Date(r.not_before),
    notAfter: new Date(r.not_after),
    certificatePem: r.certificate_pem,
    privateKeyEncrypted: r.private_key_encrypted,
    revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
    revocationReason: r.revocation_reason,
  };
  const authorisation: (AuthorisationFacts & { sealId: string; granteeId: string }) | null = r.a_id
    ? {
        sealId: r.a_seal_id,
        granteeId: r.grantee_id,
        documents: r.documents,
        maxUses: r.max_uses,
        usedCount: r.used_count,
        validFrom: new Date(r.a_valid_from),
        validTo: new Date(r.a_valid_to),
        status: r.a_status,
      }
    : null;
  return { seal, certificate, authorisation };
}

/**
 * Checks the authorisation, the seal and its certificate and signs; writes nothing but a refusal's audit row.
 * The checks are repeated atomically when the use is taken (takeUse), so a change in between loses the use.
 */
async function prepareSignature(
  em: EntityManager,
  input: SignUnderAuthorisationInput,
): Promise<PreparedSignature> {
  const { authorisationId, sealId, signerUserId, now } = input;
  const documentHash = input.documentHash.toLowerCase();
  const reserved = (title: string | undefined) =>
    !input.licencePurpose && title !== undefined && isLicenceDocumentTitle(title);
  if (reserved(input.documentTitle)) return refuse(em, input, RESERVED);

  // The seal, its certificate and the authorisation in one statement, no entities (issue 19 Build 3).
  const { seal, certificate, authorisation } = await signingFacts(em, sealId, authorisationId);
  if (!authorisation || authorisation.sealId !== sealId) {
    return refuse(em, input, {
      code: 'AUTHORISATION_MISSING',
      // SM-12
      message: '没有该印章经批准的用印授权：用印前须提交用印申请并经审批通过',
    });
  }
  if (authorisation.granteeId !== signerUserId) {
    // SM-12
    return refuse(em, input, { code: 'NOT_GRANTEE', message: '该用印授权是批准给其他人的，您不能使用' });
  }
  const check = { now, documentHash, documentTitle: input.documentTitle, seal };
  const problem = authorisationProblem(authorisation, check) ?? custodianProblem(seal);
  if (problem) return refuse(em, input, problem);
  const document = matchDocument(authorisation.documents, documentHash, input.documentTitle)!;
  // A document stated with a hash is matched by its hash, whatever title the caller gave: its own title counts.
  if (reserved(document.title)) return refuse(em, input, RESERVED);
  if (input.licencePurpose && !isLicenceDocumentTitle(document.title))
    throw new Error(`a licence signature needs a licence title, not "${document.title}"`);

  // SM-7/SM-8: the bound certificate signs, so it must be valid now as well.
  if (certificate.revokedAt) {
    return refuse(em, input, {
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
  if (!validity.ok)
    return refuse(em, input, { code: 'SEAL_NOT_VALID', message: `${validity.reason}，不能用印` });

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
  return {
    input,
    signatureId: input.signatureId ?? randomUUID(),
    documentHash,
    documentTitle: document.title,
    record,
    seal,
    maxUses: authorisation.maxUses,
  };
}

/**
 * Takes one use of the authorisation with a single conditional UPDATE, so that of two signings racing for the last
 * use exactly one wins; null when it matches nothing (see refuseLostUse). The updated row stays locked until the
 * transaction ends: every signing under the same authorisation waits for it, hence taken last (signIn).
 */
async function takeUse(
  tx: EntityManager,
  p: PreparedSignature,
): Promise<{ usedCount: number; maxUses: number } | null> {
  const { authorisationId, sealId, signerUserId, now } = p.input;
  // The conditions repeat the checks of prepareSignature atomically: a concurrent signing, a revocation or a seal
  // cancellation in between makes this update match nothing.
  const rows: Array<{ used_count: number; max_uses: number }> = await tx.execute(
    `update seal_use_authorisation set used_count = used_count + 1
      where id = ? and seal_id = ? and grantee_id = ? and status = 'active'
        and used_count < max_uses and valid_from <= ? and valid_to > ?
        and exists (select 1 from seal where seal.id = ? and seal.status = 'active')
      returning used_count, max_uses`,
    [authorisationId, sealId, signerUserId, now, now, sealId],
  );
  const row = rows[0];
  return row ? { usedCount: row.used_count, maxUses: row.max_uses } : null;
}

/** Stores the signature record (or names the licence row that holds it); in the transaction that takes its use. */
async function storeSignatureRecord(tx: EntityManager, p: PreparedSignature): Promise<void> {
  await tx.insert(SealSignatureRecord, {
    id: p.signatureId,
    authorisationId: p.input.authorisationId,
    sealId: p.input.sealId,
    signerUserId: p.input.signerUserId,
    documentHash: p.documentHash,
    documentTitle: p.documentTitle,
    signingTime: p.input.now,
    storedRecord: p.input.recordInLicence ? null : p.record,
    licenceId: p.input.recordInLicence ?? null,
    createdAt: new Date(),
  });
}

/** The successful signing's audit entry (`seal.sign`), with the uses as taken. */
function signingAudit(p: PreparedSignature, used: { usedCount: number; maxUses: number }): AuditEntry {
  return {
    actor: p.input.actor,
    action: 'seal.sign',
    targetType: 'seal',
    targetId: p.input.sealId,
    outcome: 'success',
    details: {
      signatureId: p.signatureId,
      authorisationId: p.input.authorisationId,
      documentHash: p.documentHash,
      documentTitle: p.documentTitle,
      usedCount: used.usedCount,
      maxUses: used.maxUses,
    },
    requestId: p.input.requestId,
    ip: p.input.ip,
  };
}

/**
 * The use was lost (a race, or the state changed since the checks): says why from the current state, a last use
 * taken by someone else being the usual case; audited, thrown as a SealUseError.
 */
async function refuseLostUse(em: EntityManager, p: PreparedSignature): Promise<never> {
  const { input } = p;
  const current = await em.findOne(
    SealUseAuthorisation,
    { id: input.authorisationId },
    { disableIdentityMap: true },
  );
  const sealNow = await em.findOne(Seal, { id: input.sealId }, { disableIdentityMap: true });
  const check = { now: input.now, documentHash: p.documentHash, documentTitle: input.documentTitle };
  return refuse(
    em,
    input,
    authorisationProblem(current, { ...check, seal: sealNow ?? p.seal }) ?? {
      code: 'AUTHORISATION_USED_UP',
      message: `用印授权的 ${p.maxUses} 次用印已全部用完，请重新申请用印`,
    },
  );
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
