/**
 * Issue 15 Build 3 (SM-12): when a person leaves, their standing licence-signing authorisations are not revoked
 * with the others (the platform's issuance would stop) but put to the unit leader as a 待办 task: usable until the
 * leader decides, then kept for a named person of the unit or revoked, each step audited. Real API, PostgreSQL,
 * Temporal and the signing worker.
 */
import { AuditEvent } from '../../db/entities';
import { SealSignatureRecord, SealUseAuthorisation, SealUseHandover } from '../../db/seal-use-entities';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  FOOD_BUSINESS_CODE,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

const CLERK = 'user-zz-amr-clerk';
const authorisation = (id: string) =>
  t.em().fork().findOneOrFail(SealUseAuthorisation, { id }, { disableIdentityMap: true });
const audits = (action: string, targetId: string) => t.em().fork().find(AuditEvent, { action, targetId });
const handoverTasks = async (as: string) => {
  const inbox = await t.call('GET', '/api/tasks?box=pending&kind=seal_use_handover', { as });
  expect(inbox.status).toBe(200);
  return inbox.body.items as Array<{ processId: string; title: string; kindLabel: string; url: string }>;
};

describe('a leaving person’s standing licence-signing authorisations (SM-12)', () => {
  it('pass to the unit leader: usable meanwhile, then kept for a named person or revoked, each audited', async () => {
    const business = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
    const food = await grantLicenceSealUse(t, { typeCode: FOOD_BUSINESS_CODE });

    const left = await t.call('POST', `/api/people/${CLERK}/deactivate`, {
      as: 'zz-admin',
      body: { reason: '离职' },
    });
    expect(left.status).toBe(200);
    for (const a of [business, food]) {
      expect(await authorisation(a.authorisationId)).toMatchObject({ status: 'active', granteeId: CLERK });
      expect(await audits('seal_use.authorisation_handover', a.authorisationId)).toEqual([
        expect.objectContaining({ actorUsername: 'zz-admin' }),
      ]);
      expect(await audits('seal_use.authorisation_revoke', a.authorisationId)).toEqual([]);
    }
    const open = await t.em().fork().find(SealUseHandover, { leavingUserId: CLERK, status: 'pending' });
    expect(open.map((h) => h.authorisationId).sort()).toEqual(
      [business.authorisationId, food.authorisationId].sort(),
    );
    const byAuthorisation = new Map(open.map((h) => [h.authorisationId, h.id]));

    // Issuance does not stop while the leader has not decided.
    await issueLicence(t, businessLicenceBody());
    expect(
      await t.em().fork().count(SealSignatureRecord, { authorisationId: business.authorisationId }),
    ).toBeGreaterThan(0);

    // The decisions are the unit leader's 待办 tasks, nobody else's.
    const tasks = await handoverTasks('zz-amr-leader');
    expect(tasks.map((x) => x.processId).sort()).toEqual([...byAuthorisation.values()].sort());
    expect(tasks[0]).toMatchObject({ kindLabel: '离岗人员用印授权处理', url: `/seals/${business.sealId}` });
    expect(tasks[0].title).toMatch(/^张丽已停用，其.+证照签发用印授权待决定保留或撤销$/);
    expect(await handoverTasks('zz-amr-deputy')).toEqual([]);

    const decide = (as: string, id: string, body: Record<string, unknown>) =>
      t.call('POST', `/api/seal-use-handovers/${id}/decision`, { as, body });
    const businessHandover = byAuthorisation.get(business.authorisationId)!;
    const foodHandover = byAuthorisation.get(food.authorisationId)!;
    expect((await decide('zz-admin', businessHandover, { decision: 'keep' })).status).toBe(403);
    expect((await decide('zz-amr-deputy', businessHandover, { decision: 'revoke' })).status).toBe(403);
    const outsider = await decide('zz-amr-leader', businessHandover, {
      decision: 'keep',
      grantee: 'zz-admin',
    });
    expect(outsider.status).toBe(400);
    expect(outsider.body.error.details).toEqual([expect.objectContaining({ field: 'grantee' })]);
    expect(await authorisation(business.authorisationId)).toMatchObject({
      status: 'active',
      granteeId: CLERK,
    });

    const kept = await decide('zz-amr-leader', businessHandover, {
      decision: 'keep',
      grantee: 'zz-amr-deputy',
    });
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({
      status: 'kept',
      granteeId: 'user-zz-amr-deputy',
      authorisationStatus: 'active',
    });
    const revoked = await decide('zz-amr-leader', foodHandover, {
      decision: 'revoke',
      comment: '改由他人申请',
    });
    expect(revoked.status).toBe(200);
    expect((await authorisation(food.authorisationId)).status).toBe('revoked');
    expect((await decide('zz-amr-leader', foodHandover, { decision: 'keep' })).status).toBe(409);
    expect(await audits('seal_use.authorisation_keep', business.authorisationId)).toEqual([
      expect.objectContaining({ actorUsername: 'zz-amr-leader' }),
    ]);
    expect(await audits('seal_use.authorisation_revoke', food.authorisationId)).toEqual([
      expect.objectContaining({ actorUsername: 'zz-amr-leader' }),
    ]);
    expect(await handoverTasks('zz-amr-leader')).toEqual([]);

    // The kept authorisation now signs in the named person's name.
    const { licence } = await issueLicence(t, businessLicenceBody());
    const signatures = await t
      .em()
      .fork()
      .find(
        SealSignatureRecord,
        { authorisationId: business.authorisationId },
        { orderBy: { createdAt: 'desc' } },
      );
    expect(signatures[0].signerUserId).toBe('user-zz-amr-deputy');
    expect(licence).toBeTruthy();
  });
});
