/**
 * Citizen identity number (公民身份号码, GB 11643-1999): 17 digits and a check character computed with
 * ISO 7064 MOD 11-2. The reference below derives the weights as 2^(18-i) mod 11 instead of copying the table.
 */
import { citizenIdCheckChar, isValidCitizenId, maskCitizenId } from '../../domain/citizen-id';

/** GB 11643 §8.2: Wi = 2^(i−1) mod 11 counted from the right (i = 18 … 2); the check a1 solves Σ ≡ 1 (mod 11). */
function referenceCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (2 ** (17 - i) % 11);
  const a1 = (12 - (sum % 11)) % 11;
  return a1 === 10 ? 'X' : String(a1);
}

describe('the reference implementation agrees with GB 11643', () => {
  it('derives the weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2', () => {
    expect(Array.from({ length: 17 }, (_, i) => 2 ** (17 - i) % 11)).toEqual([
      7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2,
    ]);
  });

  it('finds X for the example number of the standard, 11010519491231002X', () => {
    expect(referenceCheck('11010519491231002')).toBe('X');
  });
});

// Numbers with each check character; the check is computed independently, the bodies are ordinary ones.
const BODIES = [
  '11010519491231002',
  '44030819990101001',
  '11010119900307001',
  '14052519850615123',
  '14050220000229456',
  '14000019700101000',
  '31011519881231999',
  '36012419760924355',
  '51010719930812267',
  '14052219661010038',
  '64010420110101271',
];

describe('citizenIdCheckChar (GB 11643 §8.2)', () => {
  it('gives X for the standard example 11010519491231002X', () => {
    expect(citizenIdCheckChar('11010519491231002')).toBe('X');
  });

  it.each(BODIES)('agrees with the reference for %s', (body) => {
    expect(citizenIdCheckChar(body)).toBe(referenceCheck(body));
  });

  it('covers every one of the eleven check characters 0-9 and X', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 200 && seen.size < 11; n++) {
      const body = `140525199001${String(n).padStart(5, '0')}`;
      const check = citizenIdCheckChar(body);
      expect(check).toBe(referenceCheck(body));
      seen.add(check);
    }
    expect([...seen].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
  });

  it.each([
    ['16 digits', '1101051949123100'],
    ['18 digits', '110105194912310021'],
    ['a letter', '1101051949123100A'],
    ['an X before the end', '11010519491231X02'],
  ])('refuses a body with %s', (_why, body) => {
    expect(() => citizenIdCheckChar(body)).toThrow('17 digits');
  });
});

describe('isValidCitizenId', () => {
  it('accepts the standard example 11010519491231002X', () => {
    expect(isValidCitizenId('11010519491231002X')).toBe(true);
  });

  it.each(BODIES.map((b) => b + referenceCheck(b)))('accepts %s, whose check is right', (id) => {
    expect(isValidCitizenId(id)).toBe(true);
  });

  it('rejects each wrong check character', () => {
    for (const body of BODIES) {
      const right = referenceCheck(body);
      for (const wrong of '0123456789X') {
        if (wrong !== right) expect(isValidCitizenId(body + wrong)).toBe(false);
      }
    }
  });

  it('rejects a changed digit (the check catches single-digit errors)', () => {
    const id = '11010519491231002X';
    for (let i = 0; i < 17; i++) {
      const changed = id.slice(0, i) + String((Number(id[i]) + 1) % 10) + id.slice(i + 1);
      expect(isValidCitizenId(changed)).toBe(false);
    }
  });

  it('rejects a lower-case x: the standard writes the check value 10 as upper-case X', () => {
    expect(isValidCitizenId('11010519491231002x')).toBe(false);
  });

  it.each([
    ['17 characters', '11010519491231002'],
    ['19 characters', '11010519491231002X0'],
    ['15 digits (the old first-generation number)', '110105491231002'],
    ['empty', ''],
    ['a letter inside', '1101051949123100AX'],
    ['spaces', ' 11010519491231002X'],
    ['X not last', '1101051949123100X2'],
  ])('rejects a number with %s', (_why, id) => {
    expect(isValidCitizenId(id)).toBe(false);
  });
});

describe('maskCitizenId', () => {
  it('keeps the first 6 (region) and last 4 characters of an 18-character number', () => {
    expect(maskCitizenId('11010519491231002X')).toBe('110105********002X');
  });

  it('keeps the length of the number', () => {
    expect(maskCitizenId('110105491231002')).toBe('110105*****1002');
    expect(maskCitizenId('1234567890')).toBe('1234567890');
  });

  it('hides everything of a value shorter than 10 characters', () => {
    expect(maskCitizenId('123456789')).toBe('*********');
    expect(maskCitizenId('')).toBe('');
  });
});
