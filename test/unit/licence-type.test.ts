/**
 * The licence catalogue's pure rules (domain/licence-type.ts, domain/licence.ts; LM-6): what a type definition
 * must satisfy beyond its shape, licence data against a type's data items (every item type and rule), masking of
 * sensitive items and of a holder, and the validity end under each rule, month ends included.
 */
import { catalogueSeed } from '../../db/licence-catalogue-seed';
import { addMonths, validityEnd, validityRuleLabel } from '../../domain/licence';
import {
  dataProblems,
  isRealDate,
  LicenceTypeDefinitionInput,
  maskData,
  maskHolderCode,
  maskHolderName,
  maskValue,
} from '../../domain/licence-type';
import { DataItem, LicenceTypeDefinition } from '../../domain/licence-type-schema';

const item = (over: Partial<DataItem> & Pick<DataItem, 'key' | 'type'>): DataItem =>
  DataItem.parse({ label: over.key, required: false, ...over });

function definition(over: Partial<LicenceTypeDefinitionInput> = {}): LicenceTypeDefinitionInput {
  return {
    code: '11100000000013338W050',
    name: '药品经营许可证',
    definingAuthority: { name: '国家市场监督管理总局', code: '11100000000013338W', level: 'national' },
    issuingUnitIds: ['zz-amr'],
    holderCategory: 'legal_person',
    dataItems: [
      { key: 'legalRepresentative', label: '法定代表人', type: 'string', required: true },
      { key: 'scope', label: '经营范围', type: 'enum', required: true, enumValues: ['处方药', '非处方药'] },
    ],
    face: { template: '<p>{{data.scope}}</p>' },
    sealKind: 'business',
    validity: { kind: 'fixed_term', years: 5 },
    ...over,
  };
}

/** The issue paths of a definition that does not parse. */
function issuePaths(input: unknown): string[] {
  const result = LicenceTypeDefinition.safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => i.path.join('.'));
}

describe('LicenceTypeDefinition', () => {
  it('accepts each seeded type and fills in the defaults', () => {
    for (const seeded of catalogueSeed()) expect(LicenceTypeDefinition.safeParse(seeded).success).toBe(true);
    const parsed = LicenceTypeDefinition.parse(definition());
    expect(parsed.validity).toEqual({ kind: 'fixed_term', years: 5, months: 0 });
    expect(parsed.serviceItems).toEqual([]);
    expect(parsed.reminderDaysBeforeExpiry).toEqual([]);
    expect(parsed.face).toEqual({ template: '<p>{{data.scope}}</p>', background: '#fffdf5', sample: {} });
    expect(parsed.dataItems.map((d) => d.sensitive)).toEqual([false, false]);
  });

  it('wants a 21-character code: the defining body’s USCC and a 3-digit sequence', () => {
    expect(issuePaths(definition({ code: '11100000000013338W05' }))).toContain('code');
    expect(issuePaths(definition({ code: '11100000000013338W0501' }))).toContain('code');
    expect(issuePaths(definition({ code: '11100000000013338WABC' }))).toContain('code');
    // I is not in the USCC alphabet.
    expect(issuePaths(definition({ code: '1110000000001333IW050' }))).toContain('code');
  });

  it('wants the code to start with the defining authority’s code', () => {
    const result = LicenceTypeDefinition.safeParse(definition({ code: '11100000000019713D050' }));
    expect(result.error!.issues).toEqual([
      expect.objectContaining({
        path: ['code'],
        message: '类型代码的前 18 位应为定义机构的统一社会信用代码',
      }),
    ]);
  });

  it('refuses a data-item key used twice, naming the second', () => {
    const twice = { key: 'scope', label: '范围', type: 'string', required: false } as const;
    const result = LicenceTypeDefinition.safeParse(
      definition({ dataItems: [twice, { ...twice, label: '另一个' }, { ...twice, key: 'other' }] }),
    );
    expect(result.error!.issues).toEqual([
      expect.objectContaining({ path: ['dataItems', 1, 'key'], message: '数据项标识“scope”重复' }),
    ]);
  });

  it('wants an enum item to list its values and a sensitive item to say how it is masked', () => {
    expect(
      issuePaths(definition({ dataItems: [{ key: 'scope', label: '范围', type: 'enum', required: true }] })),
    ).toEqual(['dataItems.0.enumValues']);
    expect(
      issuePaths(
        definition({
          dataItems: [{ key: 'scope', label: '范围', type: 'enum', required: true, enumValues: [] }],
        }),
      ),
    ).toEqual(['dataItems.0.enumValues']);
    expect(
      issuePaths(
        definition({
          dataItems: [{ key: 'principal', label: '负责人', type: 'string', required: true, sensitive: true }],
        }),
      ),
    ).toEqual(['dataItems.0.mask']);
  });

  it('refuses a key that is not an identifier, a pattern that does not compile and a background with a URL', () => {
    expect(
      issuePaths(
        definition({ dataItems: [{ key: 'Legal rep', label: '法人', type: 'string', required: true }] }),
      ),
    ).toEqual(['dataItems.0.key']);
    expect(
      issuePaths(
        definition({
          dataItems: [{ key: 'phone', label: '电话', type: 'string', required: false, pattern: '(\\d+' }],
        }),
      ),
    ).toEqual(['dataItems.0.pattern']);
    expect(
      issuePaths(definition({ face: { template: 'x', background: 'url(https://evil.example/x.png)' } })),
    ).toEqual(['face.background']);
  });

  it('refuses unknown keys, no issuing unit, no data items and a fixed term of 12 months', () => {
    expect(issuePaths({ ...definition(), colour: 'red' })).toEqual(['']);
    expect(issuePaths(definition({ issuingUnitIds: [] }))).toEqual(['issuingUnitIds']);
    expect(issuePaths(definition({ dataItems: [] }))).toEqual(['dataItems']);
    expect(issuePaths(definition({ validity: { kind: 'fixed_term', years: 1, months: 12 } }))).toEqual([
      'validity.months',
    ]);
  });
});

