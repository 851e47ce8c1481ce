/**
 * Seal use (SM-12): every use of a seal follows an approval flow, as a physical seal's would. An approved request
 * grants an authorisation for stated documents, a number of uses and a time window; signing checks the
 * authorisation and consumes one use. The rules here are pure: the API, the activities and the signing function
 * share them, and they are unit-tested without a database.
 */
import { canonicalJson } from './canonical-json';
import { isLicenceDocumentTitle } from './licence';
import { shanghaiDateTime } from './format';
import { type Deadline, deadlineFor, type WorkingCalendar } from './calendar';
import type { SealKind, SealStatus } from './seal';
import type { LicenceSignaturePurpose } from './seal-signature';
import type { UserRole } from './roles';
import type { SealUseDocument } from './seal-use-schema';

export type {
  SealSignBody,
  SealUseDocument,
  SealUseHandoverDecisionBody,
  SealUseRequestBody,
} from './seal-use-schema';

export const SEAL_USE_MAX_DOCUMENTS = 50;
/** Who may ask to use a seal of their unit, and so hold an authorisation (SM-12). */
export const SEAL_USE_REQUESTER_ROLES = ['seal_applicant', 'unit_leader'] as const;
export const SEAL_USE_MAX_USES = 1000;
/**
 * Issue 19 (LM-10): one authorisation covers a whole legacy conversion file (domain/licence-conversion.ts), so a
 * request whose every document is a conversion title may ask for up to this many uses.
 */
export const SEAL_USE_MAX_CONVERSION_USES = 1_000_000;
/** An authorisation is for a stated occasion, not a standing licence to use the seal (SM-12). */
export const SEAL_USE_MAX_WINDOW_MS = 366 * 24 * 3600 * 1000;

/** The window rule, also for the web form: validTo after validFrom, and at most a year long. */
export function windowProblem(validFrom: Date, validTo: Date): string | undefined {
  if (Number.isNaN(validFrom.getTime()) || Number.isNaN(validTo.getTime())) return undefined; // format errors
  if (validTo.getTime() <= validFrom.getTime()) return '结束时间必须晚于开始时间';
  if (validTo.getTime() - validFrom.getTime() > SEAL_USE_MAX_WINDOW_MS) return '用印授权有效期不能超过一年';
  return undefined;
}

export type SealUseRequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';
export const SEAL_USE_REQUEST_STATUS_LABELS: Record<SealUseRequestStatus, string> = {
  pending: '审批中',
  approved: '已批准',
  rejected: '已驳回',
  withdrawn: '已撤回',
};

export type SealUseAuthorisationStatus = 'active' | 'revoked';

export function sealUseWorkflowId(requestId: string): string {
  return `seal-use-${requestId}`;
}

/**
 * SM-12: never beyond the approver's authority. Only the custodian's department leader (the unit leader of the
 * seal's organisation) may authorise use of the legal-name seal, whatever the organisation's flow says.
 */
