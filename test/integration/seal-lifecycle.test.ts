/**
 * Issue 12 Build 5, the seal side of the lifecycle, through the API against the real Temporal server, PostgreSQL
 * and the signing worker: a loss reported by the unit suspends the seal at once and signing answers
 * SEAL_NOT_ACTIVE naming the loss (SM-16); the loss is then handled through the approval engine (restored);
 * a cancellation with proof is approved by the seal management department and takes effect from its stated time
 * (SM-15), so that a licence signed before it verifies PASSED and one signed after it FAILED/REVOKED, never
 * REVOKED_NO_POE; every change is in the seal's history with its time, and its public status needs no login.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AppUser, AuditEvent, Organisation, OrganisationCertificate, Seal } from '../../db/entities';
import { SealStatusChange, SealStatusRequest, SealVersion } from '../../db/seal-status-entities';
import type { SealSignature } from '../../domain/seal-signature';
import { verifySealSignature } from '../../pki/seal-signer';
import { issueCertificateFor, loadCertificateAuthority } from '../../usecases/certificate-store';
import { TEST_PKI_MASTER_KEY } from '../support/env';
import { approvalWorkflowId } from '../../domain/approval';
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
/** The seal management department of 泽州县 reviews cancellations and loss handling (the default flows). */
const REVIEWERS = [
  'zz-approval-reviewer',
  'zz-approval-reviewer2',
  'zz-approval-reviewer3',
  'zz-approval-leader',
];

async function upload(as: string, text: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(text)], { type: 'text/plain' }), '证明材料.txt');
  const res = await fetch(`${t.url}/api/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await t.token(as)}` },
    body: form,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** The reviewers act on the request's approval task until one of them has it: approve or reject. */
async function decide(processKey: string, action: 'approve' | 'reject'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    for (const reviewer of REVIEWERS) {
      const inbox = await t.call('GET', '/api/tasks?box=pending', { as: reviewer });
      const task = (inbox.body.items as Array<{ taskId: string | null; processKey: string }>).find(
        (x) => x.processKey === processKey && x.taskId,
      );
      if (!task) continue;
      const res = await t.call('POST', `/api/tasks/${task.taskId}/${action}`, {
        as: reviewer,
        body: action === 'approve' ? { comment: '材料齐全，同意' } : { reason: '证明材料不足' },
      });
      expect(res.status).toBe(200);
      return;
    }
    await sleep(100);
  }
  throw new Error(`no reviewer has a task of ${processKey}`);
}

async function waitForRequest(id: string, status: string, as = 'zz-amr-clerk') {
  for (let i = 0; i < 150; i++) {
    const res = await t.call('GET', `/api/seal-status-requests/${id}`, { as });
    if (res.body.status === status) return res.body;
    await sleep(100);
  }
  throw new Error(`seal status request ${id} did not reach ${status}`);
}

async function waitForSealStatus(sealId: string, status: string, as = 'zz-amr-clerk', event?: string) {
  for (let i = 0; i < 150; i++) {
    const res = await t.call('GET', `/api/seals/${sealId}/status-history`, { as });
    const last = res.body.items?.at(-1)?.event;
    if (res.body.status === status && (!event || last === event)) return res.body;
    await sleep(100);
  }
  throw new Error(`seal ${sealId} did not become ${status}`);
}

