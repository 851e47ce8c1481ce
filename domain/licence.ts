/**
 * An electronic licence (电子证照): its metadata (GB/T 36903 names, DESIGN §3), its canonical form — the bytes its
 * seal signature covers (RFC 8785 over metadata and data items) — its states, its validity, and the LM-9 rule
 * that a licence reaches the platform within 1 working day of the case closing. Pure: the API, the activities, the
 * verifier and the benchmark share these.
 */
import { canonicalJson } from './canonical-json';
import type { WorkingCalendar } from './calendar';
import { shanghaiDateOf } from './calendar';
import type { HolderCodeType, LicenceData, ServiceItem, ValidityRule } from './licence-type';

/** The licence's metadata as signed. Keys in English; the Chinese names are GB/T 36903's. */
export interface LicenceMetadata {
  /** 证照名称 */
  name: string;
  /** 证照类型代码 (21 characters) */
  typeCode: string;
  /** The catalogue version the licence was issued under. */
  typeVersion: number;
  /** 证照标识 (GB/T 36904) */
  identifier: string;
  /** 证照编号: the issuing unit's own number. */
  licenceNumber: string;
  /** 版本号 1, 2, … (001, 002 in the identifier) */
  version: number;
  /** The identifier of the version this one replaces, or null for 001. */
  previousIdentifier: string | null;
  /** 颁发机构 + 代码 */
  issuer: { name: string; code: string };
  /** 颁发日期 (Shanghai date) */
  issueDate: string;
  /** 持证主体 + 代码 + 代码类型 */
  holder: { name: string; code: string; codeType: HolderCodeType };
  /** 有效期起始/截止日期; validTo null = 长期 */
  validFrom: string;
  validTo: string | null;
  /** 关联事项 */
  serviceItems: ServiceItem[];
}

export interface LicenceContent {
  metadata: LicenceMetadata;
  data: LicenceData;
}

/** The exact UTF-8 string whose SHA-256 the seal signature carries as its data hash. */
export function canonicalLicence(content: LicenceContent): string {
  return canonicalJson({ metadata: content.metadata, data: content.data });
}

/** The export format name: a licence document as `GET /api/licenses/:id/export` gives and `POST /api/verify` takes. */
export const LICENCE_EXPORT_FORMAT = 'jincheng-elicence/1';

const LICENCE_TITLE_PREFIX = '电子证照签发';

/** The title under which a licence signing is authorised (SM-12): one standing authorisation per type. */
export function licenceSealDocumentTitle(type: { name: string; code: string }): string {
  return `${LICENCE_TITLE_PREFIX}：${type.name}（${type.code}）`;
}

/**
 * Issue 19 (LM-10): the title of the one authorisation a legacy conversion signs its whole file under (SM-12). It
 * begins with the reserved prefix, so only the conversion path signs under it, and it differs from the standing
 * issuance title, so everyday issuance never spends a conversion's uses.
 */
export function conversionSealDocumentTitle(type: { name: string; code: string }): string {
  return `${LICENCE_TITLE_PREFIX}（存量转换）：${type.name}（${type.code}）`;
}

export function isConversionDocumentTitle(title: string): boolean {
  return title.replace(/\s+/g, '').startsWith(`${LICENCE_TITLE_PREFIX}（存量转换）：`);
}

/**
 * A title reserved for licence signing (issue 11): the generic signing endpoint refuses it, whatever follows the
 * prefix and however it is spaced, so that a standing licence authorisation serves only the issuance path.
 */
export function isLicenceDocumentTitle(title: string): boolean {
  return title.replace(/\s+/g, '').startsWith(LICENCE_TITLE_PREFIX);
}

// ---------------------------------------------------------------------------------------------------------------
// States

/** Sector states (DESIGN §3) plus `superseded` for a version replaced by a newer one. */
export const LICENCE_STATUSES = [
  'valid',
  'suspended',
  'revoked',
  'cancelled',
  'expired',
  'withdrawn',
  'abolished',
  'superseded',
] as const;
export type LicenceStatus = (typeof LICENCE_STATUSES)[number];
export const LICENCE_STATUS_LABELS: Record<LicenceStatus, string> = {
  valid: '有效',
  suspended: '中止（挂失、暂扣或质押期间）',
  revoked: '撤销',
  cancelled: '注销',
  expired: '失效（过期）',
  withdrawn: '吊销',
  abolished: '废止',
  superseded: '已被新版本取代',
};

