/**
 * What a business system's first issuance must satisfy (domain/licence-issuance.ts planIssuance, LM-7) for the
 * legal-person types — the defaults of the issue and validity dates, the holder's USCC and its check character
 * (a legacy code only when confirmed), the validity against each rule, every problem at once — and the LM-9
 * deadline (issuanceLateness) on the real 2026 calendar seeded from chinese-days, make-up working days included.
 * The natural-person case (citizen ID) is in test/unit/licence-issuance.test.ts.
 */
import { CALENDAR_SEED_SOURCE, chineseDaysCalendar } from '../../db/calendar-seed';
import { catalogueSample, catalogueSeed, LICENCE_TYPE_NAMES } from '../../db/licence-catalogue-seed';
import { WorkingCalendar } from '../../domain/calendar';
import { issuanceLateness } from '../../domain/licence';
import { holderCodeProblem, planIssuance } from '../../domain/licence-issuance';
import { IssueLicenceBody } from '../../domain/licence-issuance-schema';
import { LicenceTypeDefinition } from '../../domain/licence-type-schema';
import { usccCheckChar } from '../../domain/uscc';

const typeNamed = (name: string) => LicenceTypeDefinition.parse(catalogueSeed().find((d) => d.name === name));
const business = typeNamed('营业执照'); // permanent
const food = typeNamed('食品经营许可证'); // fixed term, 5 years

const BODY17 = '91140525MA0K3B7F2';
const USCC = BODY17 + usccCheckChar(BODY17);
const WRONG_CHECK = BODY17 + (usccCheckChar(BODY17) === '0' ? '1' : '0');

const BUSINESS_DATA = catalogueSample(LICENCE_TYPE_NAMES.businessLicence);
const FOOD_DATA = catalogueSample(LICENCE_TYPE_NAMES.foodBusiness);

function body(over: Record<string, unknown> = {}): IssueLicenceBody {
  return IssueLicenceBody.parse({
    licenceType: business.code,
    caseId: 'ZZ-SCJG-2026-0001',
    caseClosedAt: '2026-02-13T10:00:00+08:00',
    licenceNumber: '泽市监字2026第0001号',
    holder: { name: '晋城市丹河煤业有限公司', code: USCC },
    data: BUSINESS_DATA,
    ...over,
  });
}

const problemsOf = (result: ReturnType<typeof planIssuance>) =>
  'problems' in result ? result.problems.map((p) => `${p.field}:${p.rule}`) : [];

describe('planIssuance: dates', () => {
  it('defaults the issue date to the Shanghai day the case closed, and the validity start to the issue date', () => {
    expect(planIssuance(business, body())).toEqual({
      plan: {
        holderCodeType: '001',
        issueDate: '2026-02-13',
        validFrom: '2026-02-13',
        validTo: null,
        legacyCodeWarning: false,
      },
    });
    // 23:30 UTC is already the next day in Shanghai.
    const late = planIssuance(business, body({ caseClosedAt: '2026-02-13T23:30:00Z' }));
    expect(late).toMatchObject({ plan: { issueDate: '2026-02-14', validFrom: '2026-02-14' } });
  });

  it('takes a stated issue date and validity start, and computes a fixed term from the start', () => {
    const result = planIssuance(
      food,
      body({
        licenceType: food.code,
        data: FOOD_DATA,
        issueDate: '2026-02-12',
        validFrom: '2026-03-01',
      }),
    );
    expect(result).toEqual({
      plan: {
        holderCodeType: '001',
        issueDate: '2026-02-12',
        validFrom: '2026-03-01',
        validTo: '2031-02-28',
        legacyCodeWarning: false,
      },
    });
  });

  it('refuses an end date for a fixed-term or permanent type, naming validTo', () => {
    expect(
      problemsOf(
        planIssuance(food, body({ licenceType: food.code, data: FOOD_DATA, validTo: '2031-01-01' })),
      ),
    ).toEqual(['validTo:validity_rule']);
    expect(problemsOf(planIssuance(business, body({ validTo: '2031-01-01' })))).toEqual([
      'validTo:validity_rule',
    ]);
  });
});

describe('planIssuance: the holder’s code (DESIGN §3)', () => {
  it('refuses a malformed USCC', () => {
    for (const code of [
      '91140525MA0K3B7F2',
      '91140525MA0K3B7F2II',
      '9114A525MA0K3B7F2U',
      '91140525MA0K3B7F2-',
    ]) {
      const result = planIssuance(business, body({ holder: { name: '某公司', code } }));
      expect([code, problemsOf(result)]).toEqual([code, ['holder.code:invalid_format']]);
    }
    // A citizen ID has a USCC's shape (X is in its alphabet); its check character gives it away.
    const person = planIssuance(business, body({ holder: { name: '某公司', code: '11010519491231002X' } }));
    expect(problemsOf(person)).toEqual(['holder.code:invalid_check_character']);
  });

  it('refuses a wrong check character, saying which is right', () => {
    const result = planIssuance(business, body({ holder: { name: '某公司', code: WRONG_CHECK } }));
    expect(result).toEqual({
      problems: [
        {
          field: 'holder.code',
          rule: 'invalid_check_character',
          message: expect.stringContaining(`应为 ${USCC[17]}`),
        },
      ],
    });
  });

  it('accepts a wrong check character the business system confirms as a legacy code, and warns', () => {
    const result = planIssuance(
      business,
      body({ holder: { name: '某公司', code: WRONG_CHECK, legacyCodeConfirmed: true } }),
    );
    expect(result).toMatchObject({ plan: { holderCodeType: '001', legacyCodeWarning: true } });
    // The confirmation does not make a malformed code acceptable.
    expect(holderCodeProblem('91140525MA0K3B7F2', '001', true)).toMatchObject({ rule: 'invalid_format' });
    // Nor does it do anything for a code whose check is right.
    expect(
      planIssuance(business, body({ holder: { name: '某公司', code: USCC, legacyCodeConfirmed: true } })),
    ).toMatchObject({ plan: { legacyCodeWarning: false } });
  });

  it('reads the code in upper case', () => {
    expect(body({ holder: { name: '某公司', code: USCC.toLowerCase() } }).holder.code).toBe(USCC);
  });
});

