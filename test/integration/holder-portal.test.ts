/**
 * Issue 16 on real services (LM-14, LM-16 … LM-18, LM-20, LM-21, WP-(三)3-4): holders see exactly their own
 * licences; a using unit's verifier finds one by holder code, masked by its usage list, and the holder's access
 * history shows it; a consent gives full data for its period and 403 after revocation; a 亮证 token verifies
 * offline with the published key and a status list fetched earlier, and fails once the list is refreshed after
 * the licence is reported lost; the archive keeps its report as it was.
 */
import { randomUUID } from 'node:crypto';
import { verifyPresentation } from '../../pki/presentation-verifier';
import { AppUser } from '../../db/entities';
import { DEMO_CITIZEN_ID, DEMO_ENTERPRISE_USCC } from '../../seed/demo-licensing';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  FOOD_BUSINESS_CODE,
  foodBusinessBody,
  grantLicenceSealUse,
  IDENTITY_CARD_CODE,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let business: { identifier: string };
let food: { identifier: string };
let other: { identifier: string };
let idCard: { identifier: string };
const holder = { name: '晋城市兴晋煤业有限公司', code: DEMO_ENTERPRISE_USCC };

beforeAll(async () => {
  t = await startTestPlatform();
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  await grantLicenceSealUse(t, { typeCode: FOOD_BUSINESS_CODE });
  business = (await issueLicence(t, businessLicenceBody({ holder, data: { legalRepresentative: '王志刚' } })))
    .licence;
  food = (await issueLicence(t, foodBusinessBody({ holder }))).licence;
  other = (await issueLicence(t, businessLicenceBody())).licence;
  idCard = (await issueIdentityCard()).licence;
}, 240_000);

/** 张伟's 居民身份证, issued by 泽州县公安局 under a seal-use authorisation its clerk asks for and its leader gives. */
async function issueIdentityCard() {
  const em = t.em().fork();
  for (const [role, who] of [
    ['seal_applicant', 'clerk'],
    ['unit_leader', 'leader'],
  ] as const) {
    await em.insert(AppUser, {
      id: `user-zz-police-${who}`,
      username: `zz-police-${who}`,
      displayName: who === 'clerk' ? '泽州县公安局经办人' : '泽州县公安局负责人',
      email: `zz-police-${who}@example.com`,
      organisationId: 'zz-police',
      roles: [role],
      active: true,
      holderCode: null,
      oidcSubject: null,
    });
  }
  await grantLicenceSealUse(t, {
    typeCode: IDENTITY_CARD_CODE,
    requester: 'zz-police-clerk',
    approvers: ['zz-police-leader'],
  });
  const body = {
    licenceType: IDENTITY_CARD_CODE,
    caseId: `ZZ-GA-${randomUUID()}`,
    caseClosedAt: new Date().toISOString(),
    licenceNumber: DEMO_CITIZEN_ID,
    holder: { name: '张伟', code: DEMO_CITIZEN_ID },
    validTo: new Date(Date.now() + 10 * 365 * 24 * 3600_000).toISOString().slice(0, 10),
    data: {
      gender: '男',
      ethnicity: '汉',
      birthDate: '1990-03-15',
      address: '山西省晋城市泽州县巴公镇东四义村',
    },
  };
  return issueLicence(t, body, 'zz-police-issuer');
}
afterAll(async () => {
  await t?.stop();
});

const ids = (res: { body: { items: Array<{ identifier: string }> } }) =>
  res.body.items.map((l) => l.identifier).sort();