/** The state shown to a verifier, expiry applied on the fly (the nightly scan may not have run yet). */
export function currentStatus(stored: LicenceStatus, validTo: string | null, now: Date): LicenceStatus {
  if (stored === 'valid' && validTo && shanghaiDateOf(now) > validTo) return 'expired';
  return stored;
}

// ---------------------------------------------------------------------------------------------------------------
// Validity

/** Adds whole months to an ISO date, clamping to the month's end (2024-02-29 + 12 months = 2025-02-28). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

function previousDay(date: string): string {
  const t = new Date(`${date}T00:00:00Z`).getTime() - 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * The validity end date under the type's rule: a fixed term ends the day before the anniversary (five years from
 * 2026-11-27 is valid through 2031-11-26); where the end month has no such day it ends on that month's last day
 * (民法典 art. 202: one month from 2026-01-31 runs through 2026-02-28, a year from 2024-02-29 through 2025-02-28);
 * `until_date` takes the date the issuing unit gives; permanent is null (长期). Returns a problem message when the
 * request does not fit the rule.
 */
export function validityEnd(
  rule: ValidityRule,
  validFrom: string,
  requestedValidTo: string | undefined,
): { validTo: string | null } | { problem: string } {
  switch (rule.kind) {
    case 'fixed_term': {
      const months = rule.years * 12 + rule.months;
      if (requestedValidTo)
        return { problem: '该证照类型的有效期为固定期限，由平台计算，不应填写有效期截止日期' };
      if (months === 0) return { validTo: null };
      const anniversary = addMonths(validFrom, months);
      // A clamped anniversary (no such day in the end month) is already the month's last day: the term's last day.
      const clamped = anniversary.slice(8) !== validFrom.slice(8);
      return { validTo: clamped ? anniversary : previousDay(anniversary) };
    }
    case 'until_date':
      if (!requestedValidTo) return { problem: '该证照类型须填写有效期截止日期' };
      if (requestedValidTo < validFrom) return { problem: '有效期截止日期不能早于起始日期' };
      return { validTo: requestedValidTo };
    case 'permanent':
      if (requestedValidTo) return { problem: '该证照类型长期有效，不应填写有效期截止日期' };
      return { validTo: null };
  }
}

export function validityRuleLabel(rule: ValidityRule): string {
  switch (rule.kind) {
    case 'fixed_term':
      return `固定期限 ${rule.years ? `${rule.years} 年` : ''}${rule.months ? `${rule.months} 个月` : ''}`.trim();
    case 'until_date':
      return '至指定日期';
    case 'permanent':
      return '长期有效';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// LM-9: a licence reaches the platform within 1 working day of the case closing

export const ISSUANCE_DEADLINE_WORKING_DAYS = 1;

export interface Lateness {
  deadlineAt: Date;
  /** The deadline fell in a year without official calendar data (DESIGN §3). */
  provisional: boolean;
  late: boolean;
}

/** LM-9: the deadline for a licence whose case closed at `caseClosedAt`, and whether `arrivedAt` missed it. */
export function issuanceLateness(calendar: WorkingCalendar, caseClosedAt: Date, arrivedAt: Date): Lateness {
  const { dueAt, provisional } = calendar.addWorkingDays(caseClosedAt, ISSUANCE_DEADLINE_WORKING_DAYS);
  return { deadlineAt: dueAt, provisional, late: arrivedAt.getTime() > dueAt.getTime() };
}

/** Identifiers are case-insensitive on input; stored and shown upper case. */
export function normaliseIdentifier(identifier: string): string {
  return identifier.trim().toUpperCase();
}

/**
 * The public verification page of a licence (LM-19), as links on pages are written; with the licence's access
 * code (pki/licence-access-code.ts) it opens the masked face as well, without it only the restricted view.
 */
export function licenceVerifyPath(identifier: string, accessCode?: string): string {
  const path = `/verify/${encodeURIComponent(normaliseIdentifier(identifier))}`;
  return accessCode ? `${path}?code=${encodeURIComponent(accessCode)}` : path;
}

/** The copies of a licence (SM-10): printable HTML, or PDF; they need the access code. */
export function licenceCopyPath(identifier: string, accessCode: string, format: 'html' | 'pdf'): string {
  const path = `/verify/${encodeURIComponent(normaliseIdentifier(identifier))}/copy${format === 'pdf' ? '.pdf' : ''}`;
  return `${path}?code=${encodeURIComponent(accessCode)}`;
}

/** The same page as e-mails and the QR code on copies carry it (SM-10): under the platform's public URL. */
export function licenceVerifyUrl(publicUrl: string, identifier: string, accessCode?: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${licenceVerifyPath(identifier, accessCode)}`;
}
