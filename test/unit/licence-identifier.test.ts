/**
 * The licence identifier (证照标识, GB/T 36904 shape, DESIGN §3) and its ISO 7064 MOD 37,36 check character: the
 * DESIGN example, generated identifiers round-tripping through parseLicenceIdentifier, and every single changed
 * character or wrong check refused with the reason. The check is re-derived by an independent reference: the
 * standard's validation rule (a string with its check is valid when the recursion ends in 1), not the
 * generator's closed form. (USCC and citizen-ID check characters: test/unit/uscc.test.ts, citizen-id.test.ts.)
 */
import { randomInt } from 'node:crypto';
import {
  formatSerial,
  formatVersion,
  IDENTIFIER_PREFIX,
  licenceIdentifier,
  mod3736CheckChar,
  parseLicenceIdentifier,
} from '../../domain/licence-identifier';
import { buildUscc, USCC_ALPHABET } from '../../domain/uscc';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const EXAMPLE = '1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F';

/**
 * ISO 7064 hybrid system MOD 37,36 validation: run P ← 36; for each character S = (P + a) mod 36 (36 if 0),
 * P = 2S mod 37 — over the payload and then the check character, whose (P + c) mod 36 must be 1.
 */
function referenceValid(payloadWithCheck: string): boolean {
  let p = 36;
  const chars = [...payloadWithCheck];
  const check = chars.pop()!;
  for (const ch of chars) {
    let s = (p + ALPHABET.indexOf(ch)) % 36;
    if (s === 0) s = 36;
    p = (2 * s) % 37;
  }
  return (p + ALPHABET.indexOf(check)) % 36 === 1;
}

/** The one check character the reference accepts for a payload, found by trying all 36. */
function referenceCheck(payload: string): string {
  const valid = [...ALPHABET].filter((c) => referenceValid(payload + c));
  expect(valid).toHaveLength(1);
  return valid[0]!;
}

const randomFrom = (alphabet: string, n: number) =>
  Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
const randomUscc = () => buildUscc('1', '1', '140525', randomFrom('0123456789', 8));

describe('the DESIGN §3 example', () => {
  it('has the check character F', () => {
    const payload = '11100000000013338W032' + '11220000013544541J' + '2430599' + '001';
    expect(mod3736CheckChar(payload)).toBe('F');
    expect(referenceCheck(payload)).toBe('F');
  });

  it('parses into its parts', () => {
    expect(parseLicenceIdentifier(EXAMPLE)).toEqual({
      ok: true,
      parts: {
        typeCode: '11100000000013338W032',
        issuerCode: '11220000013544541J',
        serial: '2430599',
        version: 1,
      },
      check: 'F',
    });
  });

  it('is rebuilt from its parts', () => {
    expect(
      licenceIdentifier({
        typeCode: '11100000000013338W032',
        issuerCode: '11220000013544541J',
        serial: '2430599',
        version: 1,
      }),
    ).toBe(EXAMPLE);
  });

  it('is read case-insensitively and with surrounding spaces', () => {
    expect(parseLicenceIdentifier(` ${EXAMPLE.toLowerCase()} `)).toMatchObject({ ok: true, check: 'F' });
  });
});

describe('generated identifiers', () => {
  it('carry the check character the reference accepts, and round-trip through parseLicenceIdentifier', () => {
    for (let i = 0; i < 500; i++) {
      const parts = {
        typeCode: randomFrom(USCC_ALPHABET, 18) + randomFrom('0123456789', 3),
        issuerCode: randomUscc(),
        serial: i % 2 ? formatSerial(1 + randomInt(9_999_999)) : randomFrom('0123456789', 7 + randomInt(6)),
        version: 1 + randomInt(999),
      };
      const identifier = licenceIdentifier(parts);
      const segments = identifier.split('.');
      expect(segments.slice(0, 5).join('.')).toBe(IDENTIFIER_PREFIX);
      expect(segments[8]).toBe(formatVersion(parts.version));
      const check = segments[9]!;
      expect(check).toBe(referenceCheck(parts.typeCode + parts.issuerCode + parts.serial + segments[8]));
      expect(parseLicenceIdentifier(identifier)).toEqual({ ok: true, parts, check });
    }
  });

  it('covers every check character of the alphabet', () => {
    const seen = new Set<string>();
    for (let serial = 1; seen.size < 36 && serial < 5000; serial++) {
      seen.add(mod3736CheckChar(`11100000000013338W00111220000013544541J${formatSerial(serial)}001`));
    }
    expect([...seen].sort().join('')).toBe(ALPHABET);
  });
});

