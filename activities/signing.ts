/**
 * Issue 11 Build 5: the activities of the signing task queue (workflows/signing-queue.ts) — every seal signature and
 * every CA operation: signing and storing a licence at issuance (LM-7), making a seal with the CA's maker signature
 * (SM-7, SM-8), and signing under a seal-use authorisation for the API (SM-12). Only the signing worker registers
 * them, and only it is given the key-encryption secret; the API and the platform worker hold no key.
 *
 * A PKCS#11 HSM takes this worker's place by implementing these same activities with the keys' handles (README).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditActor } from '../db/audit';
import type { Orm } from '../db/orm';
import type { SealSignature } from '../domain/seal-signature';
import { SealUseError } from '../domain/seal-use';
import { signAndStoreLicence, SignAndStoreResult } from '../usecases/licence-issuing';
import { signUnderAuthorisation } from '../usecases/seal-signing';
import { RecordEventResult, signAndRecordEvent } from '../usecases/licence-event-recording';
import { SEAL_USE_REFUSED } from '../workflows/signing-queue';
import { CONVERSION_REFUSED } from '../domain/licence-conversion';
import { ConversionBatchResult, ConversionRefused, convertBatch } from '../usecases/licence-conversion-batch';
import { withHeartbeats } from './heartbeat';
import { makeSealForApplication } from './signing-seal-maker';
import { PdfSignatureRequest, PdfSignatureResult, signPdfDigest } from './signing-pdf';
import { currentCrl, ocspAnswer, StampValidationData, stampValidationData } from './signing-revocation';
import { renewSealForRequest } from './signing-seal-renewal';
import { carryOutCertificateRequest } from './signing-certificates';
import type { SignedTreeHead } from '../pki/transparency-log';
import { signLogTreeHead } from '../usecases/transparency-log-signing';
import type { ConversionSigningPool } from '../usecases/conversion-signing-pool';

/** A signing the API asks for (`POST /api/seals/:id/sign`), under an authorisation (SM-12). */
export interface SealSignatureRequest {
  /** Chosen by the API; the workflow id and the idempotency key of the activity. */
  signatureId: string;
  authorisationId: string;
  sealId: string;
  signerUserId: string;
  documentHash: string;
  documentTitle?: string;
  actor: AuditActor;
  requestId?: string;
  ip?: string;
}

export interface SealSignatureResult {
  signatureId: string;
  record: SealSignature;
  usedCount: number;
  maxUses: number;
  remainingUses: number;
}

export interface SigningActivities {
  signAndStore(req: { issuanceId: string }): Promise<SignAndStoreResult>;
  makeSeal(req: { applicationId: string }): Promise<{ sealId: string }>;
  /** Issue 12 Build 5 (SM-8): a new certificate and seal version for an approved renewal. */
  renewSeal(req: { requestId: string }): Promise<{ refused: string | null }>;
  /** Issue 12 Build 5 (SM-5(1), SM-6): an approved certificate application, renewal or revocation. */
  carryOutCertificateRequest(req: {
    requestId: string;
  }): Promise<{ refused: string | null; certificateId: string | null }>;
  signUnderAuthorisation(req: SealSignatureRequest): Promise<SealSignatureResult>;
  /** Issue 18 Build 1: a stamp's PAdES signature over a PDF's ByteRange digest (activities/signing-pdf.ts). */
  signPdfDigest(req: PdfSignatureRequest): Promise<PdfSignatureResult>;
  /** Issue 18 Build 2: the CA's CRL and OCSP answers, DER in base64 (activities/signing-revocation.ts). */
  currentCrl(): Promise<string>;
  ocspAnswer(req: { requestDer: string }): Promise<string>;
  /** Issue 18 Build 2, PAdES B-LT: what a stamp embeds in the PDF's DSS (activities/signing-revocation.ts). */
  stampValidationData(req: { certificateId: string }): Promise<StampValidationData>;
  /** Issue 12 Build 1: signs and records a licence lifecycle event (usecases/licence-event-recording.ts). */
  recordLicenceEvent(req: { eventId: string }): Promise<RecordEventResult>;
  /** Issue 20 Build 1: signs a tree head over the transparency log as it is (usecases/transparency-log.ts). */
  signTreeHead(): Promise<SignedTreeHead>;
  /** Issue 19 (LM-10): one batch of a legacy conversion (usecases/licence-conversion-batch.ts). */
  convertLicenceBatch(req: { jobId: string }): Promise<ConversionBatchResult>;
}

