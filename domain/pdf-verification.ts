/**
 * Issue 18 Build 3 (SM-11): verifying a stamped PDF (or a detached seal-signature record), the report modelled on
 * EU DSS like the licence verification (domain/licence-verification.ts): per signature the checks, each with a
 * Chinese label and detail, and an indication (PASSED / FAILED / INDETERMINATE) with a sub-indication; beside it
 * the seal's status at signing and now.
 *
 * Pure: pki/pades-verify.ts does the cryptography and hands the facts over as `PdfSignatureEvidence`; the API
 * service adds the seal's status history (`SealStatusFacts`). Decisions taken:
 * - A document changed after a signature other than by adding later signatures (incremental updates with new
 *   signature fields only) is FAILED/HASH_FAILURE, as a changed byte is: the signed document is not what is shown.
 * - The time of signing is the RFC 3161 timestamp's when it verifies (a proof of existence), else the claimed /M.
 *   A seal not active at that time is FAILED/REVOKED; a seal out of use now without a verified timestamp is
 *   INDETERMINATE/REVOKED_NO_POE (a detached record the platform stored is its own proof of existence); a seal the
 *   platform does not know is INDETERMINATE/SIGNED_DATA_NOT_FOUND.
 * - A timestamp that is present but does not verify is INDETERMINATE/TIMESTAMP_FAILURE (not a DSS term: DSS would
 *   ignore the timestamp; a person should be told it is broken).
 * - Issue 20 Build 3 (SM-3, WP-(二)1): a signer certificate issued by an anchor of the trust list (another region's
 *   seal platform or CA, the provincial CA) chains there, and the report names the anchor; chaining to nothing
 *   trusted is INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND, as in the licence verification. Such a seal is another
 *   platform's: this platform's seal register is not asked, so its status is not a finding.
 */
import { shanghaiDateTimeSeconds } from './format';
import { SEAL_KIND_LABELS, SEAL_STATUS_LABELS, SealKind, SealStatus } from './seal';
import { INDICATION_LABELS, Indication } from './licence-verification';
import { TRUST_ANCHOR_KIND_LABELS, TrustAnchorKind } from './trust-list';

export const PDF_SUB_INDICATIONS = [
  'FORMAT_FAILURE',
  'HASH_FAILURE',
  'SIG_CRYPTO_FAILURE',
  'NO_CERTIFICATE_CHAIN_FOUND',
  'SIG_CONSTRAINTS_FAILURE',
  'TIMESTAMP_FAILURE',
  'SEAL_NOT_VALID',
  'REVOKED',
  'REVOKED_NO_POE',
  'SIGNED_DATA_NOT_FOUND',
] as const;
export type PdfSubIndication = (typeof PDF_SUB_INDICATIONS)[number];

export const PDF_SUB_INDICATION_EXPLANATIONS: Record<PdfSubIndication, string> = {
  FORMAT_FAILURE: '签名数据无法解析，不是有效的电子签章。',
  HASH_FAILURE: '文件在签章后被修改过：签章所覆盖的内容与现在的文件不一致。',
  SIG_CRYPTO_FAILURE: '签名值验证失败：签名被篡改，或不是用签章人证书的密钥生成的。',
  NO_CERTIFICATE_CHAIN_FOUND:
    '签章人证书既不是本平台证书认证中心签发的，也不是信任列表中的机构签发的，无法建立证书链。',
  SIG_CONSTRAINTS_FAILURE: '签章中的印章信息缺失或无效，或签章人证书不是印章绑定的证书。',
  TIMESTAMP_FAILURE: '签章所附的时间戳无效或不是本平台时间戳服务签发的。',
  SEAL_NOT_VALID: '签章时印章或签章人证书不在有效期内。',
  REVOKED: '签章时印章已被注销或挂失。',
  REVOKED_NO_POE: '印章已被注销或挂失，且没有可信时间戳证明签章发生在此之前。',
  SIGNED_DATA_NOT_FOUND: '平台没有签章所用印章的登记记录，无法确认印章状态。',
};

export const PDF_CHECK_IDS = [
  'FORMAT',
  'DATA_HASH',
  'COVERAGE',
  'SIGNATURE',
  'CERTIFICATE_CHAIN',
  'SEAL_BINDING',
  'TIMESTAMP',
  'VALID_AT_SIGNING_TIME',
  'SEAL_STATUS',
] as const;
export type PdfCheckId = (typeof PDF_CHECK_IDS)[number];

export const PDF_CHECK_LABELS: Record<PdfCheckId, string> = {
  FORMAT: '签名数据格式',
  DATA_HASH: '数据摘要',
  COVERAGE: '签章后的修改',
  SIGNATURE: '签名值',
  CERTIFICATE_CHAIN: '签章人证书链',
  SEAL_BINDING: '印章信息与证书绑定',
  TIMESTAMP: '可信时间戳',
  VALID_AT_SIGNING_TIME: '签章时证书与印章有效',
  SEAL_STATUS: '印章状态',
};

export type Coverage = 'ENTIRE_FILE' | 'SIGNATURES_ADDED' | 'CHANGED';