/** A seal-use authorisation for `sealId`, approved by the unit leader (default seal_use flow). */
async function authorise(
  sealId: string,
  documentHash: string | string[],
  as = 'zz-amr-clerk',
  leader = 'zz-amr-leader',
): Promise<string> {
  const submitted = await t.call('POST', '/api/seal-use-requests', {
    as,
    body: {
      sealId,
      documents: [documentHash].flat().map((sha256, i) => ({ title: `会议纪要${i + 1}`, sha256 })),
      maxUses: 5,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + 24 * 3600_000).toISOString(),
      reason: '印发会议纪要',
    },
  });
  expect(submitted.status).toBe(201);
  const key = approvalWorkflowId('seal_use', submitted.body.id);
  for (let i = 0; i < 100; i++) {
    const inbox = await t.call('GET', '/api/tasks?box=pending', { as: leader });
    const task = (inbox.body.items as Array<{ taskId: string | null; processKey: string }>).find(
      (x) => x.processKey === key && x.taskId,
    );
    if (task) {
      await t.call('POST', `/api/tasks/${task.taskId}/approve`, {
        as: leader,
        body: { comment: '同意' },
      });
      break;
    }
    await sleep(100);
  }
  for (let i = 0; i < 150; i++) {
    const view = await t.call('GET', `/api/seal-use-requests/${submitted.body.id}`, { as });
    if (view.body.authorisation) return view.body.authorisation.id as string;
    await sleep(100);
  }
  throw new Error('no authorisation');
}

beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