export interface SigningDeps {
  orm: Orm;
  /** The key-encryption secret (infra/config.ts SigningConfig). */
  pkiMasterKey: string;
  /** PUBLIC_URL: certificates the CA issues name the platform's CRL and OCSP addresses under it (issue 18). */
  publicUrl: string;
  /** Issue 19: the threads that sign conversion batches on every core; absent, a batch signs in this thread. */
  conversionPool?: ConversionSigningPool;
}

export function createSigningActivities(deps: SigningDeps): SigningActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  // The long ones heartbeat while they run (workflows/activity-options.ts).
  return withHeartbeats({
    signAndStore({ issuanceId }) {
      return signAndStoreLicence(fork(), { issuanceId, now: new Date(), pkiMasterKey: deps.pkiMasterKey });
    },

    recordLicenceEvent({ eventId }) {
      return signAndRecordEvent(fork(), { eventId, now: new Date(), pkiMasterKey: deps.pkiMasterKey });
    },

    async convertLicenceBatch({ jobId }) {
      try {
        return await convertBatch(fork(), {
          jobId,
          now: new Date(),
          pkiMasterKey: deps.pkiMasterKey,
          pool: deps.conversionPool,
        });
      } catch (err) {
        if (err instanceof ConversionRefused)
          throw ApplicationFailure.nonRetryable(err.message, CONVERSION_REFUSED);
        throw err;
      }
    },

    makeSeal({ applicationId }) {
      return makeSealForApplication(fork(), applicationId, deps.pkiMasterKey);
    },

    renewSeal({ requestId }) {
      return renewSealForRequest(fork(), requestId, deps.pkiMasterKey, deps.publicUrl);
    },

    carryOutCertificateRequest({ requestId }) {
      return carryOutCertificateRequest(fork(), requestId, deps.pkiMasterKey, deps.publicUrl);
    },

    async signUnderAuthorisation(req) {
      return refusalsFinal(async () => {
        const signed = await signUnderAuthorisation(fork(), {
          ...req,
          now: new Date(),
          pkiMasterKey: deps.pkiMasterKey,
        });
        const { signatureId, record, usedCount, maxUses, remainingUses } = signed;
        return { signatureId, record, usedCount, maxUses, remainingUses };
      });
    },

    signPdfDigest(req) {
      return refusalsFinal(() => signPdfDigest(fork(), req, deps.pkiMasterKey));
    },

    currentCrl() {
      return currentCrl(fork(), deps.pkiMasterKey);
    },

    ocspAnswer({ requestDer }) {
      return ocspAnswer(fork(), requestDer, deps.pkiMasterKey);
    },
    stampValidationData({ certificateId }) {
      return stampValidationData(fork(), certificateId, deps.pkiMasterKey);
    },

    signTreeHead() {
      return signLogTreeHead(fork(), deps.pkiMasterKey, new Date());
    },
  });
}

/** A refusal (already audited) is an answer, not a fault: no retry; the API maps the code to its status. */
async function refusalsFinal<T>(sign: () => Promise<T>): Promise<T> {
  try {
    return await sign();
  } catch (err) {
    if (err instanceof SealUseError)
      throw ApplicationFailure.nonRetryable(err.message, SEAL_USE_REFUSED, err.code);
    throw err;
  }
}
