/**
 * The issuance checks a business system's request meets (domain/licence-issuance.ts) for a natural person's
 * licence (居民身份证: a citizen ID with its GB 11643 check character, a stated validity end), which the API
 * tests cannot reach without a public security bureau's account; and the pure licence access rule
 * (api/services/licence-access.ts decideLicenceAccess).
 */
import { decideLicenceAccess, LicenceAccessFacts } from '../../api/services/licence-access';
import { catalogueSeed } from '../../db/licence-catalogue-seed';
import { citizenIdCheckChar } from '../../domain/citizen-id';
import { planIssuance } from '../../domain/licence-issuance';
import { IssueLicenceBody } from '../../domain/licence-issuance-schema';
import { LicenceTypeDefinition } from '../../domain/licence-type-schema';

const identityCard = LicenceTypeDefinition.parse(catalogueSeed().find((d) => d.name === '居民身份证'));
const FIRST17 = '14052519900315123';
const VALID_ID = FIRST17 + citizenIdCheckChar(FIRST17);
const WRONG_ID = FIRST17 + (citizenIdCheckChar(FIRST17) === '0' ? '1' : '0');

function body(over: Partial<IssueLicenceBody> = {}): IssueLicenceBody {
  return IssueLicenceBody.parse({
    licenceType: identityCard.code,
    caseId: 'ZZ-GA-2026-0001',
    caseClosedAt: '2026-11-27T10:30:00+08:00',
    licenceNumber: VALID_ID,
    holder: { name: '张伟', code: VALID_ID },
    validTo: '2046-11-26',
    data: {
      gender: '男',
      ethnicity: '汉',
      birthDate: '1990-03-15',
      address: '山西省晋城市泽州县巴公镇东四义村',
    },
    ...over,
  });
}

describe('planIssuance for a 居民身份证', () => {
  it('accepts a citizen ID with its check character and plans the dates', () => {
    expect(planIssuance(identityCard, body())).toEqual({
      plan: {
        holderCodeType: '111',
        issueDate: '2026-11-27',
        validFrom: '2026-11-27',
        validTo: '2046-11-26',
        legacyCodeWarning: false,
      },
    });
  });

  it('refuses a citizen ID with a wrong check character, naming holder.code', () => {
    const result = planIssuance(identityCard, body({ holder: { name: '张伟', code: WRONG_ID } }));
    expect(result).toEqual({
      problems: [{ field: 'holder.code', rule: 'invalid_check_character', message: expect.any(String) }],
    });
  });

  it('refuses a USCC-shaped code for a natural person, and a missing end date for an until-date type', () => {
    const result = planIssuance(
      identityCard,
      body({ holder: { name: '张伟', code: '91140525MA0K7L2X5Q' }, validTo: undefined }),
    );
    expect('problems' in result && result.problems.map((p) => [p.field, p.rule])).toEqual([
      ['holder.code', 'invalid_format'],
      ['validTo', 'validity_rule'],
    ]);
  });
});

describe('decideLicenceAccess', () => {
  const none: LicenceAccessFacts = { issuerStaff: false, overseer: false, holder: false, grant: null };

  it('gives the issuing unit, the overseeing management unit and the holder full access', () => {
    expect(decideLicenceAccess({ ...none, issuerStaff: true })).toEqual({
      allowed: true,
      full: true,
      basis: 'issuer',
    });
    expect(decideLicenceAccess({ ...none, overseer: true })).toMatchObject({ full: true, basis: 'overseer' });
    expect(decideLicenceAccess({ ...none, holder: true })).toMatchObject({ full: true, basis: 'holder' });
  });

  it('gives a using unit masked access unless its usage list grants full data', () => {
    expect(decideLicenceAccess({ ...none, grant: { fullData: false } })).toEqual({
      allowed: true,
      full: false,
      basis: 'using_unit',
    });
    expect(decideLicenceAccess({ ...none, grant: { fullData: true } })).toMatchObject({ full: true });
    // Full access wins over a masked grant held by the same caller's unit.
    expect(decideLicenceAccess({ ...none, holder: true, grant: { fullData: false } })).toMatchObject({
      full: true,
      basis: 'holder',
    });
  });

  it('refuses everyone else', () => {
    expect(decideLicenceAccess(none)).toEqual({ allowed: false, reason: expect.stringContaining('无权') });
  });
});