describe('issue 12 Build 5 — loss (SM-16): reported at once, suspended immediately, then handled', () => {
  let sealId: string;
  let code: string;
  let authorisationId: string;
  const MINUTES = sha('局务会议纪要（第3期）');

  beforeAll(async () => {
    sealId = await makeTestSeal(t, 'business', '泽州县市场监督管理局会议专用章');
    authorisationId = await authorise(sealId, MINUTES);
    code = (await t.call('GET', `/api/seals/${sealId}`, { as: 'zz-amr-clerk' })).body.esId;
  });

  it('bad input is 400 naming the field; another unit is 403; nothing changes', async () => {
    const bad = await t.call('POST', `/api/seals/${sealId}/loss`, { as: 'zz-amr-clerk', body: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'reason' })]);
    const other = await t.call('POST', `/api/seals/${sealId}/loss`, {
      as: 'gp-amr-clerk',
      body: { reason: '不是本单位的印章' },
    });
    expect(other.status).toBe(403);
    expect(await t.em().count(SealStatusChange, { sealId, event: 'loss_reported' })).toBe(0);
  });

  it('the seal is suspended at once and signing answers SEAL_NOT_ACTIVE naming the loss', async () => {
    const before = Date.now();
    const lost = await t.call('POST', `/api/seals/${sealId}/loss`, {
      as: 'zz-amr-clerk',
      body: { reason: '存放印章密钥的介质遗失' },
    });
    expect(lost.status).toBe(200);
    expect(lost.body).toMatchObject({
      status: 'lost',
      statusLabel: '已挂失',
      reason: '存放印章密钥的介质遗失',
    });
    expect(new Date(lost.body.since).getTime()).toBeGreaterThanOrEqual(before - 1000);

    const signed = await t.call('POST', `/api/seals/${sealId}/sign`, {
      as: 'zz-amr-clerk',
      body: { authorisationId, documentHash: MINUTES },
    });
    expect(signed.status).toBe(422);
    expect(signed.body.error.details).toMatchObject({ reason: 'SEAL_NOT_ACTIVE' });
    expect(signed.body.error.message).toContain('挂失');
    expect(signed.body.error.message).toContain('存放印章密钥的介质遗失');

    const again = await t.call('POST', `/api/seals/${sealId}/loss`, {
      as: 'zz-amr-clerk',
      body: { reason: '再次挂失' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('不能重复挂失');
    const audit = await t.em().findOne(AuditEvent, { action: 'seal.loss_reported', targetId: sealId });
    expect(audit).toMatchObject({ actorUsername: 'zz-amr-clerk', outcome: 'success' });
  });

  it('the public status by code shows the loss and since when, without login', async () => {
    const res = await t.call('GET', `/api/public/seals/${code}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code, status: 'lost', statusLabel: '已挂失' });
    expect(res.body.history.map((h: { eventLabel: string }) => h.eventLabel)).toEqual(['制作启用', '挂失']);
    expect((await t.call('GET', '/api/public/seals/123')).status).toBe(400);
    expect((await t.call('GET', '/api/public/seals/999999999999999999')).status).toBe(404);
    const page = await fetch(`${t.url}/seals/status/${code}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('已挂失');
    expect(html).toContain(code);
  });

  it('restoring the lost seal goes through the approval engine; approved, the seal signs again', async () => {
    const submitted = await t.call('POST', '/api/seal-status-requests', {
      as: 'zz-amr-clerk',
      body: { sealId, action: 'restore', reason: '遗失的介质已找回，经核查未被使用' },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ processKind: 'seal_loss_handling', status: 'pending' });
    // Still suspended while the department decides.
    expect(
      (await t.call('GET', `/api/seals/${sealId}/status-history`, { as: 'zz-amr-clerk' })).body.status,
    ).toBe('lost');
    const second = await t.call('POST', '/api/seal-status-requests', {
      as: 'zz-amr-clerk',
      body: { sealId, action: 'restore', reason: '重复提交' },
    });
    expect(second.status).toBe(409);

    await decide(submitted.body.approval.workflowId, 'approve');
    await waitForRequest(submitted.body.id, 'approved');
    const history = await waitForSealStatus(sealId, 'active');
    expect(history.items.map((h: { event: string }) => h.event)).toEqual([
      'made',
      'loss_reported',
      'restored',
    ]);
    for (const h of history.items) expect(h.effectiveAt).toEqual(expect.any(String));

    const signed = await t.call('POST', `/api/seals/${sealId}/sign`, {
      as: 'zz-amr-clerk',
      body: { authorisationId, documentHash: MINUTES },
    });
    expect(signed.status).toBe(201);
  });

  it('a restore of a seal that is not lost is 409 naming the rule', async () => {
    const res = await t.call('POST', '/api/seal-status-requests', {
      as: 'zz-amr-clerk',
      body: { sealId, action: 'restore', reason: '误操作' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('只有已挂失的印章才能解除挂失');
  });
});

describe('issue 12 Build 5 — cancellation (SM-15) from a stated time, and verification before and after it', () => {
  let sealId: string;
  let before: string;
  let after: string;
  let cutOff: string;

  beforeAll(async () => {
    const granted = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
    sealId = granted.sealId;
    before = (await issueLicence(t, businessLicenceBody())).licence.identifier;
    await sleep(1100); // the signing times are to the second apart
    cutOff = new Date(Date.now() - 500).toISOString();
    await sleep(600);
    after = (await issueLicence(t, businessLicenceBody())).licence.identifier;
  });

  it('without proof attachments it is 400 naming attachments; nothing is stored', async () => {
    const res = await t.call('POST', '/api/seal-status-requests', {
      as: 'zz-amr-clerk',
      body: { sealId, action: 'cancel', reason: '单位合并，原印章停止使用' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'attachments' })]);
    expect(await t.em().count(SealStatusRequest, { sealId })).toBe(0);
  });

  it('rejected by the seal management department, the seal stays active', async () => {
    const proof = await upload('zz-amr-clerk', '关于机构合并的决定（草稿）');
    const res = await t.call('POST', '/api/seal-status-requests', {
      as: 'zz-amr-clerk',
      body: { sealId, action: 'cancel', reason: '单位合并', attachments: [proof] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ processKind: 'seal_cancellation', status: 'pending' });
    await decide(res.body.approval.workflowId, 'reject');
    await waitForRequest(res.body.id, 'rejected');
    expect(
      (await t.call('GET', `/api/seals/${sealId}/status-history`, { as: 'zz-amr-clerk' })).body.status,
    ).toBe('active');
  });

  it('approved, the seal is cancelled from the stated time: signed before PASSED, after FAILED/REVOKED', async () => {
    const proof = await upload('zz-amr-clerk', '关于机构合并的决定（正式文件）');
    const key = `cancel-${randomUUID()}`;
    const body = {
      sealId,
      action: 'cancel',
      reason: '单位合并，原印章停止使用',
      effectiveFrom: cutOff,
      attachments: [proof],
    };
    const res = await t.call('POST', '/api/seal-status-requests', {
      as: 'zz-amr-clerk',
      body,
      headers: { 'Idempotency-Key': key },
    });
    expect(res.status).toBe(201);
    const replay = await t.call('POST', '/api/seal-status-requests', {
      as: 'zz-amr-clerk',
      body,
      headers: { 'Idempotency-Key': key },
    });
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(res.body.id);
    await decide(res.body.approval.workflowId, 'approve');
    await waitForRequest(res.body.id, 'approved');
    const history = await waitForSealStatus(sealId, 'cancelled');
    expect(history.since).toBe(cutOff);
    expect(history.items.at(-1)).toMatchObject({
      event: 'cancelled',
      effectiveAt: cutOff,
      requestId: res.body.id,
    });

    const early = await t.call('POST', '/api/verify', { body: { identifier: before } });
    expect([early.body.indication, early.body.subIndication]).toEqual(['PASSED', null]);
    const late = await t.call('POST', '/api/verify', { body: { identifier: after } });
    expect([late.body.indication, late.body.subIndication]).toEqual(['FAILED', 'REVOKED']);
    const exported = await t.call('GET', `/api/licenses/${after}/export`, { as: 'zz-amr-system' });
    const byDocument = await t.call('POST', '/api/verify', { body: { document: exported.body } });
    expect([byDocument.body.indication, byDocument.body.subIndication]).toEqual(['FAILED', 'REVOKED']);
  });

  it('a cancelled seal refuses every change and signing, and its public status says since when', async () => {
    const res = await t.call('POST', `/api/seals/${sealId}/loss`, {
      as: 'zz-amr-clerk',
      body: { reason: '遗失' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('已注销');
    const code = (await t.call('GET', `/api/seals/${sealId}`, { as: 'zz-amr-clerk' })).body.esId;
    const status = await t.call('GET', `/api/public/seals/${code}`);
    expect(status.body).toMatchObject({ status: 'cancelled', statusLabel: '已注销', since: cutOff });
  });
});

describe('issue 12 Build 5 — renewal (SM-8): a new certificate and seal version with the same code', () => {
  const ORG = 'zz-renewal-test';
  const NAME = '泽州县续期测试服务中心';
  let sealId: string;
  let code: string;
  let authorisationId: string;
  let caPem: string;
  const BEFORE = sha('续期前的文件');
  const AFTER = sha('续期后的文件');

  /** A unit whose only certificate expires in 20 days, with a seal applicant and a leader. */
  beforeAll(async () => {
    const em = t.em().fork();
    await em.insert(Organisation, {
      id: ORG,
      name: NAME,
      uscc: randomUscc(),
      jurisdictionId: '140525',
      functions: ['using_unit'],
      createdAt: new Date(),
    });
    await em.insert(AppUser, {
      id: `user-${ORG}-clerk`,
      username: `${ORG}-clerk`,
      displayName: '续期经办人',
      email: null,
      organisationId: ORG,
      roles: ['seal_applicant'],
      active: true,
      holderCode: null,
      oidcSubject: null,
    });
    await em.insert(AppUser, {
      id: `user-${ORG}-leader`,
      username: `${ORG}-leader`,
      displayName: '续期负责人',
      email: null,
      organisationId: ORG,
      roles: ['unit_leader'],
      active: true,
      holderCode: null,
      oidcSubject: null,
    });
    const organisation = await em.findOneOrFail(Organisation, { id: ORG });
    const ca = await loadCertificateAuthority(em, TEST_PKI_MASTER_KEY);
    caPem = ca.certificatePem;
    const now = Date.now();
    issueCertificateFor(
      em,
      ca,
      organisation,
      { province: '山西省', locality: '晋城市' },
      { notBefore: new Date(now - 340 * 24 * 3600_000), notAfter: new Date(now + 20 * 24 * 3600_000) },
      TEST_PKI_MASTER_KEY,
      t.workerEnv.PUBLIC_URL!,
    );
    await em.flush();
    sealId = await makeTestSeal(t, 'business', `${NAME}合同专用章`, ORG, `${ORG}-clerk`);
    authorisationId = await authorise(sealId, [BEFORE, AFTER], `${ORG}-clerk`, `${ORG}-leader`);
    code = (await t.call('GET', `/api/seals/${sealId}`, { as: `${ORG}-clerk` })).body.esId;
  });

  it('outside the 30 days before expiry a renewal is 409 naming the rule', async () => {
    const other = await makeTestSeal(t, 'business', '泽州县市场监督管理局印章续期测试章');
    const res = await t.call('POST', '/api/seal-status-requests', {
      as: 'zz-amr-clerk',
      body: { sealId: other, action: 'renew', reason: '证书即将到期' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('到期前 30 日内方可续期');
  });

  it('approved in one step, the seal has a new certificate and version under the same code; old and new signatures verify', async () => {
    const sign = (documentHash: string) =>
      t.call('POST', `/api/seals/${sealId}/sign`, {
        as: `${ORG}-clerk`,
        body: { authorisationId, documentHash },
      });
    const before = await sign(BEFORE);
    expect(before.status).toBe(201);
    // The unit's home names the seal whose renewal window is open.
    const home = await t.call('GET', '/seals', { as: `${ORG}-clerk` });
    expect(home.status).toBe(200);
    expect(home.body).toContain('id="renewal-due"');
    expect(home.body).toContain(code);
    const oldCertificateId = (await t.em().findOneOrFail(Seal, { id: sealId }, { disableIdentityMap: true }))
      .certificateId;

    const res = await t.call('POST', '/api/seal-status-requests', {
      as: `${ORG}-clerk`,
      body: { sealId, action: 'renew', reason: '机构数字证书20日后到期，申请续期' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ processKind: 'seal_renewal', status: 'pending' });
    await decide(res.body.approval.workflowId, 'approve');
    await waitForRequest(res.body.id, 'approved', `${ORG}-clerk`);
    const history = await waitForSealStatus(sealId, 'active', `${ORG}-clerk`, 'renewed');
    expect(history.items.map((h: { event: string }) => h.event)).toEqual(['made', 'renewed']);

    const seal = await t.em().findOneOrFail(Seal, { id: sealId }, { disableIdentityMap: true });
    expect(seal).toMatchObject({ esId: code, version: 2 });
    expect(seal.certificateId).not.toBe(oldCertificateId);
    const certificate = await t.em().findOneOrFail(OrganisationCertificate, { id: seal.certificateId });
    expect(certificate.notAfter.getTime()).toBeGreaterThan(Date.now() + 300 * 24 * 3600_000);
    expect(seal.sealInfo.esId).toBe(code);
    expect(await t.em().findOne(SealVersion, { sealId, version: 1 })).toMatchObject({
      certificateId: oldCertificateId,
    });

    // The authorisation granted before the renewal still signs, now with the new version.
    const after = await t.call('POST', `/api/seals/${sealId}/sign`, {
      as: `${ORG}-clerk`,
      body: { authorisationId, documentHash: AFTER },
    });
    expect(after.status).toBe(201);
    const oldRecord = before.body.signature as SealSignature;
    const newRecord = after.body.signature as SealSignature;
    expect(oldRecord.seal.esId).toBe(code);
    expect(newRecord.seal.esId).toBe(code);
    expect(newRecord.signerCertificate).not.toBe(oldRecord.signerCertificate);
    expect(verifySealSignature(oldRecord, caPem)).toMatchObject({ valid: true });
    expect(verifySealSignature(newRecord, caPem)).toMatchObject({ valid: true });
    expect((await t.call('GET', '/seals', { as: `${ORG}-clerk` })).body).not.toContain('id="renewal-due"');
  });
});