export function approverAuthorityFor(kind: SealKind): { roles: UserRole[]; reason: string } | null {
  return kind === 'legal_name'
    ? // SM-12
      { roles: ['unit_leader'], reason: '法定名称章的用印只能由单位负责人批准' }
    : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Checking an authorisation before signing

/**
 * Why a signing is refused. The HTTP status of each (SEAL_USE_HTTP_STATUS) is part of the API contract: 403 the
 * caller may not use this authorisation or seal at all, 409 the authorisation's state forbids it (used up,
 * revoked), 422 this signing falls outside what was authorised (window, document) or the seal cannot sign now.
 */
export const SEAL_USE_PROBLEM_CODES = [
  'AUTHORISATION_MISSING',
  'NOT_GRANTEE',
  'NOT_SEAL_ORGANISATION',
  'AUTHORISATION_REVOKED',
  'AUTHORISATION_USED_UP',
  'AUTHORISATION_NOT_YET_VALID',
  'AUTHORISATION_EXPIRED',
  'DOCUMENT_NOT_AUTHORISED',
  'SEAL_NOT_ACTIVE',
  'SEAL_NOT_VALID',
  'LICENCE_TITLE_RESERVED',
  'NO_CUSTODIAN',
] as const;
export type SealUseProblemCode = (typeof SEAL_USE_PROBLEM_CODES)[number];

export const SEAL_USE_HTTP_STATUS: Record<SealUseProblemCode, 403 | 409 | 422> = {
  AUTHORISATION_MISSING: 403,
  NOT_GRANTEE: 403,
  NOT_SEAL_ORGANISATION: 403,
  AUTHORISATION_REVOKED: 409,
  AUTHORISATION_USED_UP: 409,
  AUTHORISATION_NOT_YET_VALID: 422,
  AUTHORISATION_EXPIRED: 422,
  DOCUMENT_NOT_AUTHORISED: 422,
  SEAL_NOT_ACTIVE: 422,
  SEAL_NOT_VALID: 422,
  // Only the licence issuance path signs licences (purpose-bound, domain/seal-signature.ts); the generic signing
  // endpoint may not sign under a licence title at all.
  LICENCE_TITLE_RESERVED: 403,
  // SM-14: the seal names no custodian yet; a custodian change approved by the unit leader lifts it.
  NO_CUSTODIAN: 409,
};

export interface SealUseProblem {
  code: SealUseProblemCode;
  message: string;
}

/** Thrown by the signing function; the API turns it into 403/409/422 by SEAL_USE_HTTP_STATUS. */
export class SealUseError extends Error {
  readonly code: SealUseProblemCode;
  constructor(problem: SealUseProblem) {
    super(problem.message);
    this.name = 'SealUseError';
    this.code = problem.code;
  }
}

export interface AuthorisationFacts {
  status: SealUseAuthorisationStatus;
  documents: SealUseDocument[];
  maxUses: number;
  usedCount: number;
  validFrom: Date;
  validTo: Date;
}

export interface SealFacts {
  status: SealStatus;
  validFrom: Date;
  validTo: Date;
  /** Since when the status holds and why (issue 12 Build 5), named in the refusal. */
  statusSince?: Date;
  statusReason?: string | null;
}

const SEAL_STATUS_TEXT: Record<SealStatus, string> = { active: '有效', cancelled: '已注销', lost: '已挂失' };

/**
 * The authorised document a signing is for: a stated document with a hash is matched only by that hash; one
 * without a hash by its title (trimmed, exactly). Undefined when none matches.
 */
export function matchDocument(
  documents: SealUseDocument[],
  documentHash: string,
  documentTitle?: string,
): SealUseDocument | undefined {
  const hash = documentHash.toLowerCase();
  const byHash = documents.find((d) => d.sha256 === hash);
  if (byHash) return byHash;
  const title = documentTitle?.trim();
  if (!title) return undefined;
  return documents.find((d) => !d.sha256 && d.title.trim() === title);
}

/** SM-7/SM-8 at signing time: only an active seal within its validity (its certificate's) signs. */
export function sealProblem(seal: SealFacts, now: Date): SealUseProblem | undefined {
  if (seal.status !== 'active') {
    const since = seal.statusSince ? `，自 ${shanghaiDateTime(seal.statusSince)} 起` : '';
    const why = seal.statusReason ? `（${seal.statusReason}）` : '';
    // SM-16: a lost seal is suspended at once; the refusal names the loss.
    const what =
      seal.status === 'lost' ? '印章已挂失，暂停使用' : `印章状态为“${SEAL_STATUS_TEXT[seal.status]}”`;
    return { code: 'SEAL_NOT_ACTIVE', message: `${what}${since}${why}，不能用印` };
  }
  if (now < seal.validFrom || now > seal.validTo) {
    return {
      code: 'SEAL_NOT_VALID',
      // SM-8
      message: `印章当前不在有效期内（${shanghaiDateTime(seal.validFrom)} 至 ${shanghaiDateTime(seal.validTo)}），不能用印`,
    };
  }
  return undefined;
}

/**
 * Why this signing may not happen under this authorisation, or undefined when it may. The window is half-open:
 * valid from `validFrom` (inclusive) until `validTo` (exclusive). Order: existence, the seal, revocation, the
 * window, the count, the document, so that the message names the most fundamental obstacle.
 */
export function authorisationProblem(
  authorisation: AuthorisationFacts | null | undefined,
  check: { now: Date; documentHash: string; documentTitle?: string; seal?: SealFacts },
): SealUseProblem | undefined {
  if (!authorisation) {
    return {
      code: 'AUTHORISATION_MISSING',
      // SM-12
      message: '没有经批准的用印授权：用印前须提交用印申请并经审批通过',
    };
  }
  if (check.seal) {
    const p = sealProblem(check.seal, check.now);
    if (p) return p;
  }
  if (authorisation.status !== 'active') {
    return { code: 'AUTHORISATION_REVOKED', message: '该用印授权已被撤销，不能再用印' };
  }
  if (check.now < authorisation.validFrom) {
    return {
      code: 'AUTHORISATION_NOT_YET_VALID',
      message: `用印授权尚未生效：有效期自 ${shanghaiDateTime(authorisation.validFrom)} 起`,
    };
  }
  if (check.now >= authorisation.validTo) {
    return {
      code: 'AUTHORISATION_EXPIRED',
      message: `用印授权已于 ${shanghaiDateTime(authorisation.validTo)} 到期，请重新申请用印`,
    };
  }
  if (authorisation.usedCount >= authorisation.maxUses) {
    return {
      code: 'AUTHORISATION_USED_UP',
      message: `用印授权的 ${authorisation.maxUses} 次用印已全部用完，请重新申请用印`,
    };
  }
  if (!matchDocument(authorisation.documents, check.documentHash, check.documentTitle)) {
    return {
      code: 'DOCUMENT_NOT_AUTHORISED',
      message: '该文件不在用印授权的文件范围内：有摘要的文件须 SHA-256 摘要一致，无摘要的文件须标题一致',
    };
  }
  return undefined;
}

export function remainingUses(a: { maxUses: number; usedCount: number }): number {
  return Math.max(0, a.maxUses - a.usedCount);
}

/**
 * Issue 18 Build 1, batch stamping (SM-12): several documents under one authorisation, one use each. Checked
 * before any is signed, so that a batch the authorisation does not cover is refused whole: the first document's
 * problem (with its 0-based index), else too few uses left for all of them.
 */
export function batchProblem(
  authorisation: AuthorisationFacts | null | undefined,
  documents: Array<{ documentHash: string; documentTitle?: string }>,
  check: { now: Date; seal?: SealFacts },
): (SealUseProblem & { index?: number }) | undefined {
  for (const [index, document] of documents.entries()) {
    const problem = authorisationProblem(authorisation, { ...check, ...document });
    if (problem) return { ...problem, index };
  }
  const left = remainingUses(authorisation!);
  if (documents.length > left) {
    return {
      code: 'AUTHORISATION_USED_UP',
      message: `用印授权只剩 ${left} 次用印，不足以加盖本批 ${documents.length} 份文件（每份文件用印一次）`,
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The signed content

export interface SignedContentFields {
  esId: string;
  sealId: string;
  signingTime: string;
  /** SHA-256 of the signed document, lowercase hex. */
  documentHash: string;
  documentTitle: string;
  authorisationId: string;
  /** A licence signature's purpose (domain/seal-signature.ts); absent for any other document. */
  purpose?: LicenceSignaturePurpose;
}

/**
 * What the seal's certificate key signs: the RFC 8785 canonical JSON of the seal, the time, the document's hash
 * and title and the authorisation (GB/T 38540 signs the seal, time and data hash together; the authorisation ties
 * the signature to its SM-12 approval), and for a licence its purpose, identifier, type code and seal kind. Anyone
 * can recompute it from a signature record. A signature without `purpose` is never a licence signature.
 */
export function signedContent(f: SignedContentFields): string {
  return canonicalJson({
    esId: f.esId,
    sealId: f.sealId,
    signingTime: f.signingTime,
    dataHash: { algorithm: 'SHA-256', value: f.documentHash.toLowerCase() },
    documentTitle: f.documentTitle,
    authorisationId: f.authorisationId,
    ...(f.purpose ? { purpose: f.purpose } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The web form

/**
 * Documents as the web form takes them, one per line: `标题` or `标题 <sha256>` (the last word, when it is 64 hex
 * digits, is the hash). Blank lines are skipped. The result still goes through SealUseRequestBody.
 */
export function parseDocumentLines(text: string): Array<{ title: string; sha256?: string }> {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const m = /^(.*\S)\s+([0-9a-fA-F]{64})$/.exec(line);
      return m ? { title: m[1]!.trim(), sha256: m[2]!.toLowerCase() } : { title: line };
    });
}

/**
 * Issue 15 Build 3: a standing licence-signing authorisation is one whose every document is a title reserved for
 * the platform's licence signing (issuance, or a conversion file). When its holder leaves it passes to the unit
 * leader's decision instead of being revoked, so that issuance does not stop.
 */
export function isStandingLicenceAuthorisation(documents: SealUseDocument[]): boolean {
  return documents.length > 0 && documents.every((d) => isLicenceDocumentTitle(d.title));
}

/**
 * SM-12: working days the unit leader has to decide on a leaving person's standing licence-signing authorisation
 * (DESIGN §3, domain calendar). Three: the same span as the unit leader's other decisions on a seal (custodian
 * change, seal status); the authorisation stays usable meanwhile, so a missed deadline is escalated, never revoked.
 */
export const SEAL_USE_HANDOVER_WORKING_DAYS = 3;
/** The leader's deadline for a decision opened at `openedAt` (the person change). */
export function sealUseHandoverDeadline(calendar: WorkingCalendar, openedAt: Date): Deadline {
  return deadlineFor(calendar, openedAt, { workingDays: SEAL_USE_HANDOVER_WORKING_DAYS });
}
/** The engine's reminder to the leaders: on the morning of the last working day before the deadline. */
export const SEAL_USE_HANDOVER_REMINDERS = { beforeWorkingDays: 1 } as const;

/** The workflow that reminds of, and escalates, one open decision (`seal-use-handover-<id>`). */
export function sealUseHandoverWorkflowId(handoverId: string): string {
  return `seal-use-handover-${handoverId}`;
}
