/**
 * Seal-use rules (SM-12): the request body, the authorisation checks before signing (window edges, used up,
 * documents by hash or title, the seal's own state), the approver authority for legal-name seals and the web
 * form's document lines.
 */
import {
  approverAuthorityFor,
  AuthorisationFacts,
  authorisationProblem,
  batchProblem,
  matchDocument,
  parseDocumentLines,
  remainingUses,
  SEAL_USE_HTTP_STATUS,
  SEAL_USE_PROBLEM_CODES,
  isStandingLicenceAuthorisation,
  SEAL_USE_HANDOVER_REMINDERS,
  SEAL_USE_HANDOVER_WORKING_DAYS,
  sealUseHandoverDeadline,
  signedContent,
} from '../../domain/seal-use';
import {
  SealSignBody,
  SealUseHandoverDecisionBody,
  SealUseRequestBody,
  sealUseRequestBodyAt,
} from '../../domain/seal-use-schema';
import { conversionSealDocumentTitle, licenceSealDocumentTitle } from '../../domain/licence';
import { SEAL_KINDS } from '../../domain/seal';
import { problemsOf } from '../../api/validation';
import { chineseDaysCalendar } from '../../db/calendar-seed';
import { reminderPlan } from '../../domain/approval-reminders';
import { WorkingCalendar } from '../../domain/calendar';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const FROM = new Date('2026-12-01T00:00:00.000Z');
const TO = new Date('2026-12-08T00:00:00.000Z');

const authorisation = (over: Partial<AuthorisationFacts> = {}): AuthorisationFacts => ({
  status: 'active',
  documents: [{ title: '采购合同（甲方）', sha256: HASH_A }, { title: '会议纪要' }],
  maxUses: 2,
  usedCount: 0,
  validFrom: FROM,
  validTo: TO,
  ...over,
});
const within = new Date('2026-12-03T00:00:00.000Z');
const codeOf = (
  a: AuthorisationFacts | null,
  check: Partial<Parameters<typeof authorisationProblem>[1]> = {},
) => authorisationProblem(a, { now: within, documentHash: HASH_A, ...check })?.code;

const body = (over: Record<string, unknown> = {}) => ({
  sealId: 'seal-1',
  documents: [{ title: '采购合同（甲方）', sha256: HASH_A }],
  maxUses: 1,
  validFrom: '2026-12-01T09:00:00+08:00',
  validTo: '2026-12-02T09:00:00+08:00',
  reason: '签订政府采购合同',
  ...over,
});
/** The edge validates at a clock the test fixes (before the window in `body`), never at the real one. */
const CLOCK = new Date('2026-11-30T00:00:00.000Z');
const fieldsOf = (data: unknown, now = CLOCK) => {
  const r = sealUseRequestBodyAt(now).safeParse(data);
  return r.success ? [] : problemsOf(r.error).map((p) => p.field);
};

