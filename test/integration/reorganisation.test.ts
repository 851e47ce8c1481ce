/**
 * Issue 15 Build 4: a reorganisation (机构改革) of 泽州县市场监督管理局 into a renamed successor, against the real
 * API, Temporal (the `reorganisation-<id>` workflow and the signing worker) and PostgreSQL. The successor gets a
 * new organisation certificate (SM-5(1)); the old seals are cancelled with the reorganisation as proof (SM-15); a
 * seal under the new name can be applied for and made (SM-7); the licence issued before still verifies PASSED and
 * names the successor as the unit now responsible; the licence types move in new catalogue versions (LM-7); the
 * open tasks of the unit move to the successor's role group; new licences are issued under the successor.
 */
import { AuditEvent, Organisation, OrganisationCertificate, Seal, Task } from '../../db/entities';
import { SealStatusChange } from '../../db/seal-status-entities';
import { LicenceType, Licence } from '../../db/licence-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { SYSTEM_ACTOR } from '../../db/audit';
import { cancelPredecessorSeals, createSuccessor, moveLicenceTypes } from '../../usecases/reorganisation';
import { applicationBody } from '../support/fixtures';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
  randomUscc,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';

let t: TestPlatform;
const NEW_NAME = '泽州县市场监督管理和知识产权局';

beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

