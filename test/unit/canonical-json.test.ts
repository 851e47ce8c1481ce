/**
 * JSON canonicalisation per RFC 8785 (JCS). The examples come from RFC 8785 §3.2.2.3 (numbers), §3.2.3 (sorting)
 * and §3.2.4 (a complete example).
 */
import { canonicalJson } from '../../domain/canonical-json';

describe('key sorting (RFC 8785 §3.2.3)', () => {
  it('sorts the keys of the RFC example by UTF-16 code units', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // JSON.parse would reorder the integer-like key "1", so the text itself is compared.
    const output = canonicalJson(input);
    expect(output).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('puts a surrogate pair (U+1F600) before U+FB33, as UTF-16 code units order them (not code points)', () => {
    expect(canonicalJson({ '\ufb33': 1, '\ud83d\ude00': 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
  });

  it('sorts Chinese keys by code unit, not by pinyin or stroke count', () => {
    // 印 U+5370 < 名 U+540D < 章 U+7AE0
    expect(canonicalJson({ 章: 3, 名: 2, 印: 1 })).toBe('{"印":1,"名":2,"章":3}');
  });

  it('sorts upper case before lower case and shorter prefixes first', () => {
    expect(canonicalJson({ b: 1, a: 2, B: 3, ab: 4, '': 5 })).toBe('{"":5,"B":3,"a":2,"ab":4,"b":1}');
  });

  it('does not depend on the insertion order of keys', () => {
    expect(canonicalJson({ x: 1, y: { q: 1, p: 2 } })).toBe(canonicalJson({ y: { p: 2, q: 1 }, x: 1 }));
  });
});

describe('structure', () => {
  it('writes no white space and sorts nested objects, keeping array order', () => {
    const value = {
      property: { validEnd: '2026-01-01', certList: ['b', 'a'], kind: 'business' },
      header: { vid: 'v', id: 'ES', version: 4 },
      list: [{ z: 1, a: [3, 2, 1] }, [], {}],
    };
    expect(canonicalJson(value)).toBe(
      '{"header":{"id":"ES","version":4,"vid":"v"},"list":[{"a":[3,2,1],"z":1},[],{}],' +
        '"property":{"certList":["b","a"],"kind":"business","validEnd":"2026-01-01"}}',
    );
  });

  it('writes literals as null, true and false', () => {
    expect(canonicalJson([null, true, false])).toBe('[null,true,false]');
    expect(canonicalJson(null)).toBe('null');
  });

  it('drops object members whose value is undefined, as JSON.stringify does', () => {
    expect(canonicalJson({ b: undefined, a: 1, c: { d: undefined } })).toBe('{"a":1,"c":{}}');
  });

  it('gives the same text as JSON.parse of itself re-canonicalised (idempotent)', () => {
    const text = canonicalJson({ b: [1, { d: 'x', c: 0.5 }], a: '章' });
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });
});

describe('numbers (RFC 8785 §3.2.2.3, ECMAScript Number serialisation)', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [9007199254740992, '9007199254740992'],
    [1e21, '1e+21'],
    [9.999999999999997e22, '9.999999999999997e+22'],
    [0.000001, '0.000001'],
    [9.999999999999997e-7, '9.999999999999997e-7'],
    [1e20, '100000000000000000000'],
    [0.1, '0.1'],
    [4.5, '4.5'],
    [-1.5, '-1.5'],
  ])('writes %p as %s', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it.each([NaN, Infinity, -Infinity])('refuses the non-finite number %p', (value) => {
    expect(() => canonicalJson(value)).toThrow('non-finite');
    expect(() => canonicalJson({ a: [value] })).toThrow('non-finite');
  });
});

describe('strings (RFC 8785 §3.2.2.2)', () => {
  it('escapes only ", \\ and control characters, with the short forms where JSON has them', () => {
    expect(canonicalJson('"\\\b\f\n\r\t\u0000\u001f\u007f/€')).toBe(
      '"\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u001f\u007f/€"',
    );
  });

  it('writes non-ASCII characters as themselves, not as \\u escapes', () => {
    expect(canonicalJson('晋城市行政审批服务管理局')).toBe('"晋城市行政审批服务管理局"');
  });
});

describe('the complete example of RFC 8785 §3.2.4', () => {
  it('produces the canonical text of the RFC', () => {
    const input = {
      numbers: [333333333.3333333, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });
});

describe('values JSON cannot hold', () => {
  it.each([
    ['a function', () => 1],
    ['a bigint', BigInt(1)],
    ['a symbol', Symbol('s')],
    ['undefined', undefined],
  ])('refuses %s', (_what, value) => {
    expect(() => canonicalJson(value)).toThrow('canonical JSON cannot hold');
  });
});