describe('the seal-use request body (SM-12)', () => {
  it('accepts a valid request', () => {
    expect(SealUseRequestBody.safeParse(body()).success).toBe(true);
    expect(
      SealUseRequestBody.safeParse(body({ documents: [{ title: '无摘要文件' }], cc: ['u1'] })).success,
    ).toBe(true);
  });

  it('names the field of each problem', () => {
    expect(fieldsOf(body({ documents: [] }))).toEqual(['documents']);
    expect(
      fieldsOf(body({ documents: Array.from({ length: 51 }, (_, i) => ({ title: `文件${i}` })) })),
    ).toEqual(['documents']);
    expect(fieldsOf(body({ documents: [{ title: '' }] }))).toEqual(['documents.0.title']);
    expect(fieldsOf(body({ documents: [{ title: 'x'.repeat(201) }] }))).toEqual(['documents.0.title']);
    expect(fieldsOf(body({ documents: [{ title: '合同', sha256: HASH_A.toUpperCase() }] }))).toEqual([
      'documents.0.sha256',
    ]);
    expect(fieldsOf(body({ documents: [{ title: '合同', sha256: 'abc' }] }))).toEqual(['documents.0.sha256']);
    expect(fieldsOf(body({ maxUses: 0 }))).toEqual(['maxUses']);
    expect(fieldsOf(body({ maxUses: 1001 }))).toEqual(['maxUses']);
    expect(fieldsOf(body({ maxUses: 1.5 }))).toEqual(['maxUses']);
    expect(fieldsOf(body({ validFrom: '明天' }))).toEqual(['validFrom']);
    expect(fieldsOf(body({ reason: '短' }))).toEqual(['reason']);
    expect(fieldsOf(body({ extra: 1 }))).toEqual(['extra']);
  });

  it('requires validTo after validFrom and a window of at most a year', () => {
    expect(fieldsOf(body({ validTo: '2026-12-01T09:00:00+08:00' }))).toEqual(['validTo']);
    expect(fieldsOf(body({ validTo: '2026-11-30T09:00:00+08:00' }))).toEqual(['validTo']);
    expect(fieldsOf(body({ validTo: '2027-12-01T09:00:00+08:00' }))).toEqual([]);
    expect(fieldsOf(body({ validTo: '2027-12-03T09:00:00+08:00' }))).toEqual(['validTo']);
  });

  it('refuses a window that is over at the time of the request, whatever the real clock says', () => {
    const end = new Date('2026-12-02T01:00:00.000Z'); // 2026-12-02 09:00 Shanghai, the body's validTo
    expect(fieldsOf(body(), new Date(end.getTime() - 1))).toEqual([]);
    expect(fieldsOf(body(), end)).toEqual(['validTo']);
    expect(fieldsOf(body(), new Date('2030-01-01T00:00:00.000Z'))).toEqual(['validTo']);
    // The shape alone holds no clock: the same body is well-formed at any time.
    expect(SealUseRequestBody.safeParse(body()).success).toBe(true);
  });

  it('takes a 64-hex document hash for signing', () => {
    expect(SealSignBody.safeParse({ authorisationId: 'a', documentHash: HASH_A }).success).toBe(true);
    expect(SealSignBody.safeParse({ authorisationId: 'a', documentHash: HASH_A.toUpperCase() }).success).toBe(
      true,
    );
    expect(SealSignBody.safeParse({ authorisationId: 'a', documentHash: 'a'.repeat(63) }).success).toBe(
      false,
    );
  });
});

describe('authorisationProblem (SM-12: signing only after approval, within what was approved)', () => {
  it('allows a covered document inside the window with uses left', () => {
    expect(codeOf(authorisation())).toBeUndefined();
  });

  it('refuses without an authorisation', () => {
    const p = authorisationProblem(null, { now: within, documentHash: HASH_A });
    expect(p).toEqual({
      code: 'AUTHORISATION_MISSING',
      message: expect.stringContaining('须提交用印申请并经审批通过'),
    });
  });

  it('treats the window as [validFrom, validTo)', () => {
    expect(codeOf(authorisation(), { now: new Date(FROM.getTime() - 1) })).toBe(
      'AUTHORISATION_NOT_YET_VALID',
    );
    expect(codeOf(authorisation(), { now: FROM })).toBeUndefined();
    expect(codeOf(authorisation(), { now: new Date(TO.getTime() - 1) })).toBeUndefined();
    expect(codeOf(authorisation(), { now: TO })).toBe('AUTHORISATION_EXPIRED');
    expect(authorisationProblem(authorisation(), { now: TO, documentHash: HASH_A })?.message).toContain(
      '到期',
    );
  });

  it('refuses once every use is consumed', () => {
    expect(codeOf(authorisation({ usedCount: 1 }))).toBeUndefined();
    expect(codeOf(authorisation({ usedCount: 2 }))).toBe('AUTHORISATION_USED_UP');
    expect(remainingUses({ maxUses: 2, usedCount: 1 })).toBe(1);
  });

  it('refuses a revoked authorisation', () => {
    expect(codeOf(authorisation({ status: 'revoked' }))).toBe('AUTHORISATION_REVOKED');
  });

  it('matches a stated hash exactly, and a hashless document by its title', () => {
    expect(codeOf(authorisation(), { documentHash: HASH_A.toUpperCase() })).toBeUndefined();
    expect(codeOf(authorisation(), { documentHash: HASH_B })).toBe('DOCUMENT_NOT_AUTHORISED');
    expect(codeOf(authorisation(), { documentHash: HASH_B, documentTitle: '会议纪要' })).toBeUndefined();
    expect(codeOf(authorisation(), { documentHash: HASH_B, documentTitle: ' 会议纪要 ' })).toBeUndefined();
    // A document stated with a hash is not matched by its title: the hash is what was approved.
    expect(codeOf(authorisation(), { documentHash: HASH_B, documentTitle: '采购合同（甲方）' })).toBe(
      'DOCUMENT_NOT_AUTHORISED',
    );
    expect(codeOf(authorisation(), { documentHash: HASH_B, documentTitle: '其他文件' })).toBe(
      'DOCUMENT_NOT_AUTHORISED',
    );
    expect(matchDocument(authorisation().documents, HASH_A, '随便写的标题')?.title).toBe('采购合同（甲方）');
  });

  it('refuses when the seal is not active or not valid now, before anything else', () => {
    const seal = {
      status: 'active' as const,
      validFrom: new Date('2025-01-01'),
      validTo: new Date('2028-01-01'),
    };
    expect(codeOf(authorisation(), { seal })).toBeUndefined();
    expect(codeOf(authorisation({ usedCount: 2 }), { seal: { ...seal, status: 'lost' } })).toBe(
      'SEAL_NOT_ACTIVE',
    );
    expect(codeOf(authorisation(), { seal: { ...seal, status: 'cancelled' } })).toBe('SEAL_NOT_ACTIVE');
    expect(codeOf(authorisation(), { seal: { ...seal, validTo: new Date('2026-12-02') } })).toBe(
      'SEAL_NOT_VALID',
    );
  });

  it('gives every code an HTTP status: 403 not yours, 409 state, 422 outside what was authorised', () => {
    for (const code of SEAL_USE_PROBLEM_CODES) expect([403, 409, 422]).toContain(SEAL_USE_HTTP_STATUS[code]);
    expect(SEAL_USE_HTTP_STATUS.AUTHORISATION_MISSING).toBe(403);
    expect(SEAL_USE_HTTP_STATUS.AUTHORISATION_USED_UP).toBe(409);
    expect(SEAL_USE_HTTP_STATUS.AUTHORISATION_EXPIRED).toBe(422);
    expect(SEAL_USE_HTTP_STATUS.DOCUMENT_NOT_AUTHORISED).toBe(422);
  });
});

