/**
 * Issue 18 Build 3 (SM-11): verifying a stamped PDF (`POST /api/verify/pdf`, the public page `/verify/pdf`) and a
 * detached seal-signature record with the document it covers (`POST /api/verify/signature`), for everyone without
 * a login. The cryptography is pki/pades-verify.ts's and pki/seal-signer.ts's against the platform CA; the seal's
 * status at signing and now comes from its status history (issue 12 Build 5); the decision and the Chinese words
 * are domain/pdf-verification.ts's. Audited like licence verification: a signed-in caller's in the audit log, an
 * anonymous one counted (LM-25). Issue 20 Build 3: both read the trust list in force, as the licence verification
 * does (pki/trust-chain.ts): a signer chaining to one of its anchors is recognised and the report names the anchor.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { Seal } from '../../db/entities';
import { SealStatusChange } from '../../db/seal-status-entities';
import { SealSignatureRecord } from '../../db/seal-use-entities';
import { Indication, INDICATION_LABELS } from '../../domain/licence-verification';
import {
  overallIndication,
  pdfSignatureReport,
  PdfSignatureEvidence,
  PdfSignatureReport,
  SealStatusFacts,
  signingInstantUpperBound,
  signingTimeOf,
  timestampValid,
} from '../../domain/pdf-verification';
import type { SealSignature } from '../../domain/seal-signature';
import { sealStatusAt } from '../../domain/seal-status';
import { commonName, organisationName } from '../../pki/cms-read';
import { verifyPdfSignatures } from '../../pki/pades-verify';
import { PdfFormatError } from '../../pki/pdf-signatures';
import { parseCertificate, sealMakerSignatureValid, verifySealSignature } from '../../pki/seal-signer';
import { chainEnd } from '../../pki/trust-chain';
import type { TrustAnchor } from '../../domain/trust-list';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { actorOf } from '../principal';
import { parse } from '../validation';
import type { VerificationMeta, VerificationService } from './verification';

export const VERIFY_PDF_MAX_BYTES = 10 * 1024 * 1024;

export interface PdfVerificationReport {
  indication: Indication;
  indicationLabel: string;
  documentSha256: string;
  signatures: PdfSignatureReport[];
  verifiedAt: string;
}

/** A detached record (what `POST /api/seals/:id/sign` answers) and the document, or its SHA-256: exactly one. */
export const VerifySignatureBody = z
  .object({
    signature: z.record(z.string(), z.unknown(), { error: '请提供签章记录 signature（JSON 对象）' }),
    document: z
      .base64({ error: '应为 Base64 编码的文件内容' })
      .max(1_400_000, { error: '文件过大（Base64 不超过 1 MB 的文件），请改为提供 documentSha256' })
      .optional(),
    documentSha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, { message: '应为 64 位十六进制 SHA-256 摘要' })
      .optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const given = [b.document, b.documentSha256].filter((v) => v !== undefined).length;
    if (given !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['document'],
        message: '请提供签章所覆盖的文件 document（Base64）或其摘要 documentSha256，二者只能提供其一',
      });
  });

const invalidPdf = (rule: string, message: string) => badRequest([{ field: 'document', rule, message }]);

export class PdfVerificationService {
  constructor(
    private readonly ctx: AppContext,
    private readonly verification: VerificationService,
  ) {}

  /** A stamped PDF: 400 when it is no PDF or carries no signature; else the report, whatever its indication. */
  async verifyPdf(pdf: Buffer, meta: VerificationMeta): Promise<PdfVerificationReport> {
    if (pdf.length === 0) throw invalidPdf('required', '请上传要核验的 PDF 文件');
    if (pdf.length > VERIFY_PDF_MAX_BYTES) throw invalidPdf('max_size', 'PDF 文件不能超过 10 MB');
    if (!pdf.subarray(0, 1024).includes('%PDF-')) throw invalidPdf('pdf', '文件不是 PDF 文档');
    const caPem = await this.verification.caCertificatePem();
    const anchors = await this.verification.trustAnchors();
    let findings;
    try {
      findings = await verifyPdfSignatures(pdf, caPem, anchors);
    } catch (err) {
      if (err instanceof PdfFormatError) throw invalidPdf('pdf', err.message);
      throw err;
    }
    if (findings.length === 0) throw invalidPdf('signature', '该 PDF 文件中没有电子签章，无法核验');
    const signatures: PdfSignatureReport[] = [];
    for (const f of findings) {
      const facts = await this.statusFacts(f.evidence, f.sealInformation?.esId, timestampValid(f.evidence));
      signatures.push(pdfSignatureReport(f.evidence, facts));
    }
    return this.finish(meta, 'pdf', createHash('sha256').update(pdf).digest('hex'), signatures);
  }