/** What the cryptography found for one signature (pki/pades-verify.ts, pki/seal-signer.ts). */
export interface PdfSignatureEvidence {
  readable: boolean;
  digestMatches: boolean;
  coverage: Coverage;
  signatureValid: boolean;
  signer: { organisation: string; commonName: string; validFrom: string; validTo: string } | null;
  chainTrusted: boolean;
  /** Issue 20 Build 3: the trust list's entry the chain ends at; null or absent: the platform's own CA (or none). */
  trustAnchor?: { id: string; name: string; kind: TrustAnchorKind | null } | null;
  seal: { esId: string; name: string; kind: SealKind; validStart: string; validEnd: string } | null;
  /** The seal information's maker signature verifies and the signer certificate is the one it binds. */
  sealBound: boolean;
  claimedTime: string | null;
  timestamp: {
    time: string;
    signatureValid: boolean;
    imprintMatches: boolean;
    authorityTrusted: boolean;
    authorityName: string | null;
  } | null;
}

/** The seal's status from the platform's history: unknown seal → known false. */
export interface SealStatusFacts {
  known: boolean;
  atSigning: SealStatus | null;
  now: SealStatus | null;
  /**
   * The signature is proven to exist at its signing time: a verified timestamp, or (a detached record) the
   * platform's own stored copy of it.
   */
  proofOfExistence: boolean;
}

export interface PdfCheck {
  id: PdfCheckId;
  label: string;
  passed: boolean | null;
  detail: string;
}

export interface PdfSignatureReport {
  indication: Indication;
  subIndication: PdfSubIndication | null;
  indicationLabel: string;
  explanation: string | null;
  seal: { esId: string; name: string; kindLabel: string } | null;
  organisation: string | null;
  signingTime: string | null;
  /** Whether the signing time is a verified timestamp (true) or only claimed by the signer (false). */
  signingTimeTimestamped: boolean;
  timestamp: { time: string; valid: boolean; authority: string | null } | null;
  coverage: Coverage;
  /** Issue 20 Build 3: the trust list's entry (and what it stands for) the signer's chain ends at, else null. */
  trustAnchor: { id: string; name: string; kind: TrustAnchorKind | null; kindLabel: string | null } | null;
  statusAtSigning: { status: SealStatus; label: string } | null;
  statusNow: { status: SealStatus; label: string } | null;
  checks: PdfCheck[];
}

export function timestampValid(e: PdfSignatureEvidence): boolean {
  const t = e.timestamp;
  return !!t && t.signatureValid && t.imprintMatches && t.authorityTrusted;
}

/** The time the seal's status is taken at: the verified timestamp's, else the claimed one. */
export function signingTimeOf(e: PdfSignatureEvidence): string | null {
  return timestampValid(e) ? e.timestamp!.time : e.claimedTime;
}

/**
 * The last instant the signing may have happened at. A CMS signingTime (UTCTime) and many timestamp tokens state whole
 * seconds, so a signature made at 10:00:01.700 reads 10:00:01: the seal's status at signing is the one in effect at
 * the end of that second. Otherwise a seal made and used within one second would read "no status at signing"; a
 * cancellation within the same second counts against the signature, the cautious side (SM-11).
 */
export function signingInstantUpperBound(at: string): Date {
  const t = new Date(at);
  return t.getUTCMilliseconds() === 0 ? new Date(t.getTime() + 999) : t;
}

const within = (at: string, from: string, to: string) =>
  Date.parse(at) >= Date.parse(from) && Date.parse(at) <= Date.parse(to);

const COVERAGE_TEXT: Record<Coverage, string> = {
  ENTIRE_FILE: '签章覆盖整个文件，签章后未作修改',
  SIGNATURES_ADDED: '签章后只追加了其他签章（增量更新），签章所覆盖的内容未变',
  CHANGED: '签章后文件被修改（不只是追加签章）',
};

type Results = Record<PdfCheckId, { passed: boolean | null; detail: string }>;