describe('batchProblem (issue 18 Build 1: a batch under one authorisation, one use each, refused whole)', () => {
  const a = { documentHash: HASH_A };
  const minutes = { documentHash: 'c'.repeat(64), documentTitle: '会议纪要' };

  it('allows as many covered documents as there are uses left', () => {
    expect(batchProblem(authorisation(), [a, minutes], { now: within })).toBeUndefined();
    expect(batchProblem(authorisation({ usedCount: 1 }), [a], { now: within })).toBeUndefined();
  });

  it('refuses a batch larger than the uses left, naming both numbers', () => {
    const p = batchProblem(authorisation({ usedCount: 1 }), [a, minutes], { now: within });
    expect(p?.code).toBe('AUTHORISATION_USED_UP');
    expect(p?.message).toContain('只剩 1 次');
    expect(p?.message).toContain('2 份文件');
    expect(p?.index).toBeUndefined();
  });

  it('names the first document the authorisation does not cover, by index', () => {
    const p = batchProblem(authorisation(), [a, { documentHash: HASH_B }], { now: within });
    expect(p).toMatchObject({ code: 'DOCUMENT_NOT_AUTHORISED', index: 1 });
  });

  it('refuses the whole batch outside the window or without an authorisation', () => {
    expect(batchProblem(authorisation(), [a], { now: TO })?.code).toBe('AUTHORISATION_EXPIRED');
    expect(batchProblem(null, [a], { now: within })?.code).toBe('AUTHORISATION_MISSING');
  });
});

describe('approverAuthorityFor (SM-12: never beyond the approver’s authority)', () => {
  it('requires the unit leader for the legal-name seal only', () => {
    expect(approverAuthorityFor('legal_name')).toEqual({
      roles: ['unit_leader'],
      reason: '法定名称章的用印只能由单位负责人批准',
    });
    for (const kind of SEAL_KINDS.filter((k) => k !== 'legal_name'))
      expect(approverAuthorityFor(kind)).toBeNull();
  });
});

describe('signedContent', () => {
  it('is canonical JSON with a lower-case hash', () => {
    expect(
      signedContent({
        esId: 'E',
        sealId: 'S',
        signingTime: '2026-12-01T00:00:00.000Z',
        documentHash: HASH_A.toUpperCase(),
        documentTitle: '合同',
        authorisationId: 'A',
      }),
    ).toBe(
      `{"authorisationId":"A","dataHash":{"algorithm":"SHA-256","value":"${HASH_A}"},"documentTitle":"合同",` +
        `"esId":"E","sealId":"S","signingTime":"2026-12-01T00:00:00.000Z"}`,
    );
  });
});

