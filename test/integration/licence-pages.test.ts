/**
 * The issuing unit's licence pages (证照管理, LM-7, LM-9, LM-16) on the real platform, with licences issued through
 * the API under a real seal-use authorisation: the list searched by holder code and type, one licence with its
 * face, data items, versions (001 and 002 linked), signature and links to online verification and the PDF copy;
 * full data for the issuing unit, masked for a using unit; another unit refused; the management unit's list of
 * late arrivals (LM-9).
 */
import { algorithmLabel } from '../../api/web/render';
import { AuditEvent, Seal } from '../../db/entities';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  changeBody,
  FOOD_BUSINESS_CODE,
  foodBusinessBody,
  grantLicenceSealUse,
  issueLicence,
  waitForIssued,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let v1: any;
let v2: any;
let late: any;
let holderCode: string;

const DAY_MS = 24 * 3600_000;

beforeAll(async () => {
  t = await startTestPlatform();
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  const body = businessLicenceBody({ data: { legalRepresentative: '王志刚' } });
  holderCode = body.holder.code as string;
  v1 = (await issueLicence(t, body)).licence;
  const change = changeBody(body);
  const changed = await t.call('POST', `/api/licenses/${v1.identifier}/versions`, {
    as: 'zz-amr-system',
    body: change,
  });
  expect([201, 202]).toContain(changed.status);
  v2 = (await waitForIssued(t, change.caseId)).licence;
  late = await issueLicence(
    t,
    businessLicenceBody({
      caseClosedAt: new Date(Date.now() - 20 * DAY_MS).toISOString(),
      holder: { name: '晋城市迟到贸易有限公司' },
    }),
  );
});
afterAll(async () => {
  await t?.stop();
});

const page = async (path: string, as: string, status = 200) => {
  const res = await t.call('GET', path, { as });
  expect([path, res.status]).toEqual([path, status]);
  // A context value shadowed by a page helper of the same name renders as "[object Object]".
  expect(res.body).not.toContain('[object');
  return res.body as string;
};

describe('/licences', () => {
  it('lists the unit’s licences (latest versions), searchable by holder code and type', async () => {
    const all = await page('/licences', 'zz-amr-issuer');
    expect(all).toContain('证照管理');
    expect(all).toContain(v2.identifier);
    expect(all).not.toContain(`data-identifier="${v1.identifier}"`); // superseded by 002
    expect(all).toContain(late.licence.identifier);
    expect(all).toContain('逾期归集');

    const byHolder = await page(`/licences?holderCode=${holderCode}`, 'zz-amr-issuer');
    expect(byHolder).toContain(v2.identifier);
    expect(byHolder).not.toContain(late.licence.identifier);
    expect(byHolder).toContain('共 1 份');

    const byOtherType = await page('/licences?typeCode=11100000000013338W002', 'zz-amr-issuer');
    expect(byOtherType).toContain('没有符合条件的证照');
    const byType = await page(`/licences?typeCode=${BUSINESS_LICENCE_CODE}`, 'zz-amr-issuer');
    expect(byType).toContain(v2.identifier);
  });

  it('answers a malformed search in Chinese rather than failing', async () => {
    const html = await page('/licences?typeCode=short', 'zz-amr-issuer');
    expect(html).toContain('证照类型：');
  });

  it('is refused to someone without a licence role', async () => {
    const html = await page('/licences', 'zz-amr-clerk', 403);
    expect(html).toContain('无权访问');
  });
});

describe('/licences: 签发准备情况 (SM-12)', () => {
  it('shows per type whether a licence can be signed now, the requests waiting, and a prefilled request form', async () => {
    // 营业执照 has a standing authorisation (beforeAll); 食品经营许可证 has none, so a request for one waits.
    const food = foodBusinessBody();
    const waiting = await t.call('POST', '/api/licenses', { as: 'zz-amr-system', body: food });
    expect(waiting.status).toBe(202);
    const html = await page('/licences', 'zz-amr-issuer');
    const row = (code: string) => {
      const m = new RegExp(`<tr data-type-code="${code}">([\\s\\S]*?)</tr>`).exec(html);
      expect(m).not.toBeNull();
      return m![1]!;
    };
    expect(row(BUSINESS_LICENCE_CODE)).toMatch(/可签发[\s\S]*剩余 \d+ 次[\s\S]*授权给 张丽/);
    const foodRow = row(FOOD_BUSINESS_CODE);
    expect(foodRow).toContain('无可用授权');
    expect(foodRow).toContain('泽州县市场监督管理局证照专用章');
    // The issuer may not apply for seal use: the row says who may, and with which document title (no dead link).
    expect(foodRow).not.toContain('use-requests/new');
    expect(foodRow).toContain('请本单位印章申请人或单位负责人申请用印授权');
    expect(foodRow).toContain('电子证照签发：食品经营许可证（11100000000013338W002）');
    expect(html).toContain(`<tr data-case-id="${food.caseId}">`);
    expect(html).toContain('等待用印授权');

    // The seal applicant opens the same seal's form for the type, prefilled with the title issuance looks for.
    const seal = await t
      .em()
      .findOneOrFail(Seal, { name: '泽州县市场监督管理局证照专用章', organisationId: 'zz-amr' });
    const href = `/seals/${seal.id}/use-requests/new?licenceType=${FOOD_BUSINESS_CODE}`;
    const form = await page(href, 'zz-amr-clerk');
    expect(form).toContain('电子证照签发：食品经营许可证（11100000000013338W002）');
    expect(form).toMatch(/name="maxUses"[^>]*value="1000"/);
  });

  it('is not shown to a management unit, which issues nothing here', async () => {
    const html = await page('/licences', 'zz-approval-supervisor');
    expect(html).not.toContain('id="issuing-readiness"');
  });
});

