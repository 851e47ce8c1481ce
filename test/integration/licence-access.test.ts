/**
 * Who may see a licence through the API (LM-5, LM-14, LM-16, LM-25), on real services: the issuing unit and the
 * management unit above it in full, the holder their own in full, a using unit with the type on its usage list
 * masked (no full export), and another county's issuer, a using unit without the type on its list and another
 * holder refused with 403, each refusal in the audit log.
 */
import { AppUser, AuditEvent } from '../../db/entities';
import { DEMO_ENTERPRISE_USCC } from '../../seed/demo-licensing';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  FOOD_BUSINESS_CODE,
  foodBusinessBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let business: { identifier: string; data: Record<string, unknown> };
let food: { identifier: string };

beforeAll(async () => {
  t = await startTestPlatform();
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  await grantLicenceSealUse(t, { typeCode: FOOD_BUSINESS_CODE });
  const body = businessLicenceBody({
    holder: { name: '晋城市兴晋煤业有限公司', code: DEMO_ENTERPRISE_USCC },
    data: { legalRepresentative: '王志刚' },
  });
  business = (await issueLicence(t, body)).licence;
  food = (
    await issueLicence(
      t,
      foodBusinessBody({
        holder: { name: '晋城市兴晋煤业有限公司', code: DEMO_ENTERPRISE_USCC },
        data: { mainFormat: '单位食堂' },
      }),
    )
  ).licence;
});
afterAll(async () => {
  await t?.stop();
});

const get = (identifier: string, as: string, suffix = '') =>
  t.call('GET', `/api/licenses/${identifier}${suffix}`, { as });

it('another county’s issuer, a using unit without the type on its list and another holder get 403, audited', async () => {
  const refusals: Array<[string, string]> = [
    ['gp-amr-issuer', business.identifier],
    ['holder-zhangwei', business.identifier],
    ['jc-hrss-verifier', food.identifier],
    // Staff of the issuing unit without a licence role (the seal applicant) are not its licence staff.
    ['zz-amr-clerk', business.identifier],
  ];
  for (const [as, identifier] of refusals) {
    for (const suffix of ['', '/export', '/versions']) {
      const res = await get(identifier, as, suffix);
      expect([as, suffix, res.status]).toEqual([as, suffix, 403]);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
  }
  const denied = await t.em().find(AuditEvent, { outcome: 'denied', targetType: 'licence' });
  for (const [as, identifier] of refusals) {
    const mine = denied.filter((e) => e.actorUsername === as && e.targetId === identifier);
    expect(mine.map((e) => e.action).sort()).toEqual(['licence.export', 'licence.versions', 'licence.view']);
  }
});

it('the holder sees their own licence in full, and may export it', async () => {
  const res = await get(business.identifier, 'holder-xingjin');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    masked: false,
    holder: { code: DEMO_ENTERPRISE_USCC },
    data: { legalRepresentative: '王志刚' },
  });
  const exported = await get(business.identifier, 'holder-xingjin', '/export');
  expect(exported.status).toBe(200);
  expect(exported.body.licence.data.legalRepresentative).toBe('王志刚');
});

it('a using unit with the type on its usage list sees it masked and cannot export it in full', async () => {
  const res = await get(business.identifier, 'jc-hrss-verifier');
  expect(res.status).toBe(200);
  expect(res.body.masked).toBe(true);
  expect(res.body.data.legalRepresentative).toBe('王**');
  // Items that are not sensitive stay as issued.
  expect(res.body.data.businessScope).toBe(business.data.businessScope);
  const exported = await get(business.identifier, 'jc-hrss-verifier', '/export');
  expect(exported.status).toBe(403);
  const versions = await get(business.identifier, 'jc-hrss-verifier', '/versions');
  expect(versions.status).toBe(200);
});

it('a usage list is for the using unit’s verifying staff, not for everyone who works there', async () => {
  const em = t.em();
  em.create(AppUser, {
    id: 'user-jc-hrss-clerk',
    username: 'jc-hrss-clerk',
    displayName: '社保窗口人员',
    email: null,
    organisationId: 'jc-hrss',
    roles: ['seal_applicant'],
    active: true,
    holderCode: null,
  });
  await em.flush();
  const res = await get(business.identifier, 'jc-hrss-clerk');
  expect(res.status).toBe(403);
});

it('the management unit over the issuing unit sees it in full; the issuing unit’s staff do', async () => {
  for (const as of ['zz-approval-supervisor', 'jc-admin', 'zz-amr-issuer', 'zz-amr-system']) {
    const res = await get(business.identifier, as);
    expect([as, res.status, res.body.masked]).toEqual([as, 200, false]);
    expect(res.body.data.legalRepresentative).toBe('王志刚');
  }
  const views = await t.em().find(AuditEvent, {
    outcome: 'success',
    action: 'licence.view',
    targetId: business.identifier,
  });
  expect(views.map((e) => e.actorUsername)).toEqual(
    expect.arrayContaining(['zz-approval-supervisor', 'jc-hrss-verifier', 'holder-xingjin']),
  );
});

it('search is the issuing unit’s own, or within the management unit’s jurisdiction', async () => {
  const own = await t.call('GET', `/api/licenses?holderCode=${DEMO_ENTERPRISE_USCC}`, {
    as: 'zz-amr-issuer',
  });
  expect(own.status).toBe(200);
  expect(own.body.items.map((l: { identifier: string }) => l.identifier).sort()).toEqual(
    [business.identifier, food.identifier].sort(),
  );
  const byType = await t.call('GET', `/api/licenses?typeCode=${FOOD_BUSINESS_CODE}`, { as: 'zz-amr-system' });
  expect(byType.body.items.map((l: { identifier: string }) => l.identifier)).toEqual([food.identifier]);
  const other = await t.call('GET', `/api/licenses?holderCode=${DEMO_ENTERPRISE_USCC}`, {
    as: 'gp-amr-issuer',
  });
  expect(other.status).toBe(200);
  expect(other.body.items).toEqual([]);
  const supervisor = await t.call('GET', `/api/licenses?holderCode=${DEMO_ENTERPRISE_USCC}`, {
    as: 'zz-approval-supervisor',
  });
  expect(supervisor.body.total).toBe(2);
  // A using unit's verifier searches one holder at a time (LM-16): without the holder's code, a 400 naming it.
  const verifier = await t.call('GET', '/api/licenses', { as: 'jc-hrss-verifier' });
  expect(verifier.status).toBe(400);
  expect(verifier.body.error.details).toEqual([
    expect.objectContaining({ field: 'holderCode', rule: 'required' }),
  ]);
  // A seal applicant has no licence role at all.
  const clerk = await t.call('GET', '/api/licenses', { as: 'zz-amr-clerk' });
  expect(clerk.status).toBe(403);
});