function checkResults(e: PdfSignatureEvidence, status: SealStatusFacts): Results {
  const at = signingTimeOf(e);
  const ts = e.timestamp;
  const label = (s: SealStatus | null) => (s ? SEAL_STATUS_LABELS[s] : '未知');
  return {
    FORMAT: { passed: e.readable, detail: e.readable ? 'CMS 签名数据（PAdES）' : '无法解析签名数据' },
    DATA_HASH: { passed: e.digestMatches, detail: e.digestMatches ? '摘要一致' : '摘要不一致' },
    COVERAGE: { passed: e.coverage !== 'CHANGED', detail: COVERAGE_TEXT[e.coverage] },
    SIGNATURE: { passed: e.signatureValid, detail: e.signatureValid ? '签名值有效' : '签名值无效' },
    CERTIFICATE_CHAIN: { passed: e.chainTrusted, detail: chainDetail(e) },
    SEAL_BINDING: {
      passed: !!e.seal && e.sealBound,
      detail: e.seal && e.sealBound ? '制章人签名有效，证书为印章绑定的证书' : '印章信息缺失或不匹配',
    },
    TIMESTAMP: ts
      ? {
          passed: timestampValid(e),
          detail: timestampValid(e)
            ? `${ts.authorityName ?? '时间戳服务'}：${shanghaiDateTimeSeconds(ts.time)}`
            : '时间戳无效',
        }
      : { passed: null, detail: '无时间戳（签章时间为签章人声明的时间）' },
    VALID_AT_SIGNING_TIME: {
      passed:
        !!at &&
        !!e.signer &&
        !!e.seal &&
        within(at, e.signer.validFrom, e.signer.validTo) &&
        within(at, e.seal.validStart, e.seal.validEnd),
      detail: at ? `签章时间 ${shanghaiDateTimeSeconds(at)}` : '没有签章时间',
    },
    SEAL_STATUS: e.trustAnchor
      ? {
          passed: null,
          detail: `印章由信任列表中的“${e.trustAnchor.name}”签发，不在本平台登记，未查询印章状态`,
        }
      : status.known
        ? {
            passed: status.atSigning === 'active' && (status.now === 'active' || status.proofOfExistence),
            detail: `签章时：${label(status.atSigning)}；现在：${label(status.now)}`,
          }
        : { passed: null, detail: '平台没有该印章的登记记录' },
  };
}

function kindLabel(kind: TrustAnchorKind | null): string | null {
  return kind ? TRUST_ANCHOR_KIND_LABELS[kind] : null;
}

function chainDetail(e: PdfSignatureEvidence): string {
  if (!e.chainTrusted) return '不是平台证书认证中心或信任列表中的机构签发的证书';
  if (!e.trustAnchor) return '由平台证书认证中心签发';
  const kind = kindLabel(e.trustAnchor.kind);
  return `由信任列表中的“${e.trustAnchor.name}”${kind ? `（${kind}）` : ''}签发`;
}

function decide(r: Results, status: SealStatusFacts, foreign: boolean) {
  const failed = (id: PdfCheckId) => r[id].passed === false;
  const verdict = (indication: Indication, subIndication: PdfSubIndication | null) => ({
    indication,
    subIndication,
  });
  if (failed('FORMAT')) return verdict('FAILED', 'FORMAT_FAILURE');
  if (failed('DATA_HASH') || failed('COVERAGE')) return verdict('FAILED', 'HASH_FAILURE');
  if (failed('SIGNATURE')) return verdict('FAILED', 'SIG_CRYPTO_FAILURE');
  if (failed('CERTIFICATE_CHAIN')) return verdict('INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND');
  if (failed('SEAL_BINDING')) return verdict('FAILED', 'SIG_CONSTRAINTS_FAILURE');
  if (failed('TIMESTAMP')) return verdict('INDETERMINATE', 'TIMESTAMP_FAILURE');
  if (failed('VALID_AT_SIGNING_TIME')) return verdict('FAILED', 'SEAL_NOT_VALID');
  if (foreign) return verdict('PASSED', null);
  if (!status.known) return verdict('INDETERMINATE', 'SIGNED_DATA_NOT_FOUND');
  if (status.atSigning !== 'active') return verdict('FAILED', 'REVOKED');
  if (failed('SEAL_STATUS')) return verdict('INDETERMINATE', 'REVOKED_NO_POE');
  return verdict('PASSED', null);
}

/** The report of one signature from its evidence and the seal's status. */
export function pdfSignatureReport(e: PdfSignatureEvidence, status: SealStatusFacts): PdfSignatureReport {
  const results = checkResults(e, status);
  const { indication, subIndication } = decide(results, status, !!e.trustAnchor);
  const anchor = e.trustAnchor ?? null;
  const at = signingTimeOf(e);
  const view = (s: SealStatus | null) => (s ? { status: s, label: SEAL_STATUS_LABELS[s] } : null);
  return {
    indication,
    subIndication,
    indicationLabel: INDICATION_LABELS[indication],
    explanation: subIndication ? PDF_SUB_INDICATION_EXPLANATIONS[subIndication] : null,
    seal: e.seal && { esId: e.seal.esId, name: e.seal.name, kindLabel: SEAL_KIND_LABELS[e.seal.kind] },
    organisation: e.signer?.organisation ?? null,
    signingTime: at,
    signingTimeTimestamped: timestampValid(e),
    timestamp: e.timestamp && {
      time: e.timestamp.time,
      valid: timestampValid(e),
      authority: e.timestamp.authorityName,
    },
    coverage: e.coverage,
    trustAnchor: anchor && { ...anchor, kindLabel: kindLabel(anchor.kind) },
    statusAtSigning: view(status.atSigning),
    statusNow: view(status.now),
    checks: PDF_CHECK_IDS.map((id) => ({ id, label: PDF_CHECK_LABELS[id], ...results[id] })),
  };
}

/** The document's indication: the worst of its signatures'. */
export function overallIndication(reports: Array<{ indication: Indication }>): Indication {
  if (reports.some((r) => r.indication === 'FAILED')) return 'FAILED';
  if (reports.some((r) => r.indication === 'INDETERMINATE')) return 'INDETERMINATE';
  return 'PASSED';
}
