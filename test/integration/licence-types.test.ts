/**
 * The licence catalogue (LM-6, WP-(一)1-2) on the real platform: the five seeded published types with their
 * data-item schemas; a platform administrator creates a type as a draft and publishes it; a new version of
 * 营业执照 supersedes version 1 in one step; a definition that breaks a rule is refused naming the field, with
 * nothing stored; anyone but a management unit's administrator is refused and the refusal audited; the face
 * preview shows the sample marked 样例; the catalogue pages list the types, show a type with its face preview,
 * and the form editor saves a draft or shows each problem next to its field.
 */
import { AuditEvent } from '../../db/entities';
import { LicenceType } from '../../db/licence-entities';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ runWorker: false });
});
afterAll(async () => {
  await t?.stop();
});

const ADMIN = 'jc-admin';
const BUSINESS_LICENCE = '11100000000013338W001';
const SAMR = { name: '国家市场监督管理总局', code: '11100000000013338W', level: 'national' };

/** A valid definition of a type not in the seed: 药品经营许可证 under 国家市场监督管理总局. */
function drugLicence(over: Record<string, unknown> = {}) {
  return {
    code: '11100000000013338W050',
    name: '药品经营许可证',
    definingAuthority: SAMR,
    issuingUnitIds: ['zz-amr', 'gp-amr'],
    holderCategory: 'legal_person',
    dataItems: [
      {
        key: 'legalRepresentative',
        label: '法定代表人',
        type: 'string',
        required: true,
        maxLength: 50,
        sensitive: true,
        mask: { keepStart: 1, keepEnd: 0 },
      },
      { key: 'scope', label: '经营范围', type: 'enum', required: true, enumValues: ['处方药', '非处方药'] },
      { key: 'warehouseAddress', label: '仓库地址', type: 'string', required: false, maxLength: 200 },
    ],
    face: {
      template:
        '<table><tr><th>企业名称</th><td>{{meta.holderName}}</td></tr>' +
        '<tr><th>法定代表人</th><td>{{data.legalRepresentative}}</td></tr>' +
        '<tr><th>经营范围</th><td>{{data.scope}}</td></tr></table>',
      background: '#f7fbff',
      sample: { legalRepresentative: '赵大勇', scope: '处方药' },
    },
    sealKind: 'business',
    validity: { kind: 'fixed_term', years: 5, months: 0 },
    serviceItems: [{ code: '000172001000', name: '药品经营许可' }],
    reminderDaysBeforeExpiry: [90, 30],
    ...over,
  };
}

const typeCount = () => t.em().count(LicenceType, {});