describe('dataProblems', () => {
  const fields = (items: DataItem[], data: unknown) =>
    dataProblems(items, data).map((p) => `${p.field}:${p.rule}`);

  it('wants an object', () => {
    for (const data of [null, 'text', 42, ['a']]) {
      expect(fields([], data)).toEqual(['data:invalid_type']);
    }
  });

  it('refuses keys the type does not have', () => {
    expect(fields([item({ key: 'a', type: 'string' })], { a: 'x', b: 'y' })).toEqual([
      'data.b:unrecognized_keys',
    ]);
  });

  it('wants required items, counting null and the empty string as missing; optional ones may be left out', () => {
    const items = [item({ key: 'a', type: 'string', required: true }), item({ key: 'b', type: 'integer' })];
    expect(fields(items, {})).toEqual(['data.a:required']);
    expect(fields(items, { a: null })).toEqual(['data.a:required']);
    expect(fields(items, { a: '' })).toEqual(['data.a:required']);
    expect(fields(items, { a: 'x', b: null })).toEqual([]);
    expect(dataProblems(items, {})[0]!.message).toBe('a为必填项');
  });

  it('checks integers, numbers and booleans by their JSON type', () => {
    const integer = [item({ key: 'n', type: 'integer' })];
    expect(fields(integer, { n: 3 })).toEqual([]);
    expect(fields(integer, { n: -3 })).toEqual([]);
    expect(fields(integer, { n: 3.5 })).toEqual(['data.n:invalid_type']);
    expect(fields(integer, { n: '3' })).toEqual(['data.n:invalid_type']);
    const number = [item({ key: 'x', type: 'number' })];
    expect(fields(number, { x: 118.6 })).toEqual([]);
    expect(fields(number, { x: Number.POSITIVE_INFINITY })).toEqual(['data.x:invalid_type']);
    expect(fields(number, { x: Number.NaN })).toEqual(['data.x:invalid_type']);
    expect(fields(number, { x: '118.6' })).toEqual(['data.x:invalid_type']);
    const flag = [item({ key: 'f', type: 'boolean' })];
    expect(fields(flag, { f: false })).toEqual([]);
    expect(fields(flag, { f: 'true' })).toEqual(['data.f:invalid_type']);
  });

  it('wants text items as strings', () => {
    for (const type of ['string', 'text', 'date', 'enum'] as const) {
      const items = [item({ key: 'v', type, ...(type === 'enum' ? { enumValues: ['1'] } : {}) })];
      expect(fields(items, { v: 1 })).toEqual(['data.v:invalid_type']);
    }
  });

  it('wants real calendar dates written YYYY-MM-DD', () => {
    const items = [item({ key: 'd', type: 'date' })];
    expect(fields(items, { d: '2024-02-29' })).toEqual([]);
    for (const bad of ['2026-02-29', '2026-02-30', '2026-13-01', '2026-2-3', '2026/02/03', '20260203']) {
      expect(fields(items, { d: bad })).toEqual(['data.d:invalid_date']);
    }
    expect(isRealDate('2000-02-29')).toBe(true);
    expect(isRealDate('1900-02-29')).toBe(false);
  });

  it('wants an enum value from the list, exactly', () => {
    const items = [item({ key: 'g', type: 'enum', enumValues: ['男', '女'] })];
    expect(fields(items, { g: '女' })).toEqual([]);
    expect(fields(items, { g: '女 ' })).toEqual(['data.g:invalid_value']);
    expect(dataProblems(items, { g: '未知' })[0]!.message).toBe('g应为以下之一：男、女');
  });

  it('limits length in characters, not bytes: 200 for text by default, 2000 for long text, or maxLength', () => {
    const short = [item({ key: 's', type: 'string' })];
    expect(fields(short, { s: '字'.repeat(200) })).toEqual([]);
    expect(fields(short, { s: '字'.repeat(201) })).toEqual(['data.s:too_big']);
    const long = [item({ key: 't', type: 'text' })];
    expect(fields(long, { t: 'a'.repeat(2000) })).toEqual([]);
    expect(fields(long, { t: 'a'.repeat(2001) })).toEqual(['data.t:too_big']);
    const capped = [item({ key: 'c', type: 'string', maxLength: 3 })];
    // An emoji outside the BMP is one character (two UTF-16 units).
    expect(fields(capped, { c: '😀😀😀' })).toEqual([]);
    expect(fields(capped, { c: '张三丰四' })).toEqual(['data.c:too_big']);
  });

  it('matches a pattern against the whole value, alternatives included', () => {
    const phone = [item({ key: 'p', type: 'string', pattern: '\\d{5,12}' })];
    expect(fields(phone, { p: '12315' })).toEqual([]);
    expect(fields(phone, { p: '1231' })).toEqual(['data.p:invalid_format']);
    expect(fields(phone, { p: 'tel12315' })).toEqual(['data.p:invalid_format']);
    expect(fields(phone, { p: '12315x' })).toEqual(['data.p:invalid_format']);
    const either = [item({ key: 'e', type: 'string', pattern: 'A|B' })];
    expect(fields(either, { e: 'B' })).toEqual([]);
    expect(fields(either, { e: 'AB' })).toEqual(['data.e:invalid_format']);
  });

  it('reports every problem at once, in the order of the schema after unknown keys', () => {
    const [seed] = catalogueSeed().filter((d) => d.name === '营业执照');
    const business = LicenceTypeDefinition.parse(seed);
    const problems = fields(business.dataItems, {
      entityType: '独角兽企业',
      establishedDate: '2018-02-30',
      extra: 1,
    });
    expect(problems).toEqual([
      'data.extra:unrecognized_keys',
      'data.entityType:invalid_value',
      'data.legalRepresentative:required',
      'data.registeredCapital:required',
      'data.establishedDate:invalid_date',
      'data.businessTerm:required',
      'data.address:required',
      'data.businessScope:required',
    ]);
  });
});

