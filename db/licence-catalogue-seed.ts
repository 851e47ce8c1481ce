/**
 * The demo city's licence catalogue (LM-6, WP-(一)1-2): five types with the data items real systems carry, a face
 * template each, the seal kind that signs them, validity rules and service items. Each is published as version 1
 * when missing; an administrator edits them afterwards through the catalogue (new versions).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { LicenceTypeDefinitionInput } from '../domain/licence-type';
import { LicenceTypeDefinition } from '../domain/licence-type-schema';
import { LicenceType } from './licence-entities';

/** Defining bodies (national level): codes in USCC shape with valid check characters. */
const SAMR = { name: '国家市场监督管理总局', code: '11100000000013338W', level: 'national' } as const;
const MOHURD = {
  name: '中华人民共和国住房和城乡建设部',
  code: '11100000000013127D',
  level: 'national',
} as const;
const MPS = { name: '中华人民共和国公安部', code: '11100000000019713D', level: 'national' } as const;
const MNR = { name: '中华人民共和国自然资源部', code: '11100000MB01431256', level: 'national' } as const;

const COUNTY_KEYS = ['jc', 'cq', 'qs', 'yc', 'lc', 'zz', 'gp'];

/** A face that lists rows of label and value; the first rows are the holder. */
function tableFace(rows: Array<[string, string]>): string {
  const tr = rows.map(([label, value]) => `    <tr><th>${label}</th><td>${value}</td></tr>`).join('\n');
  return `<table>\n${tr}\n</table>`;
}

export const LICENCE_TYPE_NAMES = {
  businessLicence: '营业执照',
  foodBusiness: '食品经营许可证',
  constructionSafety: '建筑施工企业安全生产许可证',
  identityCard: '居民身份证',
  realEstate: '不动产权证书',
} as const;

