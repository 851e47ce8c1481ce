/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015) and the organisation code it embeds (GB 11714-1997).
 * Every code used here is checked against an independent reference implementation below, which derives the
 * weights as 3^(i-1) mod 31 (GB 32100 §4.3) instead of copying the table from the source.
 */
import {
  buildUscc,
  checkUscc,
  organisationCodeCheckChar,
  USCC_ALPHABET,
  usccCheckChar,
} from '../../domain/uscc';

const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** GB 32100 §4.3: C18 = 31 − (Σ Ci × Wi mod 31), Wi = 3^(i−1) mod 31; 31 becomes 0. */
function referenceUsccCheck(first17: string): string {
  let sum = 0;
  let weight = 1;
  for (const c of first17) {
    sum += REFERENCE_ALPHABET.indexOf(c) * weight;
    weight = (weight * 3) % 31;
  }
  return REFERENCE_ALPHABET[(31 - (sum % 31)) % 31]!;
}

/** GB 11714 §5: weights 3,7,9,10,5,8,4,2; letters count A=10 … Z=35; C9 = 11 − (Σ mod 11); 10 → X, 11 → 0. */
function referenceOrgCodeCheck(first8: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first8].reduce((s, c, i) => s + parseInt(c, 36) * weights[i]!, 0);
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

/** Codes published by registration authorities (business licences); each is re-verified below. */
const PUBLISHED_CODES = [
  '91350100M000100Y43',
  '91110000802100433B',
  '91440300708461136T',
  '914403001922038216',
  '91110108551385082Q',
  '91110000710935732K',
];

describe('the reference implementation agrees with GB 32100 itself', () => {
  it('derives the weight table 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 as 3^(i-1) mod 31', () => {
    const weights = Array.from({ length: 17 }, (_, i) => 3 ** i % 31);
    expect(weights).toEqual([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]);
  });

  it.each(PUBLISHED_CODES)('finds the published check character of %s', (code) => {
    expect(referenceUsccCheck(code.slice(0, 17))).toBe(code[17]);
    // Characters 9-17 are the GB 11714 organisation code, check included.
    expect(referenceOrgCodeCheck(code.slice(8, 16))).toBe(code[16]);
  });
});

describe('USCC_ALPHABET (GB 32100 §4.2)', () => {
  it('has 31 characters valued 0-30 and leaves out I, O, S, V and Z', () => {
    expect(USCC_ALPHABET).toBe(REFERENCE_ALPHABET);
    expect(USCC_ALPHABET).toHaveLength(31);
    for (const letter of 'IOSVZ') expect(USCC_ALPHABET).not.toContain(letter);
  });
});

describe('usccCheckChar (GB 32100 §4.3)', () => {
  it.each(PUBLISHED_CODES)('computes the check character of the published code %s', (code) => {
    expect(usccCheckChar(code.slice(0, 17))).toBe(code[17]);
  });

  it('maps a remainder of 0 (check value 31) to "0"', () => {
    expect(usccCheckChar('00000000000000000')).toBe('0');
  });

  it('gives the letter for check values above 9 (e.g. 30 → "Y")', () => {
    // Σ = 1 × 1 = 1, so the check value is 31 − 1 = 30, the last letter of the alphabet.
    expect(usccCheckChar('10000000000000000')).toBe('Y');
  });

  it('agrees with the reference implementation for every character in every position', () => {
    for (let position = 0; position < 17; position++) {
      for (const c of USCC_ALPHABET) {
        const body = '91140500MA0K3B7F2'.slice(0, position) + c + '91140500MA0K3B7F2'.slice(position + 1);
        expect(usccCheckChar(body)).toBe(referenceUsccCheck(body));
      }
    }
  });

  it('refuses a body that is not 17 characters long', () => {
    expect(() => usccCheckChar('9135010000000000')).toThrow('17 characters');
    expect(() => usccCheckChar('913501000000000000')).toThrow('17 characters');
  });

  it.each(['I', 'O', 'S', 'V', 'Z', 'a'])('refuses the character %s, which is outside the alphabet', (c) => {
    expect(() => usccCheckChar(`9135010000000000${c}`)).toThrow(`character ${c} is not allowed`);
  });
});

