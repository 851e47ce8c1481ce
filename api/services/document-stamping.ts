/**
 * Issue 18 Build 1: stamping a PDF under an approved seal-use authorisation (SM-9, SM-12). The API process holds no
 * key: it prepares the PDF (the imprint as a new signature field at the placed position, as an incremental update),
 * hashes its ByteRange and has the signing worker make the PAdES signature over that digest
 * (workflows/pdf-signing.ts → activities/signing-pdf.ts), which also checks the authorisation, consumes one use and
 * audits it. The authorisation is matched by the PDF's own SHA-256, computed here, never typed by a person.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { PdfSignatureRequest, PdfSignatureResult } from '../../activities/signing-pdf';
import { recordAudit } from '../../db/audit';
import { Seal } from '../../db/entities';
import { sealInformation, StampRequestBody } from '../../domain/document-stamp';
import { SealUseError } from '../../domain/seal-use';
import { preparePdfStamp, PdfStampError, signatureBytesFor, signPreparedPdf } from '../../pki/pades';
import type { ValidationData } from '../../pki/pades-dss';
import { imprintPng } from '../../pki/pades-imprint';
import { pdfSignatureWorkflow } from '../../workflows/pdf-signing';
import type { AppContext } from '../context';
import { canSeeOrganisationRecords } from '../access';
import { badRequest, forbidden, notFound } from '../errors';
import { refuseOtherUnit, runOnSigningQueue, signingRefusalError } from './seal-signing-client';
import { validationDataFor } from './validation-data';
import { actorOf, Principal, RequestMeta } from '../principal';

export interface UploadedPdf {
  bytes: Buffer;
  /** The uploaded file's name: the document's title when the authorisation names it without a hash. */
  fileName: string;
}

export interface StampedPdf {
  pdf: Buffer;
  /** The archive entry (SM-13, Build 4). */
  documentId: string;
  signatureId: string;
  documentHash: string;
  remainingUses: number;
}

export function pdfSignatureWorkflowId(signatureId: string): string {
  return `pdf-signature-${signatureId}`;
}

export class DocumentStampingService {
  constructor(private readonly ctx: AppContext) {}

  async stamp(
    principal: Principal,
    sealId: string,
    body: StampRequestBody,
    upload: UploadedPdf,
    meta: RequestMeta,
  ): Promise<StampedPdf> {
    const seal = await this.sealToStamp(principal, sealId, meta);
    // Build 2, PAdES B-LT: the certificates and their status, current at the signature, embedded with it.
    const validation = await validationDataFor(this.ctx, seal.certificateId);
    const prepared = await this.prepare(seal, body, upload.bytes, validation);
    return this.signAndArchive(principal, seal, body.authorisationId, { upload, prepared }, meta);
  }

  /** The seal, if it is the caller's unit's (another unit's: 403, audited). */
  async sealToStamp(principal: Principal, sealId: string, meta: RequestMeta): Promise<Seal> {
    const seal = await this.ctx.em().findOne(Seal, { id: sealId }, { disableIdentityMap: true });
    if (!seal) throw notFound('印章');
    if (seal.organisationId !== principal.organisationId)
      await refuseOtherUnit(this.ctx.em(), principal, sealId, meta);
    return seal;
  }

  /** Signs a prepared PDF on the signing queue (one use of the authorisation) and archives it. */
  async signAndArchive(
    principal: Principal,
    seal: Seal,
    authorisationId: string,
    { upload, prepared }: { upload: UploadedPdf; prepared: Buffer },
    meta: RequestMeta,
  ): Promise<StampedPdf> {
    const sealId = seal.id;
    const body = { authorisationId };
    const documentHash = createHash('sha256').update(upload.bytes).digest('hex');
    let signed: PdfSignatureResult | undefined;
    const pdf = await signPreparedPdf(prepared, async (digest) => {
      signed = await this.signOnSigningQueue({
        authorisationId: body.authorisationId,
        sealId,
        signerUserId: principal.userId,
        documentHash,
        documentTitle: titleOf(upload.fileName),
        byteRangeDigest: digest.toString('hex'),
        actor: actorOf(principal),
        requestId: meta.requestId,
        ip: meta.ip,
      });
      return Buffer.from(signed.cms, 'base64');
    });
    const documentId = await this.archive(
      principal,
      seal,
      upload,
      pdf,
      signed!.signatureId,
      body.authorisationId,
    );
    return {
      pdf,
      documentId,
      signatureId: signed!.signatureId,
      documentHash,
      remainingUses: signed!.remainingUses,
    };
  }