describe('masking', () => {
  it('keeps the leading and trailing characters the rule says and stars the rest', () => {
    expect(maskValue('11010519491231002X', { keepStart: 6, keepEnd: 4 })).toBe('110105********002X');
    expect(maskValue('王志刚', { keepStart: 1, keepEnd: 0 })).toBe('王**');
    expect(maskValue('山西省晋城市泽州县巴公镇', { keepStart: 6, keepEnd: 0 })).toBe('山西省晋城市******');
    expect(maskValue('13800138000', { keepStart: 3, keepEnd: 4 })).toBe('138****8000');
    expect(maskValue('secret', { keepStart: 0, keepEnd: 0 })).toBe('******');
  });

  it('hides something of a value too short for the rule: all but the first character', () => {
    expect(maskValue('王五', { keepStart: 1, keepEnd: 1 })).toBe('王*');
    expect(maskValue('1990', { keepStart: 4, keepEnd: 0 })).toBe('1***');
    expect(maskValue('张', { keepStart: 1, keepEnd: 0 })).toBe('*');
    expect(maskValue('', { keepStart: 1, keepEnd: 0 })).toBe('*');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(maskValue('😀ab😀', { keepStart: 1, keepEnd: 1 })).toBe('😀**😀');
  });

  it('masks only the sensitive items, by their own rules, without touching the input', () => {
    const [seed] = catalogueSeed().filter((d) => d.name === '居民身份证');
    const idCard = LicenceTypeDefinition.parse(seed);
    const data = {
      gender: '男',
      ethnicity: '汉',
      birthDate: '1990-03-15',
      address: '山西省晋城市泽州县巴公镇',
    };
    const copy = { ...data };
    expect(maskData(idCard.dataItems, data)).toEqual({
      gender: '男',
      ethnicity: '汉',
      birthDate: '1990******',
      address: '山西省晋城市******',
    });
    expect(data).toEqual(copy);
  });

  it('masks non-text sensitive values as text, leaves absent ones absent, and defaults to the first character', () => {
    const items = [
      item({ key: 'area', type: 'number', sensitive: true, mask: { keepStart: 1, keepEnd: 0 } }),
      item({ key: 'note', type: 'string', sensitive: true, mask: { keepStart: 2, keepEnd: 0 } }),
    ];
    expect(maskData(items, { area: 118.6 })).toStrictEqual({ area: '1****' });
    // A sensitive item without a rule (not possible through the schema) still hides all but the first character.
    const bare = [{ ...items[1]!, mask: undefined }];
    expect(maskData(bare, { note: '机密内容' })).toEqual({ note: '机***' });
  });

  it('masks a citizen ID as 6 + 4 and a natural person’s name to the surname; organisations stay readable', () => {
    expect(maskHolderCode('11010519491231002X', '111')).toBe('110105********002X');
    expect(maskHolderCode('91140525MA0K3B7F2U', '001')).toBe('91140525MA0K3B7F2U');
    expect(maskHolderName('张伟', 'natural_person')).toBe('张*');
    expect(maskHolderName('欧阳娜娜', 'natural_person')).toBe('欧***');
    expect(maskHolderName('晋城市丹河煤业有限公司', 'legal_person')).toBe('晋城市丹河煤业有限公司');
    expect(maskHolderName('晋城市示例协会', 'other_organisation')).toBe('晋城市示例协会');
  });
});