describe('refused identifiers', () => {
  it('every other check character is refused, naming the right one', () => {
    for (const wrong of ALPHABET) {
      if (wrong === 'F') continue;
      expect(parseLicenceIdentifier(EXAMPLE.slice(0, -1) + wrong)).toEqual({
        ok: false,
        reason: '校验位错误：应为 F',
      });
    }
  });

  it('any single changed character of type code, issuer code, serial or version is caught by the check', () => {
    const [, typeCode, issuerCode, serial, version] = EXAMPLE.slice(IDENTIFIER_PREFIX.length).split('.');
    const segments = { typeCode: typeCode!, issuerCode: issuerCode!, serial: serial!, version: version! };
    let tried = 0;
    for (const [name, value] of Object.entries(segments)) {
      for (let i = 0; i < value.length; i++) {
        // A replacement of the same class keeps the shape valid, so only the check can catch it.
        const digit = /\d/.test(value[i]!);
        const pool = digit ? '0123456789' : USCC_ALPHABET.replace(/\d/g, '');
        for (const c of pool) {
          if (c === value[i]) continue;
          const changed = { ...segments, [name]: value.slice(0, i) + c + value.slice(i + 1) };
          if (changed.version === '000') continue;
          const text = [IDENTIFIER_PREFIX, ...Object.values(changed), 'F'].join('.');
          const parsed = parseLicenceIdentifier(text);
          expect(parsed.ok).toBe(false);
          expect(!parsed.ok && parsed.reason).toMatch(/^校验位错误：应为 [0-9A-Z]$/);
          tried++;
        }
      }
    }
    expect(tried).toBeGreaterThan(400);
  });

  it.each([
    [
      'another prefix',
      EXAMPLE.replace('1.2.156.3005.2', '1.2.156.3005.1'),
      '证照标识应以 1.2.156.3005.2. 开头',
    ],
    [
      'a missing segment',
      EXAMPLE.replace('.2430599', ''),
      '证照标识应为 前缀.类型代码.颁发机构代码.流水号.版本号.校验位',
    ],
    [
      'a 20-character type code',
      EXAMPLE.replace('W032', 'W32'),
      '证照类型代码应为 21 位（统一社会信用代码 + 3 位顺序号）',
    ],
    [
      'a letter the USCC alphabet leaves out',
      EXAMPLE.replace('541J', '541I'),
      '颁发机构代码应为 18 位统一社会信用代码',
    ],
    ['a 6-digit serial', EXAMPLE.replace('2430599', '243059'), '流水号应为 7 至 12 位数字'],
    ['a 13-digit serial', EXAMPLE.replace('2430599', '2430599000000'), '流水号应为 7 至 12 位数字'],
    ['version 000', EXAMPLE.replace('.001.', '.000.'), '版本号应为 001 至 999'],
    ['a 2-digit version', EXAMPLE.replace('.001.', '.01.'), '版本号应为 001 至 999'],
    ['a two-character check', `${EXAMPLE}F`, '校验位应为一位数字或字母'],
    ['a punctuation check', EXAMPLE.replace(/F$/, '-'), '校验位应为一位数字或字母'],
  ])('%s is refused with its reason', (_why, text, reason) => {
    expect(parseLicenceIdentifier(text)).toEqual({ ok: false, reason });
  });
});

describe('formatting', () => {
  it('pads versions to 3 and serials to at least 7 digits, refusing what does not fit', () => {
    expect(formatVersion(1)).toBe('001');
    expect(formatVersion(999)).toBe('999');
    for (const bad of [0, 1000, 1.5, -1]) expect(() => formatVersion(bad)).toThrow('out of range');
    expect(formatSerial(42)).toBe('0000042');
    expect(formatSerial(123456789)).toBe('123456789');
    for (const bad of [0, -5, 2.5]) expect(() => formatSerial(bad)).toThrow('out of range');
  });

  it('computes the check only over 0-9A-Z', () => {
    expect(mod3736CheckChar('abc')).toBe(mod3736CheckChar('ABC'));
    expect(() => mod3736CheckChar('12.3')).toThrow('outside 0-9A-Z');
  });
});