  /** Build 4 (SM-13): the stamped PDF, kept with the signature and authorisation that allowed it, and audited. */
  private async archive(
    principal: Principal,
    seal: Seal,
    upload: UploadedPdf,
    pdf: Buffer,
    signatureId: string,
    authorisationId: string,
  ): Promise<string> {
    const id = randomUUID();
    const em = this.ctx.em();
    const stampedSha256 = createHash('sha256').update(pdf).digest('hex');
    await em.transactional(async (tx) => {
      await tx.execute(
        `insert into stamped_document (id, signature_id, authorisation_id, seal_id, organisation_id, stamped_by,
           file_name, original_sha256, stamped_sha256, content) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          signatureId,
          authorisationId,
          seal.id,
          seal.organisationId,
          principal.userId,
          upload.fileName.slice(0, 200),
          createHash('sha256').update(upload.bytes).digest('hex'),
          stampedSha256,
          pdf,
        ],
      );
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'document.stamp',
        targetType: 'stamped_document',
        targetId: id,
        outcome: 'success',
        details: { signatureId, authorisationId, sealId: seal.id, stampedSha256 },
      });
    });
    return id;
  }

  /** An archived stamped document, for its seal's organisation and the units overseeing it (SM-13); else 403. */
  async archived(principal: Principal, id: string): Promise<ArchivedDocument> {
    const em = this.ctx.em();
    const [row] = await em.execute<ArchivedRow[]>(
      `select d.*, a.documents as authorised_documents, a.approved_by, a.max_uses, a.valid_from, a.valid_to
         from stamped_document d join seal_use_authorisation a on a.id = d.authorisation_id where d.id = ?`,
      [id],
    );
    if (!row) throw notFound('盖章文件');
    if (!(await canSeeOrganisationRecords(principal, row.organisation_id, em, this.ctx.jurisdictions))) {
      throw forbidden('无权查看其他单位的盖章文件（不在您的管辖范围内）');
    }
    return archivedView(row);
  }

  /** The seal as the stamping page shows it: only for the seal's own unit (others: 404, as if it did not exist). */
  async sealForStamping(
    principal: Principal,
    sealId: string,
  ): Promise<{ id: string; name: string; widthMm: number; heightMm: number }> {
    const seal = await this.ctx.em().findOne(Seal, { id: sealId }, { exclude: ['imprint'] });
    if (!seal || seal.organisationId !== principal.organisationId) throw notFound('印章');
    return { id: seal.id, name: seal.name, widthMm: seal.widthMm, heightMm: seal.heightMm };
  }

  /** The PDF with the imprint, the signature placeholder and the validation data; unreadable: 400 naming `field`. */
  async prepare(
    seal: Seal,
    body: StampRequestBody,
    pdf: Buffer,
    validation: ValidationData,
    field = 'document',
  ): Promise<Buffer> {
    try {
      return await preparePdfStamp(
        pdf,
        { page: body.page - 1, xMm: body.xMm, yMm: body.yMm },
        {
          png: imprintPng({ mediaType: seal.imprintMediaType, data: seal.imprint, widthMm: seal.widthMm }),
          widthMm: seal.widthMm,
          heightMm: seal.heightMm,
          signerName: seal.name,
          reason: `加盖电子印章（印章编码 ${seal.esId}）`,
          signingTime: new Date(),
          signatureBytes: signatureBytesFor(sealInformation(seal, body.authorisationId)),
        },
        validation,
      );
    } catch (err) {
      if (!(err instanceof PdfStampError)) throw err;
      throw badRequest([
        { field: /页码/.test(err.message) ? 'page' : field, rule: 'pdf', message: err.message },
      ]);
    }
  }

  /** On the signing task queue; a refusal (audited by the signing) is 403/409/422, no answer in time 503. */
  private async signOnSigningQueue(
    request: Omit<PdfSignatureRequest, 'signatureId'>,
  ): Promise<PdfSignatureResult> {
    try {
      return await runOnSigningQueue(this.ctx, pdfSignatureWorkflow, pdfSignatureWorkflowId, request);
    } catch (err) {
      if (err instanceof SealUseError) throw signingRefusalError(err);
      throw err;
    }
  }
}

interface ArchivedRow {
  id: string;
  signature_id: string;
  authorisation_id: string;
  seal_id: string;
  organisation_id: string;
  stamped_by: string;
  file_name: string;
  original_sha256: string;
  stamped_sha256: string;
  content: Buffer;
  created_at: Date;
  authorised_documents: unknown;
  approved_by: unknown;
  max_uses: number;
  valid_from: Date;
  valid_to: Date;
}

export interface ArchivedDocument {
  id: string;
  signatureId: string;
  sealId: string;
  organisationId: string;
  stampedBy: string;
  fileName: string;
  originalSha256: string;
  stampedSha256: string;
  createdAt: string;
  authorisation: {
    id: string;
    documents: unknown;
    approvedBy: unknown;
    maxUses: number;
    validFrom: string;
    validTo: string;
  };
  content: Buffer;
}

function archivedView(row: ArchivedRow): ArchivedDocument {
  return {
    id: row.id,
    signatureId: row.signature_id,
    sealId: row.seal_id,
    organisationId: row.organisation_id,
    stampedBy: row.stamped_by,
    fileName: row.file_name,
    originalSha256: row.original_sha256,
    stampedSha256: row.stamped_sha256,
    createdAt: new Date(row.created_at).toISOString(),
    authorisation: {
      id: row.authorisation_id,
      documents: row.authorised_documents,
      approvedBy: row.approved_by,
      maxUses: row.max_uses,
      validFrom: new Date(row.valid_from).toISOString(),
      validTo: new Date(row.valid_to).toISOString(),
    },
    content: row.content,
  };
}

/** The file name without its extension, as a document title (at most 200 characters). */
export function titleOf(fileName: string): string | undefined {
  const title = fileName
    .replace(/\.pdf$/i, '')
    .trim()
    .slice(0, 200);
  return title || undefined;
}