describe('GET /api/license-types', () => {
  it('lists the five seeded published types with their data-item schemas, to anyone signed in', async () => {
    const res = await t.call('GET', '/api/license-types', { as: 'zz-amr-clerk' });
    expect(res.status).toBe(200);
    const items = res.body.items as any[];
    expect(items.map((i) => i.name).sort()).toEqual(
      ['不动产权证书', '居民身份证', '建筑施工企业安全生产许可证', '营业执照', '食品经营许可证'].sort(),
    );
    expect(items.map((i) => i.code).sort()).toEqual(
      [
        '11100000000013338W001',
        '11100000000013338W002',
        '11100000000013127D001',
        '11100000000019713D001',
        '11100000MB01431256001',
      ].sort(),
    );
    for (const item of items) {
      expect(item).toMatchObject({ version: 1, status: 'published' });
      expect(item.dataItems.length).toBeGreaterThan(0);
      for (const d of item.dataItems) {
        expect(Object.keys(d).sort()).toEqual(
          [
            'key',
            'label',
            'type',
            'required',
            'pattern',
            'enumValues',
            'maxLength',
            'sensitive',
            'mask',
            'description',
          ].sort(),
        );
      }
    }
    const business = items.find((i) => i.code === BUSINESS_LICENCE);
    expect(business).toMatchObject({
      name: '营业执照',
      definingAuthority: { name: '国家市场监督管理总局', code: '11100000000013338W', level: 'national' },
      holderCategory: 'legal_person',
      sealKind: 'business',
      validity: { kind: 'permanent' },
      reminderDaysBeforeExpiry: [],
    });
    expect(business.issuingUnits).toContainEqual({ id: 'zz-amr', name: '泽州县市场监督管理局' });
    expect(business.dataItems.find((d: any) => d.key === 'legalRepresentative')).toEqual({
      key: 'legalRepresentative',
      label: '法定代表人',
      type: 'string',
      required: true,
      pattern: null,
      enumValues: null,
      maxLength: 50,
      sensitive: true,
      mask: { keepStart: 1, keepEnd: 0 },
      description: null,
    });
    expect(business.dataItems.find((d: any) => d.key === 'entityType')).toMatchObject({
      type: 'enum',
      enumValues: expect.arrayContaining(['个体工商户']),
    });
    const idCard = items.find((i) => i.name === '居民身份证');
    expect(idCard).toMatchObject({ holderCategory: 'natural_person', validity: { kind: 'until_date' } });
    const realEstate = items.find((i) => i.name === '不动产权证书');
    expect(realEstate.dataItems.find((d: any) => d.key === 'unitNumber').pattern).toBe(
      '\\d{12}[A-Z]{2}\\d{5}[A-Z]\\d{8}',
    );
  });

  it('with issuableByMe=true lists only the types the caller’s unit may issue (LM-7)', async () => {
    const res = await t.call('GET', '/api/license-types?issuableByMe=true', { as: 'zz-amr-system' });
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => i.name).sort()).toEqual(['营业执照', '食品经营许可证'].sort());
    const police = await t.call('GET', '/api/license-types?issuableByMe=true', { as: 'jc-hrss-verifier' });
    expect(police.body.items).toEqual([]);
  });

  it('needs a login', async () => {
    expect((await t.call('GET', '/api/license-types')).status).toBe(401);
  });
});

