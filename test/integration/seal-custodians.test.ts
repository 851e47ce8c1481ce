/**
 * Seal custodians (issue 15 Build 5, SM-14) on the real platform (Temporal, PostgreSQL): a seal made from an
 * application names as custodian the person of its unit the application named; a seal without a custodian refuses
 * signing (409, audited); a custodian change asked by the unit's clerk is decided by the unit leader through the
 * approval engine, and once approved the seal names the new custodian and deputy, the change is listed on the
 * seal and the unit pages and the seal signs again; a custodian who leaves hands the seal to the deputy. Bad
 * input and other units are refused, nothing stored.
 */
import { createHash } from 'node:crypto';
import { AppUser, AuditEvent, Seal } from '../../db/entities';
import { SealCustodianChange } from '../../db/seal-status-entities';
import { approvalHelpers } from '../support/approvals';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';
import { grant } from '../support/stamping';

let t: TestPlatform;
let sealId: string;
const CONTRACT = Buffer.from('保管人测试合同正文');
const CONTRACT_HASH = createHash('sha256').update(CONTRACT).digest('hex');

beforeAll(async () => {
  t = await startTestPlatform();
  sealId = await makeTestSeal(t, 'business', '泽州县市场监督管理局合同专用章');
});
afterAll(async () => {
  await t?.stop();
});

const userId = async (username: string) => (await t.em().findOneOrFail(AppUser, { username })).id;
const sealRow = () =>
  t
    .em()
    .fork()
    .findOneOrFail(Seal, { id: sealId }, { exclude: ['imprint'] });
const sign = (authorisationId: string) =>
  t.call('POST', `/api/seals/${sealId}/sign`, {
    as: 'zz-amr-clerk',
    body: { authorisationId, documentHash: CONTRACT_HASH },
  });
const ask = (as: string, body: Record<string, unknown>, seal = sealId) =>
  t.call('POST', `/api/seals/${seal}/custodian-changes`, { as, body });

it('a seal made from an application is kept by the person the application named', async () => {
  // sealApplicationRow names 张丽 (zz-amr-clerk) as custodian.
  expect((await sealRow()).custodianId).toBe(await userId('zz-amr-clerk'));
  const res = await t.call('GET', `/api/seals/${sealId}/custodians`, { as: 'zz-amr-leader' });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    custodian: { username: 'zz-amr-clerk', displayName: '张丽' },
    deputy: null,
  });
});

it('a seal without a custodian refuses signing; a custodian change is approved by the unit leader and listed', async () => {
  // A seal left without a custodian (as one made before custodians were kept, whose named keeper had no account).
  await t.em().fork().nativeUpdate(Seal, { id: sealId }, { custodianId: null, deputyCustodianId: null });
  const authorisationId = await grant(t, sealId, 'zz-amr-clerk', CONTRACT);

  const refused = await sign(authorisationId);
  expect(refused.status).toBe(409);
  expect(refused.body.error.details).toMatchObject({ reason: 'NO_CUSTODIAN' });
  expect(refused.body.error.message).toContain('尚未指定保管人');
  expect(refused.body.error.message).not.toMatch(/SM-|[A-Z_]{4,}/);
  const audited = await t
    .em()
    .fork()
    .findOne(AuditEvent, { action: 'seal.sign', targetId: sealId, outcome: 'rejected' });
  expect(audited?.details).toMatchObject({ code: 'NO_CUSTODIAN', authorisationId });

  // The clerk asks: 马红 keeps the seal, 张丽 is the deputy.
  const asked = await ask('zz-amr-clerk', {
    custodian: 'zz-amr-deputy',
    deputy: 'zz-amr-clerk',
    reason: '原保管人未登记，指定保管人',
  });
  expect(asked.status).toBe(201);
  expect(asked.body).toMatchObject({
    status: 'pending',
    custodian: { username: 'zz-amr-deputy' },
    deputy: { username: 'zz-amr-clerk' },
  });
  const key = asked.body.approval.workflowId as string;
  expect(key).toBe(`approval-seal_custodian_change-${asked.body.id}`);
  // Pending, the seal still names nobody, and a second request waits for the first (409).
  expect((await sealRow()).custodianId).toBeNull();
  expect((await ask('zz-amr-deputy', { custodian: 'zz-amr-clerk', reason: '再次申请变更' })).status).toBe(
    409,
  );

  // The unit leader decides, through the approval engine: the task is theirs, not the clerk's.
  const approvals = approvalHelpers(t);
  expect(await approvals.openTasksOf(key, 'zz-amr-clerk')).toHaveLength(0);
  await approvals.approve('zz-amr-leader', key, '同意');
  await approvals.waitForStatus(key, 'approved', 'zz-amr-leader');
  const decided = await waitFor(async () => {
    const r = await t.em().fork().findOneOrFail(SealCustodianChange, { id: asked.body.id });
    return r.status === 'approved' ? r : null;
  });
  expect(decided.previousCustodianId).toBeNull();
  const seal = await sealRow();
  expect(seal.custodianId).toBe(await userId('zz-amr-deputy'));
  expect(seal.deputyCustodianId).toBe(await userId('zz-amr-clerk'));
  expect(seal.custodianName).toBe('马红');
  expect(
    await t.em().fork().count(AuditEvent, { action: 'seal_custodian_change.approved', targetId: sealId }),
  ).toBe(1);

  // Listed: over JSON, on the seal page and on the unit page (custodian and deputy next to the seal).
  const listed = await t.call('GET', `/api/seals/${sealId}/custodians`, { as: 'zz-amr-clerk' });
  expect(listed.body).toMatchObject({
    custodian: { displayName: '马红' },
    deputy: { displayName: '张丽' },
    history: [{ id: asked.body.id, status: 'approved', reason: '原保管人未登记，指定保管人' }],
  });
  const sealPage = await t.call('GET', `/seals/${sealId}`, { as: 'zz-amr-leader' });
  expect(sealPage.status).toBe(200);
  expect(sealPage.body).toMatch(/id="seal-custodian">马红</);
  expect(sealPage.body).toContain('原保管人未登记，指定保管人');
  const unitPage = await t.call('GET', '/organisations/zz-amr', { as: 'zz-admin' });
  expect(unitPage.status).toBe(200);
  const row = String(unitPage.body).match(new RegExp(`<tr data-seal="${sealId}">[\\s\\S]*?</tr>`))?.[0];
  expect(row).toContain('<td class="seal-custodian">马红</td>');
  expect(row).toContain('<td class="seal-deputy">张丽</td>');
  expect(unitPage.body).toContain('id="unit-custodian-changes"');
  expect(unitPage.body).toContain('指定责任人');

  // Named again, the seal signs.
  const signed = await sign(authorisationId);
  expect(signed.status).toBe(201);
});