describe('/licences/:identifier', () => {
  it('shows the face, the data items, both versions, the signature and the verification links', async () => {
    const html = await page(`/licences/${v2.identifier}`, 'zz-amr-issuer');
    expect(html).toContain('class="licence-face');
    expect(html).toContain('李建国'); // full data for the issuing unit
    expect(html).toContain('法定代表人');
    expect(html).toContain(holderCode);
    // Versions: 001 and 002, linked.
    expect(html).toContain(`href="/licences/${v1.identifier}"`);
    expect(html).toContain(`href="/licences/${v2.identifier}"`);
    expect(html).toContain('法定代表人变更');
    expect(html).toContain('首次签发');
    // The signature: seal, time, certificate, algorithm, data hash.
    expect(html).toContain('泽州县市场监督管理局证照专用章');
    expect(html).toContain(v2.signature.dataHash);
    expect(html).toContain(algorithmLabel(v2.signature.algorithm)); // in words, behind 技术详情
    expect(html).toContain(v2.signature.esId);
    // 签章人: 张丽 (zz-amr-clerk), whose standing seal-use authorisation the signing used.
    expect(v2.signature.signerName).toBe('张丽');
    expect(html).toContain(`张丽（泽州县市场监督管理局，依用印授权`);
    expect(html).toContain(v2.signature.authorisationId);
    // The links carry the licence's access code (issue 11), which the page also shows.
    const code = /id="access-code">([0-9A-Z]{10})</.exec(html)![1]!;
    const links = html.replaceAll('&#x3D;', '='); // Handlebars escapes `=` in attributes
    expect(links).toContain(`href="/verify/${v2.identifier}?code=${code}"`);
    expect(links).toContain(`href="/verify/${v2.identifier}/copy.pdf?code=${code}"`);

    const first = await page(`/licences/${v1.identifier}`, 'zz-amr-issuer');
    expect(first).toContain('王志刚');
    expect(first).toContain('已被新版本取代');
  });

  it('masks sensitive items for a using unit without a full-data grant, and refuses another unit (audited)', async () => {
    // jc-hrss has 营业执照 on its usage list without full data (seed/demo-licensing.ts, LM-14).
    const html = await page(`/licences/${v2.identifier}`, 'jc-hrss-verifier');
    expect(html).toContain('敏感信息已脱敏');
    expect(html).not.toContain('李建国');
    expect(html).toContain('李**');
    expect(html).toContain(v2.signature.dataHash);

    const refused = await page(`/licences/${v2.identifier}`, 'gp-amr-clerk', 403);
    expect(refused).toContain('无权');
    const denied = await t.em().find(AuditEvent, { actorUsername: 'gp-amr-clerk', outcome: 'denied' });
    expect(denied.length).toBeGreaterThan(0);
  });

  it('answers 404 in Chinese for an unknown identifier', async () => {
    const wrongCheck = v2.identifier.slice(0, -1) + (v2.identifier.endsWith('0') ? '1' : '0');
    const html = await page(`/licences/${wrongCheck}`, 'zz-amr-issuer', 404);
    expect(html).toContain('不存在');
  });
});

describe('/licences/late', () => {
  it('lists the late arrival under its unit for the management unit (LM-9)', async () => {
    const html = await page('/licences/late', 'zz-approval-supervisor');
    expect(html).toContain('泽州县市场监督管理局');
    expect(html).toContain(late.issuance.caseId);
    expect(html).toContain(`href="/licences/${late.licence.identifier}"`);
    expect(html).toContain('24:00');
    // On-time licences are not listed.
    expect(html).not.toContain(v1.identifier);

    const filtered = await page('/licences/late?organisationId=gp-amr', 'jc-admin');
    expect(filtered).not.toContain(late.issuance.caseId);
    expect(filtered).toContain('没有逾期归集的证照');
  });

  it('is refused to the issuing unit’s staff', async () => {
    await page('/licences/late', 'zz-amr-issuer', 403);
  });
});