describe('draft → published', () => {
  it('an administrator creates a new type as a draft, publishes it, and it is listed (audited)', async () => {
    const created = await t.call('POST', '/api/license-types', { as: ADMIN, body: drugLicence() });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/license-types/11100000000013338W050');
    expect(created.body).toMatchObject({
      code: '11100000000013338W050',
      version: 1,
      status: 'draft',
      name: '药品经营许可证',
      issuingUnits: [
        { id: 'zz-amr', name: '泽州县市场监督管理局' },
        { id: 'gp-amr', name: '高平市市场监督管理局' },
      ],
      createdBy: { displayName: '孙伟' },
    });

    // A draft is not in the catalogue, and other users do not see it.
    const before = await t.call('GET', '/api/license-types', { as: 'zz-amr-clerk' });
    expect(before.body.items.map((i: any) => i.code)).not.toContain('11100000000013338W050');
    expect(
      (await t.call('GET', '/api/license-types/11100000000013338W050', { as: 'zz-amr-clerk' })).status,
    ).toBe(404);

    const published = await t.call('POST', '/api/license-types/11100000000013338W050/publish', { as: ADMIN });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({
      version: 1,
      status: 'published',
      publishedAt: expect.any(String),
    });

    const after = await t.call('GET', '/api/license-types', { as: 'zz-amr-clerk' });
    const listed = after.body.items.find((i: any) => i.code === '11100000000013338W050');
    expect(listed).toMatchObject({ name: '药品经营许可证', version: 1, reminderDaysBeforeExpiry: [90, 30] });
    expect(listed.dataItems.map((d: any) => d.key)).toEqual([
      'legalRepresentative',
      'scope',
      'warehouseAddress',
    ]);

    const audit = await t.em().find(AuditEvent, { targetType: 'licence_type', actorUsername: ADMIN });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['licence_type.create_draft', 'licence_type.publish']),
    );
    expect(audit.find((a) => a.action === 'licence_type.publish')!.details).toMatchObject({
      code: '11100000000013338W050',
      version: 1,
      supersededVersion: null,
    });
  });

  it('a new version of 营业执照 supersedes version 1 when published; only version 2 is listed', async () => {
    const v1 = (await t.call('GET', `/api/license-types/${BUSINESS_LICENCE}`, { as: ADMIN })).body.published;
    const definition = {
      ...v1.definition,
      dataItems: [
        ...v1.definition.dataItems,
        { key: 'registrationAuthority', label: '登记机关', type: 'string', required: false, maxLength: 100 },
      ],
    };
    const draft = await t.call('POST', '/api/license-types', { as: ADMIN, body: definition });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ code: BUSINESS_LICENCE, version: 2, status: 'draft' });

    // One draft per code at a time.
    const again = await t.call('POST', '/api/license-types', { as: ADMIN, body: definition });
    expect(again.status).toBe(409);

    // The draft is edited in place; its code cannot change.
    const edited = await t.call('PUT', `/api/license-types/${BUSINESS_LICENCE}/draft`, {
      as: ADMIN,
      body: { ...definition, reminderDaysBeforeExpiry: [30] },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, status: 'draft', reminderDaysBeforeExpiry: [30] });
    const recoded = await t.call('PUT', `/api/license-types/${BUSINESS_LICENCE}/draft`, {
      as: ADMIN,
      body: { ...definition, code: '11100000000013338W009' },
    });
    expect(recoded.status).toBe(400);
    expect(recoded.body.error.details.map((p: any) => p.field)).toEqual(['code']);

    // Until published, the catalogue still offers version 1.
    const listed = (await t.call('GET', '/api/license-types', { as: 'zz-amr-clerk' })).body.items;
    expect(listed.filter((i: any) => i.code === BUSINESS_LICENCE).map((i: any) => i.version)).toEqual([1]);

    const published = await t.call('POST', `/api/license-types/${BUSINESS_LICENCE}/publish`, { as: ADMIN });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ version: 2, status: 'published' });

    const detail = (await t.call('GET', `/api/license-types/${BUSINESS_LICENCE}`, { as: ADMIN })).body;
    expect(detail.draft).toBeNull();
    expect(detail.published.version).toBe(2);
    expect(detail.versions.map((v: any) => [v.version, v.status])).toEqual([
      [1, 'superseded'],
      [2, 'published'],
    ]);
    expect(detail.versions[0].supersededAt).toBe(detail.versions[1].publishedAt);

    const rows = await t.em().find(LicenceType, { code: BUSINESS_LICENCE }, { orderBy: { version: 'asc' } });
    expect(rows.map((r) => r.status)).toEqual(['superseded', 'published']);
    expect(rows[0]!.supersededAt).toBeInstanceOf(Date);

    const after = (await t.call('GET', '/api/license-types', { as: 'zz-amr-clerk' })).body.items;
    const business = after.filter((i: any) => i.code === BUSINESS_LICENCE);
    expect(business).toHaveLength(1);
    expect(business[0].version).toBe(2);
    expect(business[0].dataItems.map((d: any) => d.key)).toContain('registrationAuthority');

    // Nothing left to publish.
    expect(
      (await t.call('POST', `/api/license-types/${BUSINESS_LICENCE}/publish`, { as: ADMIN })).status,
    ).toBe(404);
  });

  it('a draft can be discarded; the published version stays', async () => {
    const v = (await t.call('GET', '/api/license-types/11100000000013338W002', { as: ADMIN })).body.published;
    expect((await t.call('POST', '/api/license-types', { as: ADMIN, body: v.definition })).status).toBe(201);
    const del = await t.call('DELETE', '/api/license-types/11100000000013338W002/draft', { as: ADMIN });
    expect(del.status).toBe(204);
    const detail = (await t.call('GET', '/api/license-types/11100000000013338W002', { as: ADMIN })).body;
    expect(detail.draft).toBeNull();
    expect(detail.published.version).toBe(1);
  });
});

