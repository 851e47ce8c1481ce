/**
 * Issue 18 Build 1, batch mode (SM-9, SM-12): up to STAMP_BATCH_MAX_DOCUMENTS PDFs stamped under one seal-use
 * authorisation with one placement rule (the same page and position on each), one use each. The whole batch is
 * checked before anything is signed — every PDF readable and placeable, every one an authorised document, the
 * grantee the caller, and uses enough left for all — so a batch the authorisation does not cover is refused whole,
 * audited, with no use consumed. Each document is then stamped as a single stamp is (the signing worker consumes
 * its use, it is archived), in order.
 */
import { createHash } from 'node:crypto';
import { recordAudit } from '../../db/audit';
import { SealUseAuthorisation } from '../../db/seal-use-entities';
import type { StampRequestBody } from '../../domain/document-stamp';
import { Seal } from '../../db/entities';
import { batchProblem, SealUseError, SealUseProblem } from '../../domain/seal-use';
import type { AppContext } from '../context';
import { actorOf, Principal, RequestMeta } from '../principal';
import { DocumentStampingService, StampedPdf, titleOf, UploadedPdf } from './document-stamping';
import { signingRefusalError } from './seal-signing-client';
import { validationDataFor } from './validation-data';

export interface StampedBatch {
  authorisationId: string;
  remainingUses: number;
  documents: Array<Omit<StampedPdf, 'pdf' | 'remainingUses'> & { fileName: string; stampedSha256: string }>;
}

export class DocumentBatchStampingService {
  constructor(
    private readonly ctx: AppContext,
    private readonly stamping: DocumentStampingService,
  ) {}

  async stampBatch(
    principal: Principal,
    sealId: string,
    body: StampRequestBody,
    uploads: UploadedPdf[],
    meta: RequestMeta,
  ): Promise<StampedBatch> {
    const seal = await this.stamping.sealToStamp(principal, sealId, meta);
    await this.refuseUncovered(principal, seal, body.authorisationId, uploads, meta);
    const validation = await validationDataFor(this.ctx, seal.certificateId);
    const prepared: Buffer[] = [];
    for (const [i, upload] of uploads.entries()) {
      prepared.push(await this.stamping.prepare(seal, body, upload.bytes, validation, `documents[${i}]`));
    }
    const documents: StampedBatch['documents'] = [];
    let remaining = 0;
    for (const [i, upload] of uploads.entries()) {
      const stamped = await this.stamping.signAndArchive(
        principal,
        seal,
        body.authorisationId,
        { upload, prepared: prepared[i]! },
        meta,
      );
      const { pdf, remainingUses: left, ...record } = stamped;
      remaining = left;
      documents.push({
        ...record,
        fileName: upload.fileName,
        stampedSha256: createHash('sha256').update(pdf).digest('hex'),
      });
    }
    return { authorisationId: body.authorisationId, remainingUses: remaining, documents };
  }

  /** SM-12: the batch as a whole under the authorisation, before any signing; a refusal is audited (`seal.sign`). */
  private async refuseUncovered(
    principal: Principal,
    seal: Seal,
    authorisationId: string,
    uploads: UploadedPdf[],
    meta: RequestMeta,
  ): Promise<void> {
    const found = await this.ctx
      .em()
      .findOne(SealUseAuthorisation, { id: authorisationId }, { disableIdentityMap: true });
    const authorisation = found?.sealId === seal.id ? found : null;
    const documents = uploads.map((u) => ({
      documentHash: createHash('sha256').update(u.bytes).digest('hex'),
      documentTitle: titleOf(u.fileName),
    }));
    const problem: (SealUseProblem & { index?: number }) | undefined =
      authorisation && authorisation.granteeId !== principal.userId
        ? { code: 'NOT_GRANTEE', message: '该用印授权是批准给其他人的，您不能使用（SM-12）' }
        : batchProblem(authorisation, documents, { now: new Date(), seal });
    if (!problem) return;
    const which = problem.index !== undefined && uploads.length > 1 ? uploads[problem.index] : undefined;
    const message = which
      ? `第 ${problem.index! + 1} 份文件（${which.fileName}）：${problem.message}`
      : problem.message;
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action: 'seal.sign',
      targetType: 'seal',
      targetId: seal.id,
      outcome:
        problem.code === 'NOT_GRANTEE' || problem.code === 'AUTHORISATION_MISSING' ? 'denied' : 'rejected',
      details: { code: problem.code, reason: message, authorisationId, batch: documents.length },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    throw signingRefusalError(new SealUseError({ code: problem.code, message }));
  }
}