  /** A detached seal-signature record and the document it covers (or the document's SHA-256). */
  async verifySignature(body: unknown, meta: VerificationMeta): Promise<PdfVerificationReport> {
    const input = parse(VerifySignatureBody, body);
    const hash =
      input.documentSha256?.toLowerCase() ??
      createHash('sha256').update(Buffer.from(input.document!, 'base64')).digest('hex');
    const record = input.signature as unknown as SealSignature;
    const caPem = await this.verification.caCertificatePem();
    const evidence = detachedEvidence(record, hash, caPem, await this.verification.trustAnchors());
    const stored = await this.storedRecord(record);
    const facts = await this.statusFacts(evidence, evidence.seal?.esId, stored);
    return this.finish(meta, 'signature', hash, [pdfSignatureReport(evidence, facts)]);
  }

  /**
   * The platform stored exactly this record when it signed: its own proof that the signing happened then. Looked up
   * by seal and signing time (an index) and the document hash: a seal's every record read here was a million rows
   * for a conversion's seal (issue 19).
   */
  private async storedRecord(record: SealSignature): Promise<boolean> {
    if (typeof record?.signatureValue !== 'string' || typeof record.signingTime !== 'string') return false;
    const signingTime = new Date(record.signingTime);
    if (Number.isNaN(signingTime.getTime())) return false;
    const rows = await this.ctx.em().find(
      SealSignatureRecord,
      {
        sealId: String(record.sealId ?? ''),
        signingTime,
        documentHash: String(record.dataHash?.value ?? ''),
      },
      { fields: ['record'] },
    );
    return rows.some((r) => r.record.signatureValue === record.signatureValue);
  }

  private async statusFacts(
    evidence: PdfSignatureEvidence,
    esId: string | undefined,
    proofOfExistence: boolean,
  ): Promise<SealStatusFacts> {
    const em = this.ctx.em();
    // Issue 20 Build 3: a seal under an anchor of the trust list is another platform's, not in this register.
    const seal =
      !evidence.trustAnchor && typeof esId === 'string' && /^\d{18}$/.test(esId)
        ? await em.findOne(Seal, { esId }, { exclude: ['imprint'], disableIdentityMap: true })
        : null;
    if (!seal) return { known: false, atSigning: null, now: null, proofOfExistence };
    const history = await em.find(SealStatusChange, { sealId: seal.id }, { disableIdentityMap: true });
    const at = signingTimeOf(evidence);
    return {
      known: true,
      atSigning: at ? sealStatusAt(history, signingInstantUpperBound(at)) : null,
      now: seal.status,
      proofOfExistence,
    };
  }

  private async finish(
    meta: VerificationMeta,
    kind: 'pdf' | 'signature',
    documentSha256: string,
    signatures: PdfSignatureReport[],
  ): Promise<PdfVerificationReport> {
    const indication = overallIndication(signatures);
    const em = this.ctx.em();
    if (!meta.principal) {
      this.verification.counter.count(`${kind}:${documentSha256}`, meta.channel, indication);
    } else {
      await recordAudit(em, {
        actor: actorOf(meta.principal),
        action: kind === 'pdf' ? 'document.verify' : 'seal.signature.verify',
        targetType: 'document',
        targetId: documentSha256,
        outcome: indication === 'PASSED' ? 'success' : 'rejected',
        details: {
          channel: meta.channel,
          indication,
          signatures: signatures.map((s) => [s.seal?.esId ?? null, s.indication, s.subIndication]),
        },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    }
    return {
      indication,
      indicationLabel: INDICATION_LABELS[indication],
      documentSha256,
      signatures,
      verifiedAt: new Date().toISOString(),
    };
  }
}

/**
 * The evidence of a detached record, from pki/seal-signer.ts's checks and the document's hash; the chain (and so
 * the seal maker) from pki/trust-chain.ts, which knows the trust list's anchors.
 */
function detachedEvidence(
  record: SealSignature,
  documentHash: string,
  caPem: string,
  anchors: readonly TrustAnchor[],
): PdfSignatureEvidence {
  const result = verifySealSignature(record, caPem);
  const cert: X509Certificate | null = parseCertificate(String(record?.signerCertificate ?? ''));
  const chain = cert
    ? chainEnd(record.signerCertificate, String(record.signingTime ?? ''), caPem, anchors)
    : null;
  const anchor = chain?.anchor;
  const property = record?.seal?.sealInfo?.property;
  return {
    readable: result.checks.signedContent,
    digestMatches: result.checks.signedContent && record.dataHash.value === documentHash,
    coverage: 'ENTIRE_FILE',
    signatureValid: result.checks.signature,
    signer: cert && {
      organisation: organisationName(cert),
      commonName: commonName(cert),
      validFrom: new Date(cert.validFrom).toISOString(),
      validTo: new Date(cert.validTo).toISOString(),
    },
    chainTrusted: !!chain,
    trustAnchor: anchor ? { id: anchor.id, name: anchor.name, kind: anchor.kind ?? null } : null,
    seal:
      result.checks.signedContent && property
        ? {
            esId: record.seal.esId,
            name: record.seal.name,
            kind: record.seal.kind,
            validStart: property.validStart,
            validEnd: property.validEnd,
          }
        : null,
    sealBound:
      result.checks.certificateBoundToSeal &&
      (anchor ? sealMakerSignatureValid(record, anchor.certificatePem) : result.checks.sealMakerSignature),
    claimedTime: result.checks.signedContent ? record.signingTime : null,
    timestamp: null,
  };
}