it('LM-20: a company holder and a citizen each see exactly their own licences; another holder’s is 403', async () => {
  const company = await t.call('GET', '/api/licenses', { as: 'holder-xingjin' });
  expect(company.status).toBe(200);
  expect(ids(company)).toEqual([business.identifier, food.identifier].sort());
  const citizen = await t.call('GET', '/api/licenses', { as: 'holder-zhangwei' });
  expect(citizen.status).toBe(200);
  expect(ids(citizen)).toEqual([idCard.identifier]);
  expect(
    (await t.call('GET', `/api/licenses/${idCard.identifier}`, { as: 'holder-zhangwei' })).body,
  ).toMatchObject({ identifier: idCard.identifier, masked: false, holder: { name: '张伟' } });
  expect((await t.call('GET', `/api/licenses/${idCard.identifier}`, { as: 'holder-xingjin' })).status).toBe(
    403,
  );
  const citizenPage = await t.call('GET', '/my/licences', { as: 'holder-zhangwei' });
  expect(String(citizenPage.body)).toContain(idCard.identifier);
  expect(String(citizenPage.body)).not.toContain(business.identifier);
  expect((await t.call('GET', `/api/licenses/${other.identifier}`, { as: 'holder-xingjin' })).status).toBe(
    403,
  );
  expect(
    (await t.call('GET', `/api/licenses/${business.identifier}`, { as: 'holder-zhangwei' })).status,
  ).toBe(403);
  const page = await t.call('GET', '/my/licences', { as: 'holder-xingjin' });
  expect(page.status).toBe(200);
  expect(String(page.body)).toContain(business.identifier);
  expect(String(page.body)).not.toContain(other.identifier);
  expect(String(page.body)).not.toContain(idCard.identifier);
});

it('LM-14/LM-20: a verifier finds a licence by holder code, masked by its list; the holder’s history shows it', async () => {
  const found = await t.call('GET', `/api/licenses?holderCode=${DEMO_ENTERPRISE_USCC}`, {
    as: 'jc-hrss-verifier',
  });
  expect(found.status).toBe(200);
  // 营业执照 is on 晋城市人力资源和社会保障局's usage list (masked); 食品经营许可证 is not.
  expect(ids(found)).toEqual([business.identifier]);
  expect(found.body.items[0]).toMatchObject({ masked: true, data: { legalRepresentative: '王**' } });
  const noCode = await t.call('GET', '/api/licenses', { as: 'jc-hrss-verifier' });
  expect(noCode.status).toBe(400);
  expect(noCode.body.error.details[0]).toMatchObject({ field: 'holderCode', rule: 'required' });
  const history = await t.call('GET', `/api/licenses/${business.identifier}/access-history`, {
    as: 'holder-xingjin',
  });
  expect(history.status).toBe(200);
  expect(history.body.items).toContainEqual(
    expect.objectContaining({
      who: '冯磊',
      organisationName: '晋城市人力资源和社会保障局',
      basisLabel: '用证清单',
      purpose: '用人单位社会保险登记',
      masked: true,
    }),
  );
  const notHolder = await t.call('GET', `/api/licenses/${business.identifier}/access-history`, {
    as: 'jc-hrss-verifier',
  });
  expect(notHolder.status).toBe(403);
});

it('LM-16 … LM-18: a consent gives a using unit full data for its period; after revocation 403; history shows both', async () => {
  const before = await t.call('GET', `/api/licenses/${food.identifier}`, { as: 'jc-hrss-verifier' });
  expect(before.status).toBe(403);
  const validTo = new Date(Date.now() + 24 * 3600_000).toISOString();
  const bad = await t.call('POST', `/api/licenses/${food.identifier}/consents`, {
    as: 'holder-xingjin',
    body: { purpose: '招聘', fullData: true, validTo },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0]).toMatchObject({ field: 'granteeOrganisationId', rule: 'one_of' });
  const byOther = await t.call('POST', `/api/licenses/${food.identifier}/consents`, {
    as: 'jc-hrss-verifier',
    body: { granteeOrganisationId: 'jc-hrss', purpose: '招聘', fullData: true, validTo },
  });
  expect(byOther.status).toBe(403);
  const granted = await t.call('POST', `/api/licenses/${food.identifier}/consents`, {
    as: 'holder-xingjin',
    body: { granteeOrganisationId: 'jc-hrss', purpose: '社保登记事项 SB-2026-001', fullData: true, validTo },
  });
  expect(granted.status).toBe(201);
  const during = await t.call('GET', `/api/licenses/${food.identifier}`, { as: 'jc-hrss-verifier' });
  expect(during.status).toBe(200);
  expect(during.body.masked).toBe(false);
  const revoked = await t.call('POST', `/api/consents/${granted.body.consent.id}/revoke`, {
    as: 'holder-xingjin',
  });
  expect(revoked.status).toBe(200);
  expect(revoked.body.live).toBe(false);
  const after = await t.call('GET', `/api/licenses/${food.identifier}`, { as: 'jc-hrss-verifier' });
  expect(after.status).toBe(403);
  const history = await t.call('GET', `/api/licenses/${food.identifier}/access-history`, {
    as: 'holder-xingjin',
  });
  expect(history.body.items).toContainEqual(
    expect.objectContaining({
      who: '冯磊',
      basisLabel: '持证人授权',
      purpose: '社保登记事项 SB-2026-001',
      masked: false,
    }),
  );
  const consents = await t.call('GET', `/api/licenses/${food.identifier}/consents`, { as: 'holder-xingjin' });
  expect(consents.body.items[0]).toMatchObject({ revokedAt: expect.any(String), live: false });
});