/** Polls until `probe` answers something, at most ~60 s. */
async function waitFor<T>(probe: () => Promise<T | null | undefined>, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const found = await probe();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

/** A seal-use request of zz-amr left waiting for its unit leader: an open task of the unit. */
async function pendingSealUse(sealId: string): Promise<string> {
  const res = await t.call('POST', '/api/seal-use-requests', {
    as: 'zz-amr-clerk',
    body: {
      sealId,
      documents: [{ title: '合同（机构改革前提交）' }],
      maxUses: 1,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(),
      reason: '待审批的用印申请',
    },
  });
  expect(res.status).toBe(201);
  const workflowId = approvalWorkflowId('seal_use', res.body.id);
  await waitFor(() => t.em().findOne(Task, { workflowId, status: 'pending' }, { disableIdentityMap: true }));
  return workflowId;
}

it('renames 泽州县市场监督管理局 through the reorganisation, and the whole line follows', async () => {
  // Before: a licence issued by zz-amr, and an open task of its leader.
  const granted = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  const before = await issueLicence(t, businessLicenceBody());
  const approval = await pendingSealUse(granted.sealId);
  const typeBefore = await t
    .em()
    .findOneOrFail(LicenceType, { code: BUSINESS_LICENCE_CODE, status: 'published' });

  const preview = await t.call('GET', '/api/organisations/zz-amr/reorganisation-preview', { as: 'zz-admin' });
  expect(preview.status).toBe(200);
  expect(preview.body.seals.length).toBeGreaterThan(0);
  expect(preview.body.licenceTypes.map((x: { code: string }) => x.code)).toContain(BUSINESS_LICENCE_CODE);
  expect(preview.body.openTasks).toBeGreaterThan(0);
  // The unit's own leader is no administrator over it.
  expect(
    (await t.call('GET', '/api/organisations/zz-amr/reorganisation-preview', { as: 'zz-amr-leader' })).status,
  ).toBe(403);

  const uscc = randomUscc();
  // The wizard's preview page (step three) says what moves before anything is done.
  const query = new URLSearchParams({ name: NEW_NAME, uscc, reason: '县级机构改革' }).toString();
  const wizard = await t.call('GET', `/organisations/zz-amr/reorganise?${query}`, { as: 'zz-admin' });
  expect(wizard.status).toBe(200);
  expect(String(wizard.body)).toContain(`注销原单位的 ${preview.body.seals.length} 枚电子印章`);
  expect(String(wizard.body)).toContain('确认办理机构改革');
  const started = await t.call('POST', '/api/reorganisations', {
    as: 'zz-admin',
    body: {
      organisationId: 'zz-amr',
      name: NEW_NAME,
      uscc,
      reason: '县级机构改革，市场监管与知识产权职责合并',
    },
  });
  expect(started.status).toBe(202);
  const id = started.body.id as string;
  const done = await waitFor(async () => {
    const r = await t.call('GET', `/api/reorganisations/${id}`, { as: 'zz-admin' });
    return r.body.status === 'done' ? r.body : null;
  });
  const successorId = done.successor.id as string;
  const progress = await t.call('GET', `/reorganisations/${id}`, { as: 'zz-admin' });
  expect(String(progress.body)).toContain('已办理完成');
  expect(done.summary).toMatchObject({ successorId, certificateRefused: null, processesMoved: 1 });
  expect(done.summary.licenceTypes).toContain(BUSINESS_LICENCE_CODE);

  const em = t.em();
  const predecessor = await em.findOneOrFail(Organisation, { id: 'zz-amr' }, { disableIdentityMap: true });
  expect(predecessor.closedAt).not.toBeNull();
  expect(predecessor.successorId).toBe(successorId);
  const successor = await em.findOneOrFail(Organisation, { id: successorId }, { disableIdentityMap: true });
  expect(successor).toMatchObject({ name: NEW_NAME, uscc, jurisdictionId: predecessor.jurisdictionId });

  // SM-5(1): a new certificate naming the successor.
  const certificate = await em.findOneOrFail(OrganisationCertificate, { id: done.summary.certificateId });
  expect(certificate.organisationId).toBe(successorId);
  expect(certificate.subject).toContain(NEW_NAME);

  // SM-15: every old seal cancelled, the reorganisation named as the proof.
  const oldSeals = await em.find(
    Seal,
    { organisationId: 'zz-amr' },
    { exclude: ['imprint'], disableIdentityMap: true },
  );
  expect(oldSeals.length).toBe(done.summary.sealsCancelled);
  expect(oldSeals.every((s) => s.status === 'cancelled')).toBe(true);
  const changes = await em.find(SealStatusChange, { sealId: granted.sealId, event: 'cancelled' });
  expect(changes).toEqual([
    expect.objectContaining({ eventKey: `seal.cancelled:reorganisation-${id}:${granted.sealId}` }),
  ]);
  expect(changes[0]!.reason).toContain('机构改革');

  // SM-7: a seal application under the new name is taken, and the seal is made; one under the old name is not.
  const applied = await t.call('POST', '/api/seal-applications', {
    as: 'zz-amr-clerk',
    body: applicationBody({ name: `${NEW_NAME}合同专用章` }),
  });
  expect(applied.status).toBe(201);
  await expect(makeTestSeal(t, 'business', '泽州县市场监督管理局证照专用章', successorId)).rejects.toThrow(
    /应以机构数字证书中的单位名称/,
  );
  await makeTestSeal(t, 'business', `${NEW_NAME}证照专用章`, successorId);

  // The licence issued before still verifies, and names the successor as the unit now responsible.
  const verified = await t.call('POST', '/api/verify', { body: { identifier: before.licence.identifier } });
  expect(verified.status).toBe(200);
  expect(verified.body.indication).toBe('PASSED');
  expect(verified.body.licence.issuerName).toBe('泽州县市场监督管理局');
  expect(verified.body.responsibleUnit).toEqual({ id: successorId, name: NEW_NAME, reorganised: true });
  const page = await t.call('GET', `/verify/${encodeURIComponent(before.licence.identifier)}`);
  expect(String(page.body)).toContain(`现负责单位</dt><dd>${NEW_NAME}`);

  // LM-7: the licence type names the successor in a new published version.
  const typeAfter = await em.findOneOrFail(
    LicenceType,
    { code: BUSINESS_LICENCE_CODE, status: 'published' },
    { disableIdentityMap: true },
  );
  expect(typeAfter.version).toBe(typeBefore.version + 1);
  expect(typeAfter.definition.issuingUnitIds).toContain(successorId);
  expect(typeAfter.definition.issuingUnitIds).not.toContain('zz-amr');

  // The open task moved to the successor's leaders, with a note in the timeline.
  const moved = await waitFor(() =>
    em.findOne(
      Task,
      { workflowId: approval, status: 'pending', assigneeOrganisationId: successorId },
      { disableIdentityMap: true },
    ),
  );
  expect(moved.assigneeOrganisationId).toBe(successorId);
  const inbox = await t.call('GET', '/api/tasks?box=pending', { as: 'zz-amr-leader' });
  expect(inbox.body.items.map((x: { processKey: string }) => x.processKey)).toContain(approval);

  // New licences are issued under the successor (its staff moved with it).
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  const after = await issueLicence(t, businessLicenceBody());
  const stored = await em.findOneOrFail(
    Licence,
    { identifier: after.licence.identifier },
    { disableIdentityMap: true },
  );
  expect(stored.issuerOrganisationId).toBe(successorId);
  expect(stored.metadata.issuer.name).toBe(NEW_NAME);

  const audited = await em.find(AuditEvent, { targetType: 'reorganisation', targetId: id });
  expect(audited.map((e) => e.action).sort()).toEqual(['reorganisation.done', 'reorganisation.start']);
}, 180_000);

it('steps run again change nothing (idempotent activities)', async () => {
  const em = t.em();
  const [r] = await em.getConnection().execute(`select id, successor_id from reorganisation limit 1`);
  const orgs = await em.count(Organisation, {});
  const types = await em.count(LicenceType, {});
  expect(await createSuccessor(em.fork(), r.id, SYSTEM_ACTOR)).toBe(r.successor_id);
  expect(await cancelPredecessorSeals(em.fork(), r.id, SYSTEM_ACTOR)).toBe(0);
  expect(await moveLicenceTypes(em.fork(), r.id, SYSTEM_ACTOR)).toEqual([]);
  expect(await em.count(Organisation, {})).toBe(orgs);
  expect(await em.count(LicenceType, {})).toBe(types);
  // A second reorganisation of the closed unit is refused.
  const again = await t.call('POST', '/api/reorganisations', {
    as: 'zz-admin',
    body: { organisationId: 'zz-amr', name: '另一个名称局', uscc: randomUscc(), reason: '重复' },
  });
  expect(again.status).toBe(409);
});
