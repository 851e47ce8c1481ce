/** Issue 12 Build 5 (SM-5(1), SM-6, SM-8): the rules of an organisation certificate's life, without a database. */
import {
  applicationProblem,
  CERTIFICATE_ACTIONS,
  CERTIFICATE_REMINDER_DAYS,
  certificateInForce,
  certificateReminderDue,
  CertificateRequestBody,
  newCertificateValidity,
  renewalProblem,
  renewalWindowOpen,
  renewedCertificateValidity,
  revocationProblem,
  revokedCertificateMessage,
} from '../../domain/organisation-certificate';
import { PROCESS_KINDS, DEFAULT_FLOWS } from '../../domain/flow-definition';

const DAY = 24 * 3600_000;
/** Every date is derived from this fixed instant, never from the clock. */
const NOW = new Date('2026-06-15T04:00:00Z');
const cert = (daysLeft: number, revokedAt: Date | null = null) => ({
  notBefore: new Date(NOW.getTime() - 300 * DAY),
  notAfter: new Date(NOW.getTime() + daysLeft * DAY),
  revokedAt,
});

describe('SM-8: renewal only within the 30 days before expiry', () => {
  it.each([
    [31, 'renewal_window_not_open'],
    [30.5, 'renewal_window_not_open'],
    [30, undefined],
    [1, undefined],
    [-1, 'certificate_expired'],
  ])('%d days left → %s', (daysLeft, rule) => {
    expect(renewalProblem(cert(daysLeft), NOW)?.rule).toBe(rule);
  });

  it('names the rule and the date the window opens, without requirement ids', () => {
    const problem = renewalProblem(cert(60), NOW)!;
    expect(problem.message).toContain('到期前 30 日内');
    expect(problem.message).toContain('2026-07-15');
    expect(problem.message).not.toMatch(/SM-\d/);
  });

  it('a revoked certificate is neither renewed nor revoked again', () => {
    const revoked = cert(10, new Date(NOW.getTime() - DAY));
    expect(renewalProblem(revoked, NOW)?.rule).toBe('certificate_revoked');
    expect(revocationProblem(revoked)?.rule).toBe('certificate_revoked');
    expect(revocationProblem(cert(10))).toBeUndefined();
  });

  it('the window is open from 30 days before until the end', () => {
    expect(renewalWindowOpen(cert(30).notAfter, NOW)).toBe(true);
    expect(renewalWindowOpen(cert(31).notAfter, NOW)).toBe(false);
    expect(renewalWindowOpen(cert(-1).notAfter, NOW)).toBe(false);
  });
});

describe('SM-5(1): applying for a certificate', () => {
  it('is refused while one is in force; allowed when all are expired, revoked or none', () => {
    expect(applicationProblem([cert(100)], NOW)?.rule).toBe('certificate_in_force');
    expect(applicationProblem([cert(-5), cert(100, NOW)], NOW)).toBeUndefined();
    expect(applicationProblem([], NOW)).toBeUndefined();
  });

  it('a new certificate is valid for a year; a renewed one as long as the old, from now', () => {
    expect(newCertificateValidity(NOW)).toEqual({
      notBefore: NOW,
      notAfter: new Date('2027-06-15T04:00:00Z'),
    });
    const old = cert(20);
    const renewed = renewedCertificateValidity(old, NOW);
    expect(renewed.notBefore).toEqual(NOW);
    expect(renewed.notAfter.getTime() - NOW.getTime()).toBe(old.notAfter.getTime() - old.notBefore.getTime());
  });

  it('in force means issued, not expired and not revoked', () => {
    expect(certificateInForce(cert(1), NOW)).toBe(true);
    expect(certificateInForce(cert(-1), NOW)).toBe(false);
    expect(certificateInForce(cert(1, NOW), NOW)).toBe(false);
  });
});

describe('SM-8: the renewal reminder', () => {
  const notAfter = new Date('2026-07-15T04:00:00Z'); // 2026-07-15 12:00 in Shanghai
  it.each([
    ['2026-06-14', null],
    ['2026-06-15', 30],
    ['2026-07-01', 30],
    ['2026-07-15', 30],
    ['2026-07-16', null],
  ])('on %s the offset due is %s', (date, offset) => {
    expect(certificateReminderDue(notAfter, date)).toBe(offset);
  });

  it('the offsets come from one constant', () => {
    expect(CERTIFICATE_REMINDER_DAYS).toEqual([30]);
    expect(certificateReminderDue(notAfter, '2026-07-10', [90, 30, 7])).toBe(7);
  });
});

describe('the request body', () => {
  const ok = { organisationId: 'org', action: 'apply', reason: '新设立单位' };
  it('accepts an application without a certificate and a renewal with one', () => {
    expect(CertificateRequestBody.safeParse(ok).success).toBe(true);
    expect(CertificateRequestBody.safeParse({ ...ok, action: 'renew', certificateId: 'c' }).success).toBe(
      true,
    );
  });

  it.each([
    [{ ...ok, action: 'renew' }, 'certificateId'],
    [{ ...ok, action: 'revoke' }, 'certificateId'],
    [{ ...ok, certificateId: 'c' }, 'certificateId'],
    [{ ...ok, action: 'destroy' }, 'action'],
    [{ ...ok, reason: ' ' }, 'reason'],
    [{ action: 'apply', reason: '新设立单位' }, 'organisationId'],
  ])('refuses %j naming %s', (body, field) => {
    const parsed = CertificateRequestBody.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path[0])).toContain(field);
  });
});

it('each action runs under its own process kind with a default flow', () => {
  for (const { processKind } of Object.values(CERTIFICATE_ACTIONS)) {
    expect(PROCESS_KINDS).toContain(processKind);
    expect(DEFAULT_FLOWS.some((f) => f.kind === processKind)).toBe(true);
  }
});

it('a seal bound to a revoked certificate is refused with the time and the reason', () => {
  const message = revokedCertificateMessage(new Date('2026-06-01T00:00:00Z'), '私钥泄露');
  expect(message).toContain('2026-06-01');
  expect(message).toContain('私钥泄露');
  expect(message).toContain('吊销');
});