describe('parseDocumentLines (the web form)', () => {
  it('reads `标题` or `标题 sha256` per line, skipping blank lines', () => {
    expect(
      parseDocumentLines(
        `采购合同（甲方） ${HASH_A.toUpperCase()}\r\n\n  会议纪要  \n带 空格 的 标题\t${HASH_B}\n`,
      ),
    ).toEqual([
      { title: '采购合同（甲方）', sha256: HASH_A },
      { title: '会议纪要' },
      { title: '带 空格 的 标题', sha256: HASH_B },
    ]);
    expect(parseDocumentLines(`只有摘要的行不是摘要 ${'c'.repeat(63)}`)).toEqual([
      { title: `只有摘要的行不是摘要 ${'c'.repeat(63)}` },
    ]);
  });
});

describe('standing licence-signing authorisations (issue 15 Build 3: passed to the unit leader when the holder leaves)', () => {
  const type = { name: '营业执照', code: '11100000000013338W001' };
  it('are those whose every document is a reserved licence-signing title', () => {
    expect(isStandingLicenceAuthorisation([{ title: licenceSealDocumentTitle(type) }])).toBe(true);
    expect(isStandingLicenceAuthorisation([{ title: conversionSealDocumentTitle(type) }])).toBe(true);
    expect(
      isStandingLicenceAuthorisation([{ title: licenceSealDocumentTitle(type) }, { title: '采购合同' }]),
    ).toBe(false);
    expect(isStandingLicenceAuthorisation([{ title: '采购合同' }])).toBe(false);
    expect(isStandingLicenceAuthorisation([])).toBe(false);
  });
  it('the leader keeps (optionally for a named person) or revokes; a revocation names nobody', () => {
    expect(
      SealUseHandoverDecisionBody.safeParse({ decision: 'keep', grantee: 'zz-amr-deputy' }).success,
    ).toBe(true);
    expect(SealUseHandoverDecisionBody.safeParse({ decision: 'revoke', comment: '另行申请' }).success).toBe(
      true,
    );
    expect(
      problemsOf(
        SealUseHandoverDecisionBody.safeParse({ decision: 'revoke', grantee: 'x', comment: '另行申请' })
          .error!,
      ),
    ).toEqual([expect.objectContaining({ field: 'grantee' })]);
    // A revocation gives its reason; keeping needs none.
    for (const comment of [undefined, ' ', '撤']) {
      expect(
        problemsOf(SealUseHandoverDecisionBody.safeParse({ decision: 'revoke', comment }).error!),
      ).toEqual([expect.objectContaining({ field: 'comment', rule: 'custom' })]);
    }
    expect(SealUseHandoverDecisionBody.safeParse({ decision: 'keep' }).success).toBe(true);
    expect(problemsOf(SealUseHandoverDecisionBody.safeParse({ decision: 'transfer' }).error!)).toEqual([
      expect.objectContaining({ field: 'decision' }),
    ]);
  });
});

describe('the unit leader’s deadline for a handed-over authorisation (issue 15 Build 3, SM-12)', () => {
  const calendar = new WorkingCalendar(chineseDaysCalendar());

  it('is the end of the 3rd working day after the change, holidays and make-up days counted as the calendar says', () => {
    expect(SEAL_USE_HANDOVER_WORKING_DAYS).toBe(3);
    // Friday 2026-12-04 10:00 Beijing: Mon, Tue, Wed → Wednesday 12-09 24:00 Beijing.
    expect(sealUseHandoverDeadline(calendar, new Date('2026-12-04T02:00:00Z'))).toEqual({
      dueAt: '2026-12-09T16:00:00.000Z',
      provisional: false,
    });
    // Wednesday 2026-09-30: 国庆节 10-01…10-07 skipped; 10-08, 10-09 and the make-up Saturday 10-10.
    const national = sealUseHandoverDeadline(calendar, new Date('2026-09-30T02:00:00Z'));
    expect(national.dueAt).toBe('2026-10-10T16:00:00.000Z');
    // The engine's reminder: 09:00 Beijing of the last working day.
    expect(
      reminderPlan(calendar, national.dueAt, SEAL_USE_HANDOVER_REMINDERS, '2026-09-30T02:00:00Z'),
    ).toEqual([{ at: '2026-10-10T01:00:00.000Z', kind: 'before', n: 1 }]);
  });
});
