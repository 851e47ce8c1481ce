/**
 * The audit log's daily seal (LM-25): a finished day's chain heads and row count, as RFC 8785 canonical JSON,
 * signed (RSA-SHA256) with the platform's audit key, whose certificate the CA issued. Anyone holding the CA
 * certificate checks a seal with Node's crypto.
 */
import { createHash, createSign, createVerify, X509Certificate } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json';

export const AUDIT_SEAL_FORMAT = 'jincheng-audit-seal/1';

export interface AuditSealContent {
  format: typeof AUDIT_SEAL_FORMAT;
  /** The Asia/Shanghai day, YYYY-MM-DD. */
  day: string;
  rowCount: number;
  /** Every chain of the day with its last row, ordered by part. */
  chains: Array<{ part: string; seq: number; hash: string }>;
}

export interface SignedAuditSeal {
  signedContent: string;
  /** SHA-256 of the signed content: the day's head. */
  headHash: string;
  signature: string;
}

export function signAuditSeal(content: AuditSealContent, privateKeyPem: string): SignedAuditSeal {
  const signedContent = canonicalJson(content);
  const signature = createSign('sha256').update(signedContent, 'utf8').sign(privateKeyPem, 'base64');
  return { signedContent, headHash: createHash('sha256').update(signedContent).digest('hex'), signature };
}

/** Null when the seal holds, else what is wrong with it. */
export function auditSealProblem(
  seal: { signedContent: string; signature: string; certificatePem: string; headHash: string },
  caCertificatePem: string,
): string | null {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(seal.certificatePem);
  } catch {
    return 'the seal’s certificate cannot be read';
  }
  if (
    !cert.checkIssued(new X509Certificate(caCertificatePem)) ||
    !cert.verify(new X509Certificate(caCertificatePem).publicKey)
  )
    return 'the seal’s certificate was not issued by the CA';
  if (createHash('sha256').update(seal.signedContent).digest('hex') !== seal.headHash)
    return 'the head hash does not match the signed content';
  const ok = createVerify('sha256')
    .update(seal.signedContent, 'utf8')
    .verify(cert.publicKey, seal.signature, 'base64');
  return ok ? null : 'the seal’s signature does not verify';
}