it('WP-(三)3: a 亮证 token verifies offline; after a loss it fails once the list is refreshed; the archive keeps its report', async () => {
  const denied = await t.call('POST', `/api/licenses/${business.identifier}/presentations`, {
    as: 'jc-hrss-verifier',
    body: { disclose: ['holderName'] },
  });
  expect(denied.status).toBe(403);
  const unknown = await t.call('POST', `/api/licenses/${business.identifier}/presentations`, {
    as: 'holder-xingjin',
    body: { disclose: ['data.nothing'] },
  });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.details[0]).toMatchObject({ field: 'disclose', rule: 'unknown_item' });
  const shown = await t.call('POST', `/api/licenses/${business.identifier}/presentations`, {
    as: 'holder-xingjin',
    body: { disclose: ['holderName', 'validTo', 'data.businessScope'] },
  });
  expect(shown.status).toBe(201);
  expect(shown.body.qrSvg).toContain('<svg');
  expect(shown.body.token).not.toContain('王志刚');
  // What an offline verifier fetched earlier, without logging in: the key and the status list.
  const jwks = await (await fetch(`${t.url}/api/presentation-keys`)).json();
  const { labels } = await (await fetch(`${t.url}/api/presentation-labels`)).json();
  const listRes = await fetch(`${t.url}/api/status-lists/0`);
  expect(listRes.headers.get('content-type')).toContain('application/statuslist+jwt');
  const oldList = await listRes.text();
  const verify = (lists: string[]) =>
    verifyPresentation(shown.body.token, {
      publicJwk: jwks.keys[0],
      statusLists: lists,
      now: new Date(),
      labels,
    });
  const offline = await verify([oldList]);
  expect(offline).toMatchObject({ valid: true, reason: 'valid' });
  expect(offline.licence!.disclosed.map((d) => d.key)).toEqual([
    'holderName',
    'validTo',
    'data.businessScope',
  ]);
  expect(offline.licence!.disclosed.map((d) => d.label)).toEqual(['持证人', '有效期至', '经营范围']);

  const archived = await t.call('POST', '/api/licence-archives', {
    as: 'jc-hrss-verifier',
    body: {
      caseRef: 'SB-2026-001',
      identifier: business.identifier,
      presentation: { reason: 'valid', valid: true },
    },
  });
  expect(archived.status).toBe(201);
  expect(archived.body).toMatchObject({ hasExport: false, report: { indication: 'PASSED' } });

  const loss = await t.call('POST', `/api/licenses/${business.identifier}/events`, {
    as: 'zz-amr-system',
    body: {
      caseId: `LOSS-${randomUUID()}`,
      kind: 'loss_reported',
      legalBasis: '《市场主体登记管理条例》',
      reason: '遗失',
    },
  });
  expect([201, 202]).toContain(loss.status);
  await waitFor(async () => {
    const status = await t.call('GET', `/api/licenses/${business.identifier}/status`, {
      as: 'zz-amr-issuer',
    });
    return status.body.status !== 'valid';
  });
  // Offline with the list fetched before the loss it still passes; with the refreshed list it fails.
  expect((await verify([oldList])).reason).toBe('valid');
  const newList = await (await fetch(`${t.url}/api/status-lists/0`)).text();
  expect(await verify([newList])).toMatchObject({ valid: false, reason: 'revoked' });

  const archive = await t.call('GET', '/api/licence-archives', { as: 'jc-hrss-verifier' });
  expect(archive.body.items[0]).toMatchObject({
    caseRef: 'SB-2026-001',
    report: { indication: 'PASSED', presentation: { reason: 'valid' } },
  });
});

