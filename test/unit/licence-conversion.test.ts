/**
 * Issue 19 (LM-10): the pure rules of legacy conversion — the mapping's checks, one row's check against the type
 * (the same rules as an issuance), the dates a ledger writes, the rejected rows' CSV (read back with csv-parse, an
 * independent parser), the progress figures, and the seal-use request's larger use count for a conversion only.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { catalogueSample, catalogueSeed, LICENCE_TYPE_NAMES } from '../../db/licence-catalogue-seed';
import { conversionSealDocumentTitle, isLicenceDocumentTitle } from '../../domain/licence';
import {
  checkConversionRow,
  conversionProgress,
  mappingProblems,
  normaliseDate,
  rejectedRowsCsv,
  suggestMapping,
} from '../../domain/licence-conversion';
import { LicenceTypeDefinition } from '../../domain/licence-type-schema';
import { SealUseRequestBody } from '../../domain/seal-use-schema';
import { buildUscc } from '../../domain/uscc';

const business = LicenceTypeDefinition.parse(
  catalogueSeed().find((d) => d.name === LICENCE_TYPE_NAMES.businessLicence),
);
const sample = catalogueSample(LICENCE_TYPE_NAMES.businessLicence);
const USCC = buildUscc('9', '1', '140525', 'MA0K3P7Q');
const columns = ['编号', '名称', '代码', '发证日期', ...business.dataItems.map((i) => i.label)];
const mapping: Record<string, string> = {
  licenceNumber: '编号',
  holderName: '名称',
  holderCode: '代码',
  issueDate: '发证日期',
  ...Object.fromEntries(business.dataItems.map((i) => [`data.${i.key}`, i.label])),
};
const goodCells = (): Record<string, string> => ({
  编号: '晋泽工商001',
  名称: '晋城市丹河煤业有限公司',
  代码: USCC,
  发证日期: '2014年3月9日',
  ...Object.fromEntries(business.dataItems.map((i) => [i.label, String(sample[i.key])])),
});
const TODAY = '2026-12-02';

describe('the mapping (LM-10)', () => {
  it('is suggested from column names equal to the labels, and then complete', () => {
    const suggested = suggestMapping(business, ['原证照编号', ...business.dataItems.map((i) => i.label)]);
    expect(suggested['data.legalRepresentative']).toBe('法定代表人');
    expect(mappingProblems(business, mapping, columns)).toEqual([]);
  });

  it('names a column the file lacks, an unknown target and every required field left unmapped', () => {
    const { issueDate: _dropped, ...rest } = mapping;
    const problems = mappingProblems(
      business,
      { ...rest, holderName: '单位名称', 'data.colour': '名称' },
      columns,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'mapping.holderName', rule: 'missing_column', message: '文件中没有“单位名称”列' },
        expect.objectContaining({ field: 'mapping.data.colour', rule: 'unknown_target' }),
        expect.objectContaining({ field: 'mapping.issueDate', rule: 'required' }),
      ]),
    );
  });
});

describe('one row against the type', () => {
  it('passes with the original issue date, the holder code type and the validity the type gives', () => {
    const check = checkConversionRow(business, mapping, 2, goodCells(), TODAY);
    expect(check).toEqual({
      ok: true,
      row: expect.objectContaining({
        rowNumber: 2,
        licenceNumber: '晋泽工商001',
        issueDate: '2014-03-09',
        validFrom: '2014-03-09',
        validTo: null,
        holder: { name: '晋城市丹河煤业有限公司', code: USCC, codeType: '001' },
      }),
    });
  });

  it.each([
    ['代码', USCC.slice(0, 17) + (USCC.endsWith('0') ? '1' : '0'), 'holderCode', 'invalid_check_character'],
    ['名称', '', 'holderName', 'required'],
    ['发证日期', '2015-02-30', 'issueDate', 'invalid_date'],
    ['发证日期', '2999-01-01', 'issueDate', 'in_future'],
    ['类型', '合伙社', 'data.entityType', 'invalid_value'],
    ['成立日期', '昨天', 'data.establishedDate', 'invalid_date'],
  ])('refuses %s = %p naming %s and %s', (column, value, field, rule) => {
    const cells = { ...goodCells(), [column]: value };
    const check = checkConversionRow(business, mapping, 7, cells, TODAY);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problems).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it('reads the dates ledgers write', () => {
    expect(normaliseDate('2016/5/20')).toBe('2016-05-20');
    expect(normaliseDate('2016.05.20')).toBe('2016-05-20');
    expect(normaliseDate('2016年5月20日')).toBe('2016-05-20');
    expect(normaliseDate('2016-02-30')).toBeNull();
    expect(normaliseDate('20/5/2016')).toBeNull();
  });
});

it('the rejected rows come back as CSV with the original columns, the row number and the reasons', () => {
  const csv = rejectedRowsCsv(
    ['编号', '名称'],
    [
      {
        rowNumber: 5,
        cells: { 编号: 'A,1', 名称: '带"引号"的名称' },
        problems: [{ field: 'holderCode', rule: 'required', message: '持证主体代码为必填项' }],
      },
    ],
  );
  expect(csv.startsWith('\uFEFF')).toBe(true);
  const records = parseCsv(csv, { bom: true, columns: true }) as Array<Record<string, string>>;
  expect(records).toEqual([
    { 编号: 'A,1', 名称: '带"引号"的名称', 原文件行号: '5', 问题: 'holderCode: 持证主体代码为必填项' },
  ]);
});

it('progress: the share done, the rate and the time left from the rows done so far', () => {
  expect(conversionProgress({ totalRows: 1000, doneRows: 250, startedAtMs: 0, nowMs: 5000 })).toEqual({
    percent: 25,
    ratePerSecond: 50,
    secondsLeft: 15,
  });
  expect(conversionProgress({ totalRows: 1000, doneRows: 0, startedAtMs: 0, nowMs: 5000 })).toEqual({
    percent: 0,
    ratePerSecond: null,
    secondsLeft: null,
  });
});

describe('the conversion authorisation (SM-12)', () => {
  const request = (title: string, maxUses: number) => ({
    sealId: 's',
    documents: [{ title }],
    maxUses,
    validFrom: '2026-12-01T09:00:00+08:00',
    validTo: '2026-12-31T09:00:00+08:00',
    reason: '存量转换',
  });
  const title = conversionSealDocumentTitle({ name: '营业执照', code: '11100000000013338W001' });

  it('is a reserved licence title', () => {
    expect(isLicenceDocumentTitle(title)).toBe(true);
  });

  it('may cover a whole file; any other request stays within 1000 uses', () => {
    expect(SealUseRequestBody.safeParse(request(title, 10_000)).success).toBe(true);
    const other = SealUseRequestBody.safeParse(request('合同', 10_000));
    expect(other.success).toBe(false);
    expect(other.error?.issues[0]?.path).toEqual(['maxUses']);
  });
});