describe('validityEnd', () => {
  it('a fixed term ends the day before the anniversary', () => {
    expect(validityEnd({ kind: 'fixed_term', years: 5, months: 0 }, '2026-11-27', undefined)).toEqual({
      validTo: '2031-11-26',
    });
    expect(validityEnd({ kind: 'fixed_term', years: 0, months: 6 }, '2026-01-01', undefined)).toEqual({
      validTo: '2026-06-30',
    });
    expect(validityEnd({ kind: 'fixed_term', years: 1, months: 6 }, '2026-08-15', undefined)).toEqual({
      validTo: '2028-02-14',
    });
    expect(validityEnd({ kind: 'fixed_term', years: 0, months: 1 }, '2026-03-01', undefined)).toEqual({
      validTo: '2026-03-31',
    });
  });

  it('where the end month has no such day, a fixed term runs to that month’s last day (month-end clamping)', () => {
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-12-31', 2)).toBe('2027-02-28');
    expect(validityEnd({ kind: 'fixed_term', years: 1, months: 0 }, '2024-02-29', undefined)).toEqual({
      validTo: '2025-02-28',
    });
    expect(validityEnd({ kind: 'fixed_term', years: 4, months: 0 }, '2024-02-29', undefined)).toEqual({
      validTo: '2028-02-28',
    });
    expect(validityEnd({ kind: 'fixed_term', years: 0, months: 1 }, '2026-01-31', undefined)).toEqual({
      validTo: '2026-02-28',
    });
    expect(validityEnd({ kind: 'fixed_term', years: 0, months: 1 }, '2026-03-31', undefined)).toEqual({
      validTo: '2026-04-30',
    });
    expect(validityEnd({ kind: 'fixed_term', years: 0, months: 1 }, '2026-01-30', undefined)).toEqual({
      validTo: '2026-02-28',
    });
  });

  it('a fixed term is computed by the platform: a stated end date is refused', () => {
    expect(validityEnd({ kind: 'fixed_term', years: 5, months: 0 }, '2026-11-27', '2031-11-26')).toEqual({
      problem: '该证照类型的有效期为固定期限，由平台计算，不应填写有效期截止日期',
    });
  });

  it('until_date takes the stated date, which is required and not before the start', () => {
    const rule = { kind: 'until_date' } as const;
    expect(validityEnd(rule, '2026-11-27', '2046-11-26')).toEqual({ validTo: '2046-11-26' });
    expect(validityEnd(rule, '2026-11-27', '2026-11-27')).toEqual({ validTo: '2026-11-27' });
    expect(validityEnd(rule, '2026-11-27', undefined)).toEqual({ problem: '该证照类型须填写有效期截止日期' });
    expect(validityEnd(rule, '2026-11-27', '2026-11-26')).toEqual({
      problem: '有效期截止日期不能早于起始日期',
    });
  });

  it('permanent has no end (长期) and refuses a stated one', () => {
    expect(validityEnd({ kind: 'permanent' }, '2026-11-27', undefined)).toEqual({ validTo: null });
    expect(validityEnd({ kind: 'permanent' }, '2026-11-27', '2030-01-01')).toEqual({
      problem: '该证照类型长期有效，不应填写有效期截止日期',
    });
  });

  it('labels each rule in Chinese', () => {
    expect(validityRuleLabel({ kind: 'fixed_term', years: 5, months: 0 })).toBe('固定期限 5 年');
    expect(validityRuleLabel({ kind: 'fixed_term', years: 1, months: 6 })).toBe('固定期限 1 年6 个月');
    expect(validityRuleLabel({ kind: 'fixed_term', years: 0, months: 6 })).toBe('固定期限 6 个月');
    expect(validityRuleLabel({ kind: 'until_date' })).toBe('至指定日期');
    expect(validityRuleLabel({ kind: 'permanent' })).toBe('长期有效');
  });
});