export function catalogueSeed(): LicenceTypeDefinitionInput[] {
  return [
    {
      code: `${SAMR.code}001`,
      name: LICENCE_TYPE_NAMES.businessLicence,
      definingAuthority: SAMR,
      issuingUnitIds: [...COUNTY_KEYS.map((k) => `${k}-amr`), 'kfq-amr'],
      holderCategory: 'legal_person',
      dataItems: [
        {
          key: 'entityType',
          label: '类型',
          type: 'enum',
          required: true,
          enumValues: [
            '有限责任公司（自然人投资或控股）',
            '有限责任公司（国有独资）',
            '股份有限公司（非上市）',
            '个人独资企业',
            '合伙企业',
            '个体工商户',
          ],
        },
        {
          key: 'legalRepresentative',
          label: '法定代表人',
          type: 'string',
          required: true,
          maxLength: 50,
          sensitive: true,
          mask: { keepStart: 1, keepEnd: 0 },
        },
        { key: 'registeredCapital', label: '注册资本', type: 'string', required: true, maxLength: 50 },
        { key: 'establishedDate', label: '成立日期', type: 'date', required: true },
        { key: 'businessTerm', label: '营业期限', type: 'string', required: true, maxLength: 60 },
        { key: 'address', label: '住所', type: 'string', required: true, maxLength: 200 },
        { key: 'businessScope', label: '经营范围', type: 'text', required: true, maxLength: 2000 },
      ],
      face: {
        template: tableFace([
          ['统一社会信用代码', '{{meta.holderCode}}'],
          ['名　　称', '{{meta.holderName}}'],
          ['类　　型', '{{data.entityType}}'],
          ['法定代表人', '{{data.legalRepresentative}}'],
          ['注册资本', '{{data.registeredCapital}}'],
          ['成立日期', '{{data.establishedDate}}'],
          ['营业期限', '{{data.businessTerm}}'],
          ['住　　所', '{{data.address}}'],
          ['经营范围', '{{data.businessScope}}'],
        ]),
        background: 'linear-gradient(180deg, #fffdf3 0%, #fbf3dc 100%)',
        sample: {
          entityType: '有限责任公司（自然人投资或控股）',
          legalRepresentative: '王志刚',
          registeredCapital: '伍佰万元整',
          establishedDate: '2018-06-12',
          businessTerm: '长期',
          address: '山西省晋城市泽州县金村镇府城村',
          businessScope: '煤炭洗选；煤炭及制品销售。（依法须经批准的项目，经相关部门批准后方可开展经营活动）',
        },
      },
      sealKind: 'business',
      validity: { kind: 'permanent' },
      serviceItems: [
        { code: '000104101000', name: '企业设立登记' },
        { code: '000104102000', name: '企业变更登记' },
      ],
      reminderDaysBeforeExpiry: [],
    },
    {
      code: `${SAMR.code}002`,
      name: LICENCE_TYPE_NAMES.foodBusiness,
      definingAuthority: SAMR,
      issuingUnitIds: [...COUNTY_KEYS.map((k) => `${k}-amr`), 'kfq-amr'],
      holderCategory: 'legal_person',
      dataItems: [
        {
          key: 'legalRepresentative',
          label: '法定代表人（负责人）',
          type: 'string',
          required: true,
          maxLength: 50,
          sensitive: true,
          mask: { keepStart: 1, keepEnd: 0 },
        },
        { key: 'residence', label: '住所', type: 'string', required: true, maxLength: 200 },
        { key: 'premises', label: '经营场所', type: 'string', required: true, maxLength: 200 },
        {
          key: 'mainFormat',
          label: '主体业态',
          type: 'enum',
          required: true,
          enumValues: ['食品销售经营者', '餐饮服务经营者', '单位食堂'],
        },
        { key: 'businessItems', label: '经营项目', type: 'text', required: true, maxLength: 1000 },
        {
          key: 'supervisor',
          label: '日常监督管理人员',
          type: 'string',
          required: false,
          maxLength: 50,
        },
        {
          key: 'complaintHotline',
          label: '投诉举报电话',
          type: 'string',
          required: false,
          pattern: '\\d{5,12}',
        },
      ],
      face: {
        template: tableFace([
          ['经营者名称', '{{meta.holderName}}'],
          ['社会信用代码', '{{meta.holderCode}}'],
          ['法定代表人（负责人）', '{{data.legalRepresentative}}'],
          ['住　　所', '{{data.residence}}'],
          ['经营场所', '{{data.premises}}'],
          ['主体业态', '{{data.mainFormat}}'],
          ['经营项目', '{{data.businessItems}}'],
          ['有效期至', '{{meta.validTo}}'],
          ['日常监督管理人员', '{{data.supervisor}}'],
          ['投诉举报电话', '{{or data.complaintHotline "12315"}}'],
        ]),
        background: 'linear-gradient(180deg, #f6fbff 0%, #e4f0fb 100%)',
        sample: {
          legalRepresentative: '李秀英',
          residence: '山西省晋城市泽州县南村镇南村',
          premises: '山西省晋城市泽州县南村镇南村中街 18 号',
          mainFormat: '餐饮服务经营者',
          businessItems: '热食类食品制售；冷食类食品制售',
          supervisor: '赵卫东',
          complaintHotline: '12315',
        },
      },
      sealKind: 'business',
      validity: { kind: 'fixed_term', years: 5, months: 0 },
      serviceItems: [{ code: '000172008000', name: '食品经营许可' }],
      reminderDaysBeforeExpiry: [90, 30],
    },
    {
      code: `${MOHURD.code}001`,
      name: LICENCE_TYPE_NAMES.constructionSafety,
      definingAuthority: MOHURD,
      issuingUnitIds: COUNTY_KEYS.map((k) => `${k}-housing`),
      holderCategory: 'legal_person',
      dataItems: [
        {
          key: 'principal',
          label: '主要负责人',
          type: 'string',
          required: true,
          maxLength: 50,
          sensitive: true,
          mask: { keepStart: 1, keepEnd: 0 },
        },
        { key: 'address', label: '单位地址', type: 'string', required: true, maxLength: 200 },
        {
          key: 'economicType',
          label: '经济类型',
          type: 'enum',
          required: true,
          enumValues: ['国有企业', '集体企业', '有限责任公司', '股份有限公司', '私营企业'],
        },
        { key: 'permitScope', label: '许可范围', type: 'string', required: true, maxLength: 100 },
      ],
      face: {
        template: tableFace([
          ['单位名称', '{{meta.holderName}}'],
          ['统一社会信用代码', '{{meta.holderCode}}'],
          ['主要负责人', '{{data.principal}}'],
          ['单位地址', '{{data.address}}'],
          ['经济类型', '{{data.economicType}}'],
          ['许可范围', '{{data.permitScope}}'],
          ['有效期', '{{meta.validFrom}} 至 {{meta.validTo}}'],
        ]),
        background: 'linear-gradient(180deg, #fbfff6 0%, #eaf5dc 100%)',
        sample: {
          principal: '刘建华',
          address: '山西省晋城市城区凤台东街 666 号',
          economicType: '有限责任公司',
          permitScope: '建筑施工',
        },
      },
      sealKind: 'business',
      validity: { kind: 'fixed_term', years: 3, months: 0 },
      serviceItems: [{ code: '000109003000', name: '建筑施工企业安全生产许可' }],
      reminderDaysBeforeExpiry: [90, 30],
    },
    {
      code: `${MPS.code}001`,
      name: LICENCE_TYPE_NAMES.identityCard,
      definingAuthority: MPS,
      issuingUnitIds: COUNTY_KEYS.map((k) => `${k}-police`),
      holderCategory: 'natural_person',
      dataItems: [
        { key: 'gender', label: '性别', type: 'enum', required: true, enumValues: ['男', '女'] },
        { key: 'ethnicity', label: '民族', type: 'string', required: true, maxLength: 20 },
        {
          key: 'birthDate',
          label: '出生',
          type: 'date',
          required: true,
          sensitive: true,
          mask: { keepStart: 4, keepEnd: 0 },
        },
        {
          key: 'address',
          label: '住址',
          type: 'string',
          required: true,
          maxLength: 200,
          sensitive: true,
          mask: { keepStart: 6, keepEnd: 0 },
        },
      ],
      face: {
        template: tableFace([
          ['姓　　名', '{{meta.holderName}}'],
          ['性　　别', '{{data.gender}}'],
          ['民　　族', '{{data.ethnicity}}'],
          ['出　　生', '{{data.birthDate}}'],
          ['住　　址', '{{data.address}}'],
          ['公民身份号码', '{{meta.holderCode}}'],
          ['有效期限', '{{meta.validFrom}} 至 {{meta.validTo}}'],
        ]),
        background: 'linear-gradient(135deg, #f3f8ff 0%, #dde9f7 100%)',
        sample: {
          gender: '男',
          ethnicity: '汉',
          birthDate: '1990-03-15',
          address: '山西省晋城市泽州县巴公镇东四义村',
        },
      },
      sealKind: 'business',
      // 10 or 20 years or long-term by age (GB/T 36903 ext.): the issuing unit states the end date.
      validity: { kind: 'until_date' },
      serviceItems: [{ code: '000116001000', name: '居民身份证申领' }],
      reminderDaysBeforeExpiry: [90],
    },
    {
      code: `${MNR.code}001`,
      name: LICENCE_TYPE_NAMES.realEstate,
      definingAuthority: MNR,
      issuingUnitIds: ['jc-housing'],
      holderCategory: 'natural_person',
      dataItems: [
        {
          key: 'coOwnership',
          label: '共有情况',
          type: 'enum',
          required: true,
          enumValues: ['单独所有', '共同共有', '按份共有'],
        },
        { key: 'location', label: '坐落', type: 'string', required: true, maxLength: 200 },
        {
          key: 'unitNumber',
          label: '不动产单元号',
          type: 'string',
          required: true,
          pattern: '\\d{12}[A-Z]{2}\\d{5}[A-Z]\\d{8}',
        },
        {
          key: 'rightType',
          label: '权利类型',
          type: 'enum',
          required: true,
          enumValues: ['国有建设用地使用权/房屋所有权', '宅基地使用权/房屋所有权', '国有建设用地使用权'],
        },
        {
          key: 'rightNature',
          label: '权利性质',
          type: 'enum',
          required: true,
          enumValues: ['出让/市场化商品房', '划拨/房改房', '出让/自建房'],
        },
        { key: 'usage', label: '用途', type: 'string', required: true, maxLength: 60 },
        { key: 'area', label: '面积（平方米）', type: 'number', required: true },
        { key: 'usePeriod', label: '使用期限', type: 'string', required: true, maxLength: 60 },
      ],
      face: {
        template: tableFace([
          ['权 利 人', '{{meta.holderName}}'],
          ['共有情况', '{{data.coOwnership}}'],
          ['坐　　落', '{{data.location}}'],
          ['不动产单元号', '{{data.unitNumber}}'],
          ['权利类型', '{{data.rightType}}'],
          ['权利性质', '{{data.rightNature}}'],
          ['用　　途', '{{data.usage}}'],
          ['面　　积', '{{data.area}} 平方米'],
          ['使用期限', '{{data.usePeriod}}'],
        ]),
        background: 'linear-gradient(180deg, #fff8f6 0%, #f7e4de 100%)',
        sample: {
          coOwnership: '单独所有',
          location: '泽州县金村镇丹河新城 3 号楼 2 单元 501 室',
          unitNumber: '140525001001GB00001F00030012',
          rightType: '国有建设用地使用权/房屋所有权',
          rightNature: '出让/市场化商品房',
          usage: '城镇住宅用地/住宅',
          area: 118.6,
          usePeriod: '2016-05-01 起 2086-04-30 止',
        },
      },
      sealKind: 'business',
      validity: { kind: 'permanent' },
      serviceItems: [{ code: '000119001000', name: '国有建设用地使用权及房屋所有权首次登记' }],
      reminderDaysBeforeExpiry: [],
    },
  ];
}

/** The sample data items of a seeded type: valid data, for the face preview and for tests. */
export function catalogueSample(name: string): Record<string, string | number | boolean> {
  const type = catalogueSeed().find((t) => t.name === name);
  if (!type) throw new Error(`no seeded licence type ${name}`);
  return { ...type.face.sample };
}

/** Publishes version 1 of each seeded type whose code has no version yet. */
export async function seedLicenceCatalogue(em: EntityManager): Promise<void> {
  const now = new Date();
  for (const input of catalogueSeed()) {
    const definition = LicenceTypeDefinition.parse(input);
    if (await em.count(LicenceType, { code: definition.code })) continue;
    em.create(LicenceType, {
      id: randomUUID(),
      code: definition.code,
      version: 1,
      status: 'published',
      name: definition.name,
      definition,
      createdBy: null,
      createdAt: now,
      publishedAt: now,
      supersededAt: null,
    });
  }
  await em.flush();
}
