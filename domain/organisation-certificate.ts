/**
 * An organisation's certificate over its life (issue 12 Build 5, SM-5(1), SM-6): applied for, renewed within the
 * 30 days before it expires (SM-8's window, the same as a seal's), and revoked with a time and a reason; each a
 * request decided by the approval engine (one review by the seal management department of the organisation's
 * jurisdiction). The organisation's seal staff are reminded by e-mail before it expires (SM-8).
 *
 * Pure: the rules, the request body and the reminder offsets; the signing worker applies an approved request
 * (activities/signing-certificates.ts).
 */
import { z } from 'zod';
import { shanghaiDateOf } from './calendar';
import { INITIATOR_OPTIONS } from './flow-definition-schema';
import { reminderDue } from './licence-expiry';
import { RENEWAL_WINDOW_DAYS, renewedValidity } from './seal-status';

export const CERTIFICATE_REQUEST_ACTIONS = ['apply', 'renew', 'revoke'] as const;
export type CertificateRequestAction = (typeof CERTIFICATE_REQUEST_ACTIONS)[number];

/** One table: each action's process kind on the approval engine and its label. */
export const CERTIFICATE_ACTIONS: Record<
  CertificateRequestAction,
  { processKind: CertificateProcessKind; label: string }
> = {
  apply: { processKind: 'certificate_application', label: '申请' },
  renew: { processKind: 'certificate_renewal', label: '更新' },
  revoke: { processKind: 'certificate_revocation', label: '吊销' },
};

export const CERTIFICATE_PROCESS_KINDS = [
  'certificate_application',
  'certificate_renewal',
  'certificate_revocation',
] as const;
export type CertificateProcessKind = (typeof CERTIFICATE_PROCESS_KINDS)[number];

export type CertificateRequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';
export const CERTIFICATE_REQUEST_STATUS_LABELS: Record<CertificateRequestStatus, string> = {
  pending: '审批中',
  approved: '已批准',
  rejected: '已驳回',
  withdrawn: '已撤回',
};

/** A new organisation certificate is valid for this many years from its issue (the renewal keeps the length). */
export const CERTIFICATE_VALIDITY_YEARS = 1;

/** SM-8: the renewal reminders, in days before the certificate (and so its seals) expires; one mail each. */
export const CERTIFICATE_REMINDER_DAYS = [RENEWAL_WINDOW_DAYS] as const;

const DAY_MS = 24 * 3600 * 1000;

export interface CertificateFacts {
  notBefore: Date;
  notAfter: Date;
  revokedAt: Date | null;
}

/** Whether a certificate is in force at `now`: issued, not expired, not revoked. */
export function certificateInForce(c: CertificateFacts, now: Date): boolean {
  return !c.revokedAt && c.notBefore <= now && now <= c.notAfter;
}

/** The validity of a newly applied-for certificate. */
export function newCertificateValidity(now: Date): { notBefore: Date; notAfter: Date } {
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERTIFICATE_VALIDITY_YEARS);
  return { notBefore: now, notAfter };
}

/** The renewed certificate's validity: as long as the one it replaces, from now (a fresh key). */
export const renewedCertificateValidity = renewedValidity;

export type CertificateRule =
  | 'certificate_in_force'
  | 'certificate_revoked'
  | 'certificate_expired'
  | 'renewal_window_not_open'
  | 'one_pending_request';

