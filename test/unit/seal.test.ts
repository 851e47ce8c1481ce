/**
 * Electronic seal rules: the issuance checks of SM-7 (the seal name matches the bound certificate; the certificate
 * is valid when the seal is made), the seal kinds of SM-2 and the seal code.
 */
import {
  checkCertificateValidity,
  checkSealName,
  SEAL_KIND_LABELS,
  SEAL_KINDS,
  SEAL_TYPE_CODE,
  sealCode,
} from '../../domain/seal';

const LEGAL = '晋城市行政审批服务管理局';
const CUSTODIAN = '张丽';

describe('seal kinds (SM-2, GB/T 38540 type codes)', () => {
  it('has the five kinds of SM-2, each with a Chinese label', () => {
    expect([...SEAL_KINDS]).toEqual(['legal_name', 'internal_body', 'branch', 'business', 'personal_name']);
    expect(SEAL_KIND_LABELS.personal_name).toBe('电子名章');
    expect(SEAL_KIND_LABELS.legal_name).toBe('法定名称章');
  });

  it('codes organisation seals as 1 and the personal name seal as 2', () => {
    expect(SEAL_KINDS.filter((k) => SEAL_TYPE_CODE[k] === 2)).toEqual(['personal_name']);
    expect(SEAL_KINDS.filter((k) => SEAL_TYPE_CODE[k] === 1)).toHaveLength(4);
  });
});

describe('checkSealName: legal-name seal (SM-7)', () => {
  it('accepts the exact organisation name of the certificate', () => {
    expect(checkSealName('legal_name', LEGAL, LEGAL, CUSTODIAN)).toEqual({ ok: true });
  });

  it('ignores white space around either name', () => {
    expect(checkSealName('legal_name', ` ${LEGAL}\n`, `${LEGAL} `, CUSTODIAN)).toEqual({ ok: true });
  });

  it.each([
    ['a longer name', `${LEGAL}合同专用章`],
    ['a shorter name', '晋城市行政审批服务管理'],
    ['another organisation', '泽州县行政审批服务管理局'],
    ['the same name in traditional characters', '晉城市行政審批服務管理局'],
    ['the custodian name', CUSTODIAN],
    ['an empty name', ''],
  ])('refuses %s and names both names in the reason', (_why, name) => {
    const result = checkSealName('legal_name', name, LEGAL, CUSTODIAN);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('不一致') });
    expect(result.ok || result.reason).not.toMatch(/SM-\d/);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining(LEGAL) });
  });
});

describe.each(['internal_body', 'branch', 'business'] as const)(
  'checkSealName: %s seal named after the legal name (SM-2, SM-7)',
  (kind) => {
    it('accepts the legal name followed by the body, branch or purpose', () => {
      expect(checkSealName(kind, `${LEGAL}合同专用章`, LEGAL, CUSTODIAN)).toEqual({ ok: true });
      expect(checkSealName(kind, `${LEGAL}办公室`, LEGAL, CUSTODIAN)).toEqual({ ok: true });
    });

    it('refuses the bare legal name, which names no body or purpose', () => {
      expect(checkSealName(kind, LEGAL, LEGAL, CUSTODIAN)).toEqual({
        ok: false,
        reason: expect.stringContaining('应以机构数字证书中的单位名称'),
      });
    });

    it('refuses the bare legal name padded with white space', () => {
      expect(checkSealName(kind, `${LEGAL}  `, LEGAL, CUSTODIAN).ok).toBe(false);
    });

    it('refuses a name that does not begin with the legal name', () => {
      expect(checkSealName(kind, `合同专用章${LEGAL}`, LEGAL, CUSTODIAN).ok).toBe(false);
      expect(checkSealName(kind, '泽州县行政审批服务管理局合同专用章', LEGAL, CUSTODIAN).ok).toBe(false);
      expect(checkSealName(kind, '晋城市行政审批局合同专用章', LEGAL, CUSTODIAN).ok).toBe(false);
    });
  },
);