it('LM-12/LM-14: a usage-list request approved by the management unit turns its verifiers’ masked view full', async () => {
  const search = () =>
    t.call('GET', `/api/licenses?holderCode=${DEMO_ENTERPRISE_USCC}`, { as: 'jc-hrss-verifier' });
  const listed = await t.call('GET', '/api/usage-list', { as: 'jc-hrss-verifier' });
  expect(listed.body.items).toContainEqual(
    expect.objectContaining({ typeCode: BUSINESS_LICENCE_CODE, fullData: false, requestId: null }),
  );
  const body = { typeCode: BUSINESS_LICENCE_CODE, purpose: '工伤保险参保单位法定代表人核验', fullData: true };
  const missing = await t.call('POST', '/api/usage-list-requests', {
    as: 'jc-hrss-verifier',
    body: { typeCode: BUSINESS_LICENCE_CODE, purpose: body.purpose },
  });
  expect(missing.status).toBe(400);
  expect(missing.body.error.details[0]).toMatchObject({ field: 'fullData' });
  const unknownType = await t.call('POST', '/api/usage-list-requests', {
    as: 'jc-hrss-verifier',
    body: { ...body, typeCode: '11100000000013338W999' },
  });
  expect(unknownType.status).toBe(400);
  expect(unknownType.body.error.details[0]).toMatchObject({ field: 'typeCode', rule: 'published_type' });
  const byHolder = await t.call('POST', '/api/usage-list-requests', { as: 'holder-xingjin', body });
  expect(byHolder.status).toBe(403);

  const submitted = await t.call('POST', '/api/usage-list-requests', { as: 'jc-hrss-verifier', body });
  expect(submitted.status).toBe(201);
  expect(submitted.body).toMatchObject({ status: 'pending', typeName: '营业执照', scopeLabel: '完整数据' });
  const twice = await t.call('POST', '/api/usage-list-requests', { as: 'jc-hrss-verifier', body });
  expect(twice.status).toBe(409);
  // Still pending: the verifier's view is masked as before.
  expect((await search()).body.items[0]).toMatchObject({
    masked: true,
    data: { legalRepresentative: '王**' },
  });
  // Another county's overseer may not read the city unit's requests; the city's management unit may.
  expect(
    (await t.call('GET', '/api/usage-list-requests?organisationId=jc-hrss', { as: 'zz-approval-supervisor' }))
      .status,
  ).toBe(403);

  // The management unit of the city (晋城市行政审批服务管理局, its supervisor) approves in the approval engine.
  const processKey = submitted.body.approval.workflowId;
  let taskId: string | undefined;
  await waitFor(async () => {
    const inbox = await t.call('GET', '/api/tasks?box=pending', { as: 'jc-admin' });
    taskId =
      (inbox.body.items as Array<{ taskId: string | null; processKey: string }>).find(
        (x) => x.processKey === processKey && x.taskId,
      )?.taskId ?? undefined;
    return !!taskId;
  });
  const approved = await t.call('POST', `/api/tasks/${taskId}/approve`, {
    as: 'jc-admin',
    body: { comment: '用途明确，同意' },
  });
  expect(approved.status).toBe(200);
  await waitFor(async () => {
    const r = await t.call('GET', `/api/usage-list-requests/${submitted.body.id}`, {
      as: 'jc-hrss-verifier',
    });
    return r.body.status === 'approved';
  });

  const after = await search();
  expect(
    after.body.items.find((l: { identifier: string }) => l.identifier === business.identifier),
  ).toMatchObject({
    masked: false,
    data: { legalRepresentative: '王志刚' },
  });
  const overseen = await t.call('GET', '/api/usage-list?organisationId=jc-hrss', { as: 'jc-admin' });
  expect(overseen.body.items).toContainEqual(
    expect.objectContaining({
      typeCode: BUSINESS_LICENCE_CODE,
      fullData: true,
      purpose: body.purpose,
      requestId: submitted.body.id,
    }),
  );
  const requests = await t.call('GET', '/api/usage-list-requests', { as: 'jc-hrss-verifier' });
  expect(requests.body.items[0]).toMatchObject({ id: submitted.body.id, statusLabel: '已批准' });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('timed out');
}