describe('refusals', () => {
  const firstItem = drugLicence().dataItems[0]!;
  it.each([
    ['a code of the wrong length', { code: '11100000000013338W05' }, 'code'],
    ['a code not starting with the defining authority’s code', { code: '11100000000019713D050' }, 'code'],
    [
      'a duplicate data-item key',
      { dataItems: [firstItem, { ...firstItem, label: '负责人' }] },
      'dataItems.1.key',
    ],
    [
      'an enum without values',
      { dataItems: [{ key: 'scope', label: '经营范围', type: 'enum', required: true }] },
      'dataItems.0.enumValues',
    ],
    [
      'a sensitive item without a masking rule',
      { dataItems: [{ key: 'principal', label: '负责人', type: 'string', required: true, sensitive: true }] },
      'dataItems.0.mask',
    ],
    [
      'a face template with a syntax error',
      { face: { template: '<p>{{#if data.scope}}{{data.scope}}</p>', sample: {} } },
      'face.template',
    ],
    ['an unknown issuing unit', { issuingUnitIds: ['zz-amr', 'no-such-unit'] }, 'issuingUnitIds.1'],
    ['an organisation that is not an issuing unit', { issuingUnitIds: ['jc-power'] }, 'issuingUnitIds.0'],
    [
      'a sample that does not fit the data items',
      { face: { ...drugLicence().face, sample: { scope: '保健品' } } },
      'face.sample.scope',
    ],
  ])('%s: 400 naming the field, nothing stored', async (_why, over, field) => {
    const before = await typeCount();
    const res = await t.call('POST', '/api/license-types', {
      as: ADMIN,
      body: drugLicence({ code: '11100000000013338W060', ...over }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((p: any) => p.field)).toContain(field);
    expect(await typeCount()).toBe(before);
  });

  it('names every problem at once', async () => {
    const res = await t.call('POST', '/api/license-types', {
      as: ADMIN,
      body: drugLicence({
        code: '11100000000013338W061',
        issuingUnitIds: ['nowhere'],
        face: { template: '{{#each}}', sample: {} },
        dataItems: [{ key: 'Bad Key', label: '', type: 'enum', required: true }],
      }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((p: any) => p.field)).toEqual(
      expect.arrayContaining([
        'dataItems.0.key',
        'dataItems.0.label',
        'dataItems.0.enumValues',
        'face.template',
        'issuingUnitIds.0',
      ]),
    );
  });

  it('refuses anyone but a management unit’s platform administrator, and audits the refusal', async () => {
    const before = await typeCount();
    const res = await t.call('POST', '/api/license-types', {
      as: 'zz-amr-issuer',
      body: drugLicence({ code: '11100000000013338W070' }),
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(await typeCount()).toBe(before);
    const denied = await t.em().find(AuditEvent, { actorUsername: 'zz-amr-issuer', outcome: 'denied' });
    expect(denied.map((a) => a.action)).toContain('POST /api/license-types');

    for (const [method, path] of [
      ['POST', `/api/license-types/${BUSINESS_LICENCE}/publish`],
      ['PUT', `/api/license-types/${BUSINESS_LICENCE}/draft`],
      ['DELETE', `/api/license-types/${BUSINESS_LICENCE}/draft`],
      ['POST', '/api/license-types/preview'],
    ] as const) {
      const refused = await t.call(method, path, { as: 'zz-approval-supervisor', body: drugLicence() });
      expect([method, path, refused.status]).toEqual([method, path, 403]);
    }
  });
});

describe('POST /api/license-types/preview', () => {
  it('renders the face with the sample marked 样例, and the given sample values', async () => {
    const res = await t.call('POST', '/api/license-types/preview', {
      as: ADMIN,
      body: { definition: drugLicence() },
    });
    expect(res.status).toBe(200);
    expect(res.body.html).toContain('样例');
    expect(res.body.html).toContain('赵大勇');
    expect(res.body.html).toContain('处方药');
    // Sample metadata: a fictitious holder, the first issuing unit as issuer.
    expect(res.body.html).toContain('晋城市示例科技有限公司');
    expect(res.body.html).toContain('泽州县市场监督管理局');
    expect(res.body.sampleProblems).toEqual([]);

    const other = await t.call('POST', '/api/license-types/preview', {
      as: ADMIN,
      body: { definition: drugLicence(), sample: { legalRepresentative: '钱<b>多多</b>', scope: '保健品' } },
    });
    expect(other.status).toBe(200);
    expect(other.body.html).toContain('钱&lt;b&gt;多多&lt;/b&gt;');
    expect(other.body.html).not.toContain('赵大勇');
    expect(other.body.sampleProblems.map((p: any) => p.field)).toEqual(['sample.scope']);
  });

  it('answers 400 naming the template field when the face template does not parse', async () => {
    const res = await t.call('POST', '/api/license-types/preview', {
      as: ADMIN,
      body: { definition: drugLicence({ face: { template: '{{#if x}}', sample: {} } }) },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((p: any) => p.field)).toEqual(['definition.face.template']);
  });
});

describe('catalogue pages', () => {
  const page = async (path: string, as: string) => {
    const res = await t.call('GET', path, { as });
    expect(res.status).toBe(200);
    // A context value shadowed by a page helper of the same name renders as "[object Object]".
    expect(res.body).not.toContain('[object');
    return res.body as string;
  };
  const postForm = (path: string, as: string, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    return t.token(as).then((token) =>
      fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body,
        redirect: 'manual',
      }),
    );
  };
  /** The editor form for a small type, as a browser posts it (every row, blank rows included). */
  const editorFields = (over: Record<string, string | string[]> = {}) => ({
    code: '11100000000013338W080',
    name: '特种设备使用登记证',
    authorityName: '国家市场监督管理总局',
    authorityCode: '11100000000013338W',
    authorityLevel: 'national',
    holderCategory: 'legal_person',
    sealKind: 'business',
    validityKind: 'fixed_term',
    validityYears: '4',
    validityMonths: '0',
    reminders: '60，30',
    issuingUnitIds: ['zz-amr'],
    'services.0.code': '000172010000',
    'services.0.name': '特种设备使用登记',
    'services.1.code': '',
    'services.1.name': '',
    'items.0.key': 'equipmentType',
    'items.0.label': '设备种类',
    'items.0.type': 'enum',
    'items.0.required': '1',
    'items.0.enumValues': '锅炉，压力容器、电梯',
    'items.0.sample': '电梯',
    'items.0.keepStart': '1',
    'items.0.keepEnd': '0',
    'items.1.key': 'safetyManager',
    'items.1.label': '安全管理员',
    'items.1.type': 'string',
    'items.1.sensitive': '1',
    'items.1.keepStart': '1',
    'items.1.keepEnd': '0',
    'items.1.sample': '周建军',
    'items.2.key': '',
    'items.2.label': '',
    'items.2.type': 'string',
    'items.2.keepStart': '1',
    'items.2.keepEnd': '0',
    faceTemplate: '',
    faceBackground: '#fffdf5',
    action: 'save',
    ...over,
  });

  it('/licence-types lists the catalogue; administrators get 新建证照类型', async () => {
    const html = await page('/licence-types', 'zz-amr-clerk');
    expect(html).toContain('证照目录');
    for (const name of [
      '营业执照',
      '食品经营许可证',
      '建筑施工企业安全生产许可证',
      '居民身份证',
      '不动产权证书',
    ]) {
      expect(html).toContain(name);
    }
    expect(html).toContain('11100000MB01431256001');
    expect(html).toContain('国家市场监督管理总局');
    expect(html).toContain('已发布');
    expect(html).not.toContain('新建证照类型');
    expect(await page('/licence-types', ADMIN)).toContain('新建证照类型');
  });

  it('/licence-types/<code> shows the definition, the data items and the face preview with the sample', async () => {
    const html = await page('/licence-types/11100000000013338W002', 'zz-amr-clerk');
    expect(html).toContain('食品经营许可证');
    expect(html).toContain('id="face-preview"');
    expect(html).toContain('licence-face');
    expect(html).toContain('样例');
    expect(html).toContain('李秀英'); // the sample 法定代表人
    expect(html).toContain('餐饮服务经营者');
    expect(html).toContain('complaintHotline');
    expect(html).toContain('固定期限 5 年');
  });

  it('the editor saves a draft from the posted form rows, blank rows left out', async () => {
    const res = await postForm('/licence-types/new', ADMIN, editorFields());
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/licence-types/11100000000013338W080?version=1&flash=saved');
    const saved = await t.em().findOneOrFail(LicenceType, { code: '11100000000013338W080' });
    expect(saved.status).toBe('draft');
    expect(saved.definition).toMatchObject({
      reminderDaysBeforeExpiry: [60, 30],
      validity: { kind: 'fixed_term', years: 4, months: 0 },
      serviceItems: [{ code: '000172010000', name: '特种设备使用登记' }],
      issuingUnitIds: ['zz-amr'],
      dataItems: [
        { key: 'equipmentType', type: 'enum', required: true, enumValues: ['锅炉', '压力容器', '电梯'] },
        { key: 'safetyManager', sensitive: true, mask: { keepStart: 1, keepEnd: 0 }, required: false },
      ],
      face: { sample: { equipmentType: '电梯', safetyManager: '周建军' } },
    });
    // A blank template was generated from the data items.
    expect(saved.definition.face.template).toContain('{{data.safetyManager}}');

    const draftPage = await page('/licence-types/11100000000013338W080?version=1', ADMIN);
    expect(draftPage).toContain('发布第 1 版');
    expect(draftPage).toContain('周建军');

    const published = await postForm('/licence-types/11100000000013338W080/publish', ADMIN, {});
    expect(published.status).toBe(303);
    expect((await t.em().findOneOrFail(LicenceType, { code: '11100000000013338W080' })).status).toBe(
      'published',
    );
  });

  it('the editor shows each problem next to its field in Chinese and saves nothing', async () => {
    const before = await typeCount();
    const res = await postForm(
      '/licence-types/new',
      ADMIN,
      editorFields({
        code: '11100000000013338W081',
        'items.1.key': 'equipmentType',
        'items.0.enumValues': '',
        issuingUnitIds: [],
        faceTemplate: '<p>{{#if data.equipmentType}}</p>',
      }),
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('未保存');
    expect(html).toContain('数据项标识“equipmentType”重复');
    expect(html).toContain('枚举型数据项须列出可选值');
    expect(html).toContain('照面模板语法错误');
    expect(html).toContain('id="error-faceTemplate"');
    expect(html).toContain('id="error-issuingUnitIds"');
    // The form keeps what was typed.
    expect(html).toContain('value="安全管理员"');
    expect(await typeCount()).toBe(before);
  });

  it('预览照面 renders the preview from the form without saving', async () => {
    const before = await typeCount();
    const res = await postForm(
      '/licence-types/new',
      ADMIN,
      editorFields({ code: '11100000000013338W082', action: 'preview' }),
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('id="face-preview"');
    expect(html).toContain('样例');
    expect(html).toContain('周建军');
    expect(await typeCount()).toBe(before);
  });

  it('editing a published type saves a new version draft; non-administrators cannot open the editor', async () => {
    const form = await page('/licence-types/11100000000019713D001/edit', ADMIN);
    expect(form).toContain('value="birthDate"');
    expect(form).toContain('生成第 2 版草稿');
    const refused = await t.call('GET', '/licence-types/11100000000019713D001/edit', { as: 'zz-amr-issuer' });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('无权访问');
  });
});