describe('planIssuance: everything at once', () => {
  it('names each data, holder and validity problem in one answer', () => {
    const result = planIssuance(
      business,
      body({
        holder: { name: '某公司', code: WRONG_CHECK },
        validTo: '2030-01-01',
        data: { ...BUSINESS_DATA, legalRepresentative: undefined, establishedDate: '2018-02-30', extra: 'x' },
      }),
    );
    expect(problemsOf(result)).toEqual([
      'data.extra:unrecognized_keys',
      'data.legalRepresentative:required',
      'data.establishedDate:invalid_date',
      'holder.code:invalid_check_character',
      'validTo:validity_rule',
    ]);
  });
});

describe('IssueLicenceBody', () => {
  it('wants the case-closed time with its offset, a case id of safe characters, and no unknown fields', () => {
    const fields = (over: Record<string, unknown>) => {
      const parsed = IssueLicenceBody.safeParse({ ...body(), ...over });
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.') || i.code);
    };
    expect(fields({})).toEqual([]);
    expect(fields({ caseClosedAt: '2026-02-13T10:00:00' })).toEqual(['caseClosedAt']);
    expect(fields({ caseClosedAt: '2026-02-13' })).toEqual(['caseClosedAt']);
    expect(fields({ caseId: 'ZZ 2026 0001' })).toEqual(['caseId']);
    expect(fields({ licenceType: '11100000000013338W1' })).toEqual(['licenceType']);
    expect(fields({ issueDate: '2026-02-30' })).toEqual(['issueDate']);
    expect(fields({ extra: 1 })).toEqual(['unrecognized_keys']);
  });
});

describe('issuanceLateness (LM-9) on the real calendar', () => {
  const calendar = new WorkingCalendar(chineseDaysCalendar());
  const sh = (local: string) => new Date(`${local}+08:00`);

  it('uses the chinese-days seed', () => {
    expect(CALENDAR_SEED_SOURCE).toMatch(/^chinese-days@/);
    expect(calendar.hasDataFor(2026)).toBe(true);
  });

  it('a case closed Fri 2026-02-13 10:00 is due by Sat 2026-02-14 24:00, a make-up working day', () => {
    const closed = sh('2026-02-13T10:00:00');
    const onSaturdayNight = issuanceLateness(calendar, closed, sh('2026-02-14T23:59:00'));
    expect(onSaturdayNight).toEqual({
      deadlineAt: sh('2026-02-15T00:00:00'),
      provisional: false,
      late: false,
    });
    expect(onSaturdayNight.deadlineAt.toISOString()).toBe('2026-02-14T16:00:00.000Z');
    // Exactly at 24:00 is still in time; a moment later is not.
    expect(issuanceLateness(calendar, closed, sh('2026-02-15T00:00:00')).late).toBe(false);
    expect(issuanceLateness(calendar, closed, sh('2026-02-15T00:00:01')).late).toBe(true);
    expect(issuanceLateness(calendar, closed, sh('2026-02-15T09:00:00')).late).toBe(true);
  });

  it('the day of closing does not count, however late in the day the case closed', () => {
    const closedLate = sh('2026-02-13T23:59:00');
    expect(issuanceLateness(calendar, closedLate, sh('2026-02-14T20:00:00'))).toEqual({
      deadlineAt: sh('2026-02-15T00:00:00'),
      provisional: false,
      late: false,
    });
  });

  it('skips the National Day holidays: closed Wed 2026-09-30, due Thu 2026-10-08 24:00', () => {
    const closed = sh('2026-09-30T16:00:00');
    expect(issuanceLateness(calendar, closed, sh('2026-10-07T12:00:00'))).toEqual({
      deadlineAt: sh('2026-10-09T00:00:00'),
      provisional: false,
      late: false,
    });
    expect(issuanceLateness(calendar, closed, sh('2026-10-09T08:00:00')).late).toBe(true);
  });

  it('a deadline in a year without official calendar data is provisional', () => {
    const result = issuanceLateness(calendar, sh('2027-03-05T10:00:00'), sh('2027-03-05T11:00:00'));
    expect(result).toEqual({ deadlineAt: sh('2027-03-09T00:00:00'), provisional: true, late: false });
  });
});