export interface CertificateProblem {
  rule: CertificateRule;
  message: string;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Why an organisation that holds `inForce` certificates may not apply for a new one, or undefined. */
export function applicationProblem(inForce: CertificateFacts[], now: Date): CertificateProblem | undefined {
  const current = inForce.find((c) => certificateInForce(c, now));
  if (!current) return undefined;
  return {
    rule: 'certificate_in_force',
    message: `本单位已有有效期至 ${day(current.notAfter)} 的机构数字证书，请在到期前 ${RENEWAL_WINDOW_DAYS} 日内办理更新，不能重复申请`,
  };
}

/** SM-8: a certificate is renewed within the 30 days before it expires, while in force. */
export function renewalProblem(c: CertificateFacts, now: Date): CertificateProblem | undefined {
  if (c.revokedAt) return { rule: 'certificate_revoked', message: '该证书已吊销，不能更新，请重新申请' };
  if (now > c.notAfter) {
    return {
      rule: 'certificate_expired',
      message: `该证书已于 ${day(c.notAfter)} 过期，不能更新，请重新申请`,
    };
  }
  const opens = new Date(c.notAfter.getTime() - RENEWAL_WINDOW_DAYS * DAY_MS);
  if (now < opens) {
    return {
      rule: 'renewal_window_not_open',
      message: `该证书有效期至 ${day(c.notAfter)}，到期前 ${RENEWAL_WINDOW_DAYS} 日内（${day(opens)} 起）方可更新`,
    };
  }
  return undefined;
}

/** A certificate is revoked once. */
export function revocationProblem(c: CertificateFacts): CertificateProblem | undefined {
  if (c.revokedAt) {
    return {
      rule: 'certificate_revoked',
      message: `该证书已于 ${c.revokedAt.toISOString()} 吊销，不能重复吊销`,
    };
  }
  return undefined;
}

/** Why a seal bound to a revoked certificate cannot sign: since when and why, in plain Chinese. */
export function revokedCertificateMessage(revokedAt: Date, reason: string | null): string {
  const why = reason ? `（原因：${reason}）` : '';
  return `印章绑定的机构数字证书已于 ${revokedAt.toISOString()} 吊销${why}，不能用印，请申请新证书并办理印章续期`;
}

/** Whether the renewal window of a certificate expiring at `notAfter` is open at `now` (for the home page). */
export function renewalWindowOpen(notAfter: Date, now: Date): boolean {
  return now <= notAfter && now.getTime() >= notAfter.getTime() - RENEWAL_WINDOW_DAYS * DAY_MS;
}

/**
 * The reminder offset due on the Shanghai date `date` for a certificate expiring at `notAfter`: the nearest offset
 * passed (a certificate first swept late gets only the nearest), or null before the first offset or once expired.
 * The same rule as a licence's expiry reminders (domain/licence-expiry.ts), on the certificate's last day.
 */
export function certificateReminderDue(
  notAfter: Date,
  date: string,
  offsets: readonly number[] = CERTIFICATE_REMINDER_DAYS,
): number | null {
  return reminderDue(shanghaiDateOf(notAfter), offsets, date);
}

/** The mail idempotency key of a certificate's reminder at an offset, for one recipient. */
export function certificateReminderMailKey(certificateId: string, offset: number, userId: string): string {
  return `certificate-renewal-reminder:${certificateId}:${offset}:${userId}`;
}

export function certificateRequestWorkflowId(requestId: string): string {
  return `certificate-request-${requestId}`;
}

/**
 * SM-5(1), SM-6: a request about the organisation's certificate. `certificateId` names the certificate to renew
 * or revoke (and is not given for an application).
 */
export const CertificateRequestBody = z
  .object({
    organisationId: z.string().trim().min(1).max(100),
    action: z.enum(CERTIFICATE_REQUEST_ACTIONS, {
      message: '应为 apply（申请）、renew（更新）或 revoke（吊销）',
    }),
    certificateId: z.string().trim().min(1).max(100).optional(),
    reason: z.string().trim().min(2).max(500),
    /** Issue 20 Build 2: RSA or SM2 (SM3withSM2 signatures); omitted, RSA, or on renewal the renewed one's. */
    keyAlgorithm: z.enum(['rsa', 'sm2'], { message: '应为 rsa 或 sm2' }).optional(),
    ...INITIATOR_OPTIONS,
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.action !== 'apply' && b.certificateId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['certificateId'],
        message: '更新或吊销须指明证书（certificateId）',
      });
    }
    if (b.action === 'apply' && b.certificateId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['certificateId'], message: '申请新证书时不能指定已有证书' });
    }
  });
export type CertificateRequestBody = z.infer<typeof CertificateRequestBody>;

export const CertificateListQuery = z.object({ organisationId: z.string().trim().min(1).max(100) }).strict();