describe('checkUscc', () => {
  it.each(PUBLISHED_CODES)('accepts the published code %s with a correct check', (code) => {
    expect(checkUscc(code)).toEqual({ valid: true, checkOk: true });
  });

  it('keeps a well-formed code with a wrong check valid but warns and gives the expected character (DESIGN §3)', () => {
    // 911100001000000206 is well-formed, but its check character must be U.
    expect(referenceUsccCheck('91110000100000020')).toBe('U');
    expect(checkUscc('911100001000000206')).toEqual({ valid: true, checkOk: false, expected: 'U' });
  });

  it('warns for every wrong check character of a published code', () => {
    const body = PUBLISHED_CODES[0]!.slice(0, 17);
    for (const c of USCC_ALPHABET) {
      if (c === '3') continue;
      expect(checkUscc(body + c)).toEqual({ valid: true, checkOk: false, expected: '3' });
    }
  });

  it.each([
    ['17 characters', '91350100M000100Y4'],
    ['19 characters', '91350100M000100Y433'],
    ['empty', ''],
    ['lower case', '91350100m000100y43'],
    ['letter I', '91350100I000100Y43'],
    ['letter O', '91350100O000100Y43'],
    ['letter S', '91350100S000100Y43'],
    ['letter V', '91350100V000100Y43'],
    ['letter Z', '91350100Z000100Y43'],
    ['letter in the division code (characters 3-8)', '9135A100M000100Y43'],
    ['space', '91350100M000100Y4 '],
    ['hyphen', '91350100-M000100Y4'],
  ])('rejects a malformed code (%s) as invalid', (_why, code) => {
    const result = checkUscc(code);
    expect(result.valid).toBe(false);
    expect(result).toEqual({ valid: false, reason: expect.stringContaining('18位') });
  });
});

describe('organisationCodeCheckChar (GB 11714)', () => {
  it.each(PUBLISHED_CODES)('computes the organisation code check inside %s', (code) => {
    expect(organisationCodeCheckChar(code.slice(8, 16))).toBe(code[16]);
  });

  it('gives X when 11 − (Σ mod 11) is 10', () => {
    // 4 × 3 = 12, 12 mod 11 = 1, 11 − 1 = 10.
    expect(referenceOrgCodeCheck('40000000')).toBe('X');
    expect(organisationCodeCheckChar('40000000')).toBe('X');
  });

  it('gives 0 when 11 − (Σ mod 11) is 11', () => {
    expect(organisationCodeCheckChar('00000000')).toBe('0');
  });

  it('counts letters A=10 … Z=35', () => {
    for (const body of ['M000100Y', 'MA0K3B7F', 'AZ000000', 'ZZZZZZZZ']) {
      expect(organisationCodeCheckChar(body)).toBe(referenceOrgCodeCheck(body));
    }
  });
});

describe('buildUscc', () => {
  it('assembles department, kind, division code, organisation code and check character', () => {
    expect(buildUscc('9', '1', '350100', 'M000100Y')).toBe('91350100M000100Y43');
    expect(buildUscc('9', '1', '440300', '19220382')).toBe('914403001922038216');
  });

  it('builds codes that always pass checkUscc, also when the organisation check is X or 0', () => {
    const bodies = ['40000000', '00000000', '00012000', '00012037', 'MA0K3B7F'];
    expect(organisationCodeCheckChar('40000000')).toBe('X');
    expect(organisationCodeCheckChar('00000000')).toBe('0');
    for (const [department, kind] of [
      ['1', '1'],
      ['5', '2'],
      ['9', '1'],
      ['Y', '1'],
    ] as const) {
      for (const division of ['140000', '140500', '140525']) {
        for (const body of bodies) {
          const code = buildUscc(department, kind, division, body);
          expect(code).toHaveLength(18);
          expect(checkUscc(code)).toEqual({ valid: true, checkOk: true });
          expect(code[17]).toBe(referenceUsccCheck(code.slice(0, 17)));
        }
      }
    }
  });

  it('builds the codes the seed data uses (organisation body "0" + 7 digits)', () => {
    for (let index = 0; index < 40; index++) {
      const code = buildUscc('1', '1', '140500', `0${String(12000 + index * 37).padStart(7, '0')}`);
      expect(checkUscc(code)).toEqual({ valid: true, checkOk: true });
    }
  });
});