it('a custodian who leaves the unit hands the seal to the deputy', async () => {
  // 马红 keeps the seal, 张丽 is the deputy (the change approved above); 马红 leaves.
  const left = await t.call('POST', '/api/people/user-zz-amr-deputy/deactivate', {
    as: 'zz-admin',
    body: { reason: '离职' },
  });
  expect(left.status).toBe(200);
  const seal = await sealRow();
  expect(seal.custodianId).toBe(await userId('zz-amr-clerk'));
  expect(seal.deputyCustodianId).toBeNull();
  expect(seal.custodianName).toBe('张丽');
  expect(await t.em().fork().count(AuditEvent, { action: 'seal.custodian_release', targetId: sealId })).toBe(
    1,
  );
  // Someone who left cannot be named.
  const named = await ask('zz-amr-clerk', { custodian: 'zz-amr-deputy', reason: '恢复原保管人' });
  expect(named.status).toBe(400);
  expect(named.body.error.message).toContain('已停用');
});

it('refuses people outside the unit, the same person twice, other units and roles, storing nothing', async () => {
  const before = await t.em().fork().count(SealCustodianChange, {});
  const outsider = await ask('zz-amr-clerk', { custodian: 'gp-amr-clerk', reason: '调整保管人' });
  expect(outsider.status).toBe(400);
  expect(outsider.body.error.details).toEqual(
    expect.arrayContaining([expect.objectContaining({ field: 'custodian', rule: 'seal_unit_person' })]),
  );
  const same = await ask('zz-amr-clerk', {
    custodian: 'zz-amr-clerk',
    deputy: 'zz-amr-clerk',
    reason: '调整保管人',
  });
  expect(same.status).toBe(400);
  expect(JSON.stringify(same.body)).toContain('deputy');
  expect((await ask('gp-amr-clerk', { custodian: 'zz-amr-clerk', reason: '调整保管人' })).status).toBe(403);
  // A licence issuer of the unit may not ask (seal applicants and the leader may).
  expect((await ask('zz-amr-issuer', { custodian: 'zz-amr-clerk', reason: '调整保管人' })).status).toBe(403);
  expect((await t.call('GET', `/api/seals/${sealId}/custodians`, { as: 'gp-amr-clerk' })).status).toBe(403);
  expect(await t.em().fork().count(SealCustodianChange, {})).toBe(before);
});

/** Polls until `probe` answers something, at most ~20 s. */
async function waitFor<T>(probe: () => Promise<T | null>, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const found = await probe();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}