describe('checkSealName: personal name seal (SM-7)', () => {
  it('accepts the name of the custodian', () => {
    expect(checkSealName('personal_name', CUSTODIAN, LEGAL, CUSTODIAN)).toEqual({ ok: true });
    expect(checkSealName('personal_name', ` ${CUSTODIAN} `, LEGAL, ` ${CUSTODIAN}`)).toEqual({ ok: true });
  });

  it('refuses another person, the organisation name, or the custodian name with more text', () => {
    for (const name of ['李强', LEGAL, `${CUSTODIAN}印`]) {
      expect(checkSealName('personal_name', name, LEGAL, CUSTODIAN)).toEqual({
        ok: false,
        reason: expect.stringContaining('应与持有人姓名'),
      });
    }
  });
});

describe('checkCertificateValidity (SM-7: the certificate is valid when the seal is made)', () => {
  const notBefore = new Date('2025-01-01T00:00:00.000Z');
  const notAfter = new Date('2027-01-01T00:00:00.000Z');
  const ms = (d: Date, delta: number) => new Date(d.getTime() + delta);

  it('accepts a moment inside the validity period', () => {
    expect(checkCertificateValidity(notBefore, notAfter, false, new Date('2026-06-15T12:00:00Z'))).toEqual({
      ok: true,
    });
  });

  it('accepts both ends of the period, which RFC 5280 §4.1.2.5 counts as inclusive', () => {
    expect(checkCertificateValidity(notBefore, notAfter, false, notBefore)).toEqual({ ok: true });
    expect(checkCertificateValidity(notBefore, notAfter, false, notAfter)).toEqual({ ok: true });
  });

  it('refuses a certificate that is not yet valid, one millisecond before notBefore', () => {
    expect(checkCertificateValidity(notBefore, notAfter, false, ms(notBefore, -1))).toEqual({
      ok: false,
      reason: '机构数字证书尚未生效',
    });
  });

  it('refuses an expired certificate, one millisecond after notAfter, naming the expiry', () => {
    expect(checkCertificateValidity(notBefore, notAfter, false, ms(notAfter, 1))).toEqual({
      ok: false,
      reason: expect.stringContaining('2027-01-01T00:00:00.000Z'),
    });
  });

  it('refuses a revoked certificate, whatever the date', () => {
    const revoked = { ok: false, reason: '机构数字证书已吊销' };
    expect(checkCertificateValidity(notBefore, notAfter, true, new Date('2026-06-15T12:00:00Z'))).toEqual(
      revoked,
    );
    expect(checkCertificateValidity(notBefore, notAfter, true, ms(notBefore, -1))).toEqual(revoked);
    expect(checkCertificateValidity(notBefore, notAfter, true, ms(notAfter, 1))).toEqual(revoked);
  });
});

describe('sealCode', () => {
  it('joins the division code (6), the year (4) and a serial padded to 8 digits', () => {
    expect(sealCode('140500', 2025, 1)).toBe('140500202500000001');
    expect(sealCode('140525', 2026, 123456)).toBe('140525202600123456');
  });

  it('gives 18 digits for every serial from 1 to 99 999 999', () => {
    for (const serial of [1, 9, 10, 999999, 1000000, 99_999_999]) {
      expect(sealCode('140000', 2025, serial)).toMatch(/^1400002025\d{8}$/);
    }
  });

  it('refuses a serial it cannot hold, rather than growing longer', () => {
    expect(() => sealCode('140000', 2025, 100_000_000)).toThrow('outside');
    expect(() => sealCode('140000', 2025, 0)).toThrow('outside');
    expect(() => sealCode('140000', 2025, 1.5)).toThrow('outside');
    expect(() => sealCode('1400', 2025, 1)).toThrow('6 digits');
  });

  it('gives different codes for different serials, years and divisions', () => {
    const codes = new Set([
      sealCode('140500', 2025, 1),
      sealCode('140500', 2025, 2),
      sealCode('140500', 2026, 1),
      sealCode('140525', 2025, 1),
    ]);
    expect(codes.size).toBe(4);
  });
});
