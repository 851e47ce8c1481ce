/**
 * Seal-use approval and signing (SM-12) against the real Temporal server, PostgreSQL and SMTP: no signing without
 * an approved authorisation; approval through the approval engine grants one; a signature record that verifies
 * with Node's crypto against the seal's certificate and the CA; used-up, out-of-window and uncovered documents
 * refused; the legal-name seal only by the unit leader; the last use raced by two signings; bad input and other
 * organisations refused.
 */
import { createHash, randomUUID, verify, X509Certificate } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppUser, AuditEvent, Seal } from '../../db/entities';
import { FlowDefinition } from '../../db/approval-entities';
import { SealSignatureRecord, SealUseAuthorisation, SealUseRequest } from '../../db/seal-use-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { FlowDefinitionBody } from '../../domain/flow-definition-schema';
import type { SealKind } from '../../domain/seal';
import { verifySealSignature } from '../../pki/seal-signer';
import { loadCertificateAuthority } from '../../usecases/certificate-store';
import { TEST_PKI_MASTER_KEY } from '../support/env';
import { saveActiveFlow } from '../support/flows';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';

let t: TestPlatform;
let businessSealId: string;
let legalSealId: string;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const CONTRACT = sha('政府采购合同（甲方）正文');
const MINUTES_TITLE = '局务会议纪要（第12期）';

/** A seal of 泽州县市场监督管理局 made by the foundation's seal-making activity (SM-7 checks, CA signature). */
const makeSeal = (kind: SealKind, name: string) => makeTestSeal(t, kind, name);

async function userId(username: string): Promise<string> {
  return (await t.em().findOneOrFail(AppUser, { username })).id;
}

const window = (fromMs: number, toMs: number) => ({
  validFrom: new Date(Date.now() + fromMs).toISOString(),
  validTo: new Date(Date.now() + toMs).toISOString(),
});

function requestBody(over: Record<string, unknown> = {}) {
  return {
    sealId: businessSealId,
    documents: [{ title: '政府采购合同（甲方）', sha256: CONTRACT }, { title: MINUTES_TITLE }],
    maxUses: 1,
    ...window(-60_000, 24 * 3600_000),
    reason: '签订2026年度政府采购合同',
    ...over,
  };
}

async function submit(as: string, body: Record<string, unknown>) {
  const res = await t.call('POST', '/api/seal-use-requests', { as, body });
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string; approval: { workflowId: string; url: string } };
}

/** The approver's pending task of the request, from the approval engine's inbox. */
async function pendingTask(as: string, requestId: string): Promise<string> {
  const key = approvalWorkflowId('seal_use', requestId);
  for (let i = 0; i < 100; i++) {
    const res = await t.call('GET', '/api/tasks?box=pending', { as });
    expect(res.status).toBe(200);
    const item = (res.body.items as Array<{ taskId: string | null; processKey: string }>).find(
      (x) => x.processKey === key && x.taskId,
    );
    if (item) return item.taskId!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no pending task of ${key} for ${as}`);
}

async function waitForStatus(requestId: string, status: string, as = 'zz-amr-clerk') {
  for (let i = 0; i < 150; i++) {
    const res = await t.call('GET', `/api/seal-use-requests/${requestId}`, { as });
    if (res.body.status === status) return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`seal-use request ${requestId} did not reach ${status}`);
}

/** Requests a use as zz-amr-clerk and has zz-amr-leader approve it (the default seal_use flow); the authorisation. */
async function approvedAuthorisation(body: Record<string, unknown>) {
  const request = await submit('zz-amr-clerk', body);
  const taskId = await pendingTask('zz-amr-leader', request.id);
  const approved = await t.call('POST', `/api/tasks/${taskId}/approve`, {
    as: 'zz-amr-leader',
    body: { comment: '同意用印' },
  });
  expect(approved.status).toBe(200);
  const view = await waitForStatus(request.id, 'approved');
  expect(view.authorisation).not.toBeNull();
  return {
    requestId: request.id,
    authorisation: view.authorisation as { id: string; remainingUses: number },
  };
}

const sign = (as: string, sealId: string, body: Record<string, unknown>) =>
  t.call('POST', `/api/seals/${sealId}/sign`, { as, body });

const countRows = async (em: EntityManager) => ({
  requests: await em.count(SealUseRequest, {}),
  authorisations: await em.count(SealUseAuthorisation, {}),
  signatures: await em.count(SealSignatureRecord, {}),
});

beforeAll(async () => {
  t = await startTestPlatform();
  businessSealId = await makeSeal('business', '泽州县市场监督管理局合同专用章');
  legalSealId = await makeSeal('legal_name', '泽州县市场监督管理局');
});
afterAll(async () => {
  await t?.stop();
});

describe('no signing without an approved authorisation (SM-12)', () => {
  it('refuses with 403 AUTHORISATION_MISSING and a clear message, stores nothing and audits the refusal', async () => {
    const res = await sign('zz-amr-clerk', businessSealId, {
      authorisationId: randomUUID(),
      documentHash: CONTRACT,
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'FORBIDDEN',
      details: { reason: 'AUTHORISATION_MISSING' },
    });
    expect(res.body.error.message).toContain('用印申请');
    expect(await t.em().count(SealSignatureRecord, {})).toBe(0);
    const audit = await t.em().findOne(AuditEvent, { action: 'seal.sign', outcome: 'denied' });
    expect(audit).toMatchObject({ actorUsername: 'zz-amr-clerk', targetId: businessSealId });
  });
});

describe('a use approved by the unit leader through the approval engine', () => {
  let requestId: string;
  let authorisationId: string;

  it('grants the requester an authorisation for the stated documents, count and window', async () => {
    const request = await submit('zz-amr-clerk', requestBody());
    requestId = request.id;
    expect(request.status).toBe('pending');
    expect(request.approval).toMatchObject({
      workflowId: `approval-seal_use-${request.id}`,
      url: `/approvals/approval-seal_use-${request.id}`,
    });
    // Nothing is authorised while the approval runs.
    expect(await t.em().count(SealUseAuthorisation, { requestId })).toBe(0);

    const taskId = await pendingTask('zz-amr-leader', requestId);
    const approved = await t.call('POST', `/api/tasks/${taskId}/approve`, {
      as: 'zz-amr-leader',
      body: { comment: '同意' },
    });
    expect(approved.status).toBe(200);
    const view = await waitForStatus(requestId, 'approved');
    expect(view.authorisation).toMatchObject({
      maxUses: 1,
      usedCount: 0,
      remainingUses: 1,
      status: 'active',
      live: true,
      documents: requestBody().documents,
      approvedBy: [expect.objectContaining({ displayName: '郭志强' })],
    });
    authorisationId = view.authorisation.id;

    const own = await t.call('GET', `/api/seal-use-authorisations?sealId=${businessSealId}`, {
      as: 'zz-amr-clerk',
    });
    expect(own.body.items.map((a: { id: string }) => a.id)).toContain(authorisationId);
    const others = await t.call('GET', '/api/seal-use-authorisations', { as: 'zz-amr-deputy' });
    expect(others.body.items).toEqual([]);
    const list = await t.call('GET', '/api/seal-use-requests', { as: 'zz-amr-deputy' });
    expect(list.body.items.map((r: { id: string }) => r.id)).toContain(requestId);
  });

  it('refuses someone who is not the grantee (403) and a document outside the authorisation (422)', async () => {
    const notGrantee = await sign('zz-amr-deputy', businessSealId, {
      authorisationId,
      documentHash: CONTRACT,
    });
    expect(notGrantee.status).toBe(403);
    expect(notGrantee.body.error.details.reason).toBe('NOT_GRANTEE');
    const uncovered = await sign('zz-amr-clerk', businessSealId, {
      authorisationId,
      documentHash: sha('另一份合同'),
      documentTitle: '政府采购合同（甲方）', // a document stated with a hash is matched by its hash only
    });
    expect(uncovered.status).toBe(422);
    expect(uncovered.body.error.details.reason).toBe('DOCUMENT_NOT_AUTHORISED');
    expect(
      await t.em().findOneOrFail(SealUseAuthorisation, { id: authorisationId }, { disableIdentityMap: true }),
    ).toMatchObject({ usedCount: 0 });
  });

  it('signs: the record verifies with Node crypto against the seal certificate and the CA (GB/T 38540 model)', async () => {
    const res = await sign('zz-amr-clerk', businessSealId, {
      authorisationId,
      documentHash: CONTRACT.toUpperCase(),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ usedCount: 1, maxUses: 1, remainingUses: 0 });
    const record = res.body.signature;
    expect(record).toMatchObject({
      sealId: businessSealId,
      dataHash: { algorithm: 'SHA-256', value: CONTRACT },
      documentTitle: '政府采购合同（甲方）',
      authorisationId,
      algorithm: 'SHA256withRSA',
      seal: { name: '泽州县市场监督管理局合同专用章', kind: 'business' },
    });

    // The signer certificate is the one bound in the seal info, issued by the CA.
    const seal = (await t.call('GET', `/api/seals/${businessSealId}`, { as: 'zz-amr-clerk' })).body;
    const cert = new X509Certificate(record.signerCertificate);
    expect(cert.fingerprint256).toBe(seal.certificate.sha256Fingerprint);
    expect(seal.sealInfo.property.certList).toContain(cert.raw.toString('base64'));
    const ca = await loadCertificateAuthority(t.em(), TEST_PKI_MASTER_KEY);
    const caCert = new X509Certificate(ca.certificatePem);
    expect(cert.checkIssued(caCert) && cert.verify(caCert.publicKey)).toBe(true);

    // The signed content carries the data hash, and the signature verifies over it with the certificate alone.
    expect(JSON.parse(record.signedContent).dataHash).toEqual({ algorithm: 'SHA-256', value: CONTRACT });
    expect(
      verify(
        'sha256',
        Buffer.from(record.signedContent, 'utf8'),
        cert.publicKey,
        Buffer.from(record.signatureValue, 'base64'),
      ),
    ).toBe(true);
    expect(verifySealSignature(record, ca.certificatePem)).toMatchObject({ valid: true, problem: null });

    // Stored (SM-13), listed on the seal, and audited.
    const listed = await t.call('GET', `/api/seals/${businessSealId}/signatures`, { as: 'zz-amr-leader' });
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: res.body.id, documentHash: CONTRACT, authorisationId }),
    ]);
    expect(
      await t.em().findOne(AuditEvent, { action: 'seal.sign', outcome: 'success', targetId: businessSealId }),
    ).toMatchObject({ actorUsername: 'zz-amr-clerk' });
  });

  it('refuses a second signing once the single use is consumed (409 AUTHORISATION_USED_UP)', async () => {
    const res = await sign('zz-amr-clerk', businessSealId, { authorisationId, documentHash: CONTRACT });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'AUTHORISATION_USED_UP' } });
    expect(res.body.error.message).toContain('用完');
    expect(await t.em().count(SealSignatureRecord, { authorisationId })).toBe(1);
    const view = (await t.call('GET', `/api/seal-use-requests/${requestId}`, { as: 'zz-amr-clerk' })).body;
    expect(view.authorisation).toMatchObject({ usedCount: 1, remainingUses: 0, live: false });
  });

  it('e-mails the requester the authorisation', async () => {
    const mail = await t.mailbox.waitFor((m) => m.text.includes(`/seal-use-requests/${requestId}`));
    expect(mail.to).toEqual(['zz-amr-clerk@jincheng.example']);
    expect(mail.subject).toBe('【用印申请】“泽州县市场监督管理局合同专用章”的用印申请已批准');
    expect(mail.text).toContain(authorisationId);
  });
});

describe('the last use raced by two signings', () => {
  it('lets exactly one through (201) and refuses the other (409)', async () => {
    const { authorisation } = await approvedAuthorisation(
      requestBody({ documents: [{ title: MINUTES_TITLE }], maxUses: 2 }),
    );
    // A document stated without a hash is matched by its title.
    const first = await sign('zz-amr-clerk', businessSealId, {
      authorisationId: authorisation.id,
      documentHash: sha('纪要定稿'),
      documentTitle: MINUTES_TITLE,
    });
    expect(first.status).toBe(201);
    expect(first.body.remainingUses).toBe(1);

    const race = await Promise.all(
      ['终稿甲', '终稿乙'].map((text) =>
        sign('zz-amr-clerk', businessSealId, {
          authorisationId: authorisation.id,
          documentHash: sha(text),
          documentTitle: MINUTES_TITLE,
        }),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(race.find((r) => r.status === 409)!.body.error.details.reason).toBe('AUTHORISATION_USED_UP');
    const row = await t
      .em()
      .findOneOrFail(SealUseAuthorisation, { id: authorisation.id }, { disableIdentityMap: true });
    expect(row.usedCount).toBe(2);
    expect(await t.em().count(SealSignatureRecord, { authorisationId: authorisation.id })).toBe(2);
  });
});

describe('the authorisation window', () => {
  // Authorisations with a past and a future window are inserted directly (an approval takes longer than a window
  // short enough to wait out); the signing path is the same.
  async function insertAuthorisation(validFrom: Date, validTo: Date): Promise<string> {
    const em = t.em();
    const requestId = randomUUID();
    const clerkId = await userId('zz-amr-clerk');
    const documents = [{ title: '政府采购合同（甲方）', sha256: CONTRACT }];
    await em.insert(SealUseRequest, {
      id: requestId,
      sealId: businessSealId,
      organisationId: 'zz-amr',
      applicantId: clerkId,
      documents,
      maxUses: 5,
      validFrom,
      validTo,
      reason: '窗口测试',
      status: 'approved',
      approvalWorkflowId: approvalWorkflowId('seal_use', requestId),
      workflowId: `seal-use-${requestId}`,
      createdAt: new Date(),
      decidedAt: new Date(),
    });
    const id = randomUUID();
    await em.insert(SealUseAuthorisation, {
      id,
      requestId,
      sealId: businessSealId,
      granteeId: clerkId,
      documents,
      maxUses: 5,
      usedCount: 0,
      validFrom,
      validTo,
      approvedBy: [],
      createdAt: new Date(),
      status: 'active',
    });
    return id;
  }

  it('an authorisation approved through the engine signs inside its window and is refused once it ends', async () => {
    const { authorisation } = await approvedAuthorisation(
      requestBody({ maxUses: 5, ...window(-60_000, 6_000) }),
    );
    const inside = await sign('zz-amr-clerk', businessSealId, {
      authorisationId: authorisation.id,
      documentHash: CONTRACT,
    });
    expect(inside.status).toBe(201);
    const row = await t.em().findOneOrFail(SealUseAuthorisation, { id: authorisation.id });
    await new Promise((r) => setTimeout(r, Math.max(0, row.validTo.getTime() - Date.now() + 200)));
    const after = await sign('zz-amr-clerk', businessSealId, {
      authorisationId: authorisation.id,
      documentHash: CONTRACT,
    });
    expect(after.status).toBe(422);
    expect(after.body.error.details.reason).toBe('AUTHORISATION_EXPIRED');
    expect(await t.em().count(SealSignatureRecord, { authorisationId: authorisation.id })).toBe(1);
  });

  it('refuses a request whose window has already ended (400 naming validTo)', async () => {
    const res = await t.call('POST', '/api/seal-use-requests', {
      as: 'zz-amr-clerk',
      body: requestBody(window(-7200_000, -1000)),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['validTo']);
  });

  it('refuses after the window (422 AUTHORISATION_EXPIRED) and before it (422 AUTHORISATION_NOT_YET_VALID)', async () => {
    const expired = await insertAuthorisation(
      new Date(Date.now() - 2 * 3600_000),
      new Date(Date.now() - 1000),
    );
    const early = await insertAuthorisation(new Date(Date.now() + 3600_000), new Date(Date.now() + 7200_000));
    const a = await sign('zz-amr-clerk', businessSealId, {
      authorisationId: expired,
      documentHash: CONTRACT,
    });
    expect(a.status).toBe(422);
    expect(a.body.error).toMatchObject({
      code: 'UNPROCESSABLE',
      details: { reason: 'AUTHORISATION_EXPIRED' },
    });
    expect(a.body.error.message).toContain('到期');
    const b = await sign('zz-amr-clerk', businessSealId, { authorisationId: early, documentHash: CONTRACT });
    expect(b.status).toBe(422);
    expect(b.body.error.details.reason).toBe('AUTHORISATION_NOT_YET_VALID');
    for (const id of [expired, early]) {
      expect(await t.em().count(SealSignatureRecord, { authorisationId: id })).toBe(0);
    }
  });
});

describe('bad input', () => {
  it('answers 400 naming the field and stores nothing', async () => {
    const before = await countRows(t.em());
    const cases: Array<[Record<string, unknown>, string]> = [
      [requestBody({ documents: [] }), 'documents'],
      [requestBody({ documents: [{ title: '' }] }), 'documents.0.title'],
      [requestBody({ documents: [{ title: '合同', sha256: 'ABC' }] }), 'documents.0.sha256'],
      [requestBody({ maxUses: 0 }), 'maxUses'],
      [requestBody({ maxUses: 1001 }), 'maxUses'],
      [requestBody({ validFrom: '下周一' }), 'validFrom'],
      [requestBody(window(3600_000, 1000)), 'validTo'],
      [requestBody(window(0, 400 * 24 * 3600_000)), 'validTo'],
      [requestBody({ reason: 'x' }), 'reason'],
      [requestBody({ cc: ['no-such-user'] }), 'cc.0'],
      [{ ...requestBody(), sealId: undefined }, 'sealId'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/api/seal-use-requests', { as: 'zz-amr-clerk', body });
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(res.body.error.message).toContain(field);
    }
    const badKey = await t.call('POST', '/api/seal-use-requests', {
      as: 'zz-amr-clerk',
      body: requestBody(),
      headers: { 'Idempotency-Key': 'x' },
    });
    expect(badKey.status).toBe(400);

    for (const [body, field] of [
      [{ authorisationId: 'a', documentHash: 'xyz' }, 'documentHash'],
      [{ documentHash: CONTRACT }, 'authorisationId'],
      [{ authorisationId: 'a', documentHash: CONTRACT, documentTitle: '' }, 'documentTitle'],
    ] as const) {
      const res = await sign('zz-amr-clerk', businessSealId, body);
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect(await countRows(t.em())).toEqual(before);
  });

  it('returns the earlier request for a repeated Idempotency-Key', async () => {
    const headers = { 'Idempotency-Key': `seal-use-${randomUUID()}` };
    const body = requestBody({ reason: '重复提交测试' });
    const first = await t.call('POST', '/api/seal-use-requests', { as: 'zz-amr-clerk', body, headers });
    const second = await t.call('POST', '/api/seal-use-requests', { as: 'zz-amr-clerk', body, headers });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.id).toBe(first.body.id);
    expect(await t.em().count(SealUseRequest, { reason: '重复提交测试' })).toBe(1);
  });
});

describe('other organisations and roles', () => {
  it("refuses another organisation's user (403) and lets the overseeing unit read", async () => {
    const before = await countRows(t.em());
    const req = await t.call('POST', '/api/seal-use-requests', { as: 'gp-amr-clerk', body: requestBody() });
    expect(req.status).toBe(403);
    const signed = await sign('gp-amr-clerk', businessSealId, {
      authorisationId: 'x',
      documentHash: CONTRACT,
    });
    expect(signed.status).toBe(403);
    expect(signed.body.error.details.reason).toBe('NOT_SEAL_ORGANISATION');
    // A licence issuer of the same unit has neither requester role.
    const issuer = await t.call('POST', '/api/seal-use-requests', {
      as: 'zz-amr-issuer',
      body: requestBody(),
    });
    expect(issuer.status).toBe(403);
    expect(await countRows(t.em())).toEqual(before);

    const any = await t
      .em()
      .findOneOrFail(SealUseRequest, { sealId: businessSealId }, { orderBy: { createdAt: 'asc' } });
    expect((await t.call('GET', `/api/seal-use-requests/${any.id}`, { as: 'gp-amr-clerk' })).status).toBe(
      403,
    );
    expect(
      (await t.call('GET', `/api/seals/${businessSealId}/signatures`, { as: 'gp-amr-clerk' })).status,
    ).toBe(403);
    expect(
      (await t.call('GET', `/api/seal-use-requests/${any.id}`, { as: 'zz-approval-supervisor' })).status,
    ).toBe(200);
    const denials = await t.em().find(AuditEvent, { actorUsername: 'gp-amr-clerk', outcome: 'denied' });
    expect(denials.length).toBeGreaterThanOrEqual(3);
  });
});

describe('the web pages (zh-CN)', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

  it('shows 申请用印 on the seal page, re-shows the form naming bad fields, and links a request to its approval', async () => {
    const page = await t.call('GET', `/seals/${businessSealId}`, { as: 'zz-amr-clerk' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('申请用印');
    expect(page.body).toContain('id="seal-use-form"');
    expect(page.body).toContain('id="seal-use-requests"');
    expect(page.body).toContain('id="seal-use-authorisations"');
    // A licence issuer of the unit sees the seal's use but gets no form.
    const issuerPage = await t.call('GET', `/seals/${businessSealId}`, { as: 'zz-amr-issuer' });
    expect(issuerPage.body).not.toContain('id="seal-use-form"');

    const before = await t.em().count(SealUseRequest, {});
    const bad = await t.call('POST', `/seals/${businessSealId}/use-requests`, {
      as: 'zz-amr-clerk',
      headers: formHeaders,
      body: form({
        documents: '',
        maxUses: '0',
        validFrom: '2026-12-01T09:00',
        validTo: '2026-11-01T09:00',
        reason: '测试',
      }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('用印文件：');
    expect(bad.body).toContain('用印次数：');
    expect(await t.em().count(SealUseRequest, {})).toBe(before);

    const now = Date.now();
    const local = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 16); // Beijing wall-clock time, as datetime-local sends it
    const good = await t.call('POST', `/seals/${businessSealId}/use-requests`, {
      as: 'zz-amr-clerk',
      headers: formHeaders,
      body: form({
        documents: `采购合同（乙方） ${sha('乙方合同')}\n会议通知`,
        maxUses: '2',
        validFrom: local(now),
        validTo: local(now + 3 * 24 * 3600_000),
        reason: '网页提交的用印申请',
      }),
    });
    expect(good.status).toBe(303);
    const location = good.headers.get('location')!;
    const id = /^\/seal-use-requests\/([0-9a-f-]+)\?flash=submitted$/.exec(location)![1]!;
    const stored = await t.em().findOneOrFail(SealUseRequest, { id });
    expect(stored.documents).toEqual([
      { title: '采购合同（乙方）', sha256: sha('乙方合同') },
      { title: '会议通知' },
    ]);
    expect(stored.maxUses).toBe(2);
    const detail = await t.call('GET', location, { as: 'zz-amr-clerk' });
    expect(detail.status).toBe(200);
    expect(detail.body).toContain(`href="/approvals/approval-seal_use-${id}"`);
    expect(detail.body).toContain('用印申请已提交');
    // Issue 17: the approval page shows the request itself, not only a link to it.
    let approvalPage = await t.call('GET', `/approvals/approval-seal_use-${id}`, { as: 'zz-amr-clerk' });
    for (let i = 0; approvalPage.status !== 200 && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      approvalPage = await t.call('GET', `/approvals/approval-seal_use-${id}`, { as: 'zz-amr-clerk' });
    }
    const material = /<dl class="facts" id="material-fields">([\s\S]*?)<\/dl>/.exec(approvalPage.body)?.[1];
    expect(material).toContain('采购合同（乙方）；会议通知');
    expect(material).toContain('至多 2 次');
    expect(material).toContain('网页提交的用印申请');

    expect((await t.call('GET', `/seal-use-requests/${id}`, { as: 'gp-amr-clerk' })).status).toBe(403);
  });

  it('refuses a cross-site form post carrying the session cookie', async () => {
    const res = await fetch(`${t.url}/seals/${businessSealId}/use-requests`, {
      method: 'POST',
      headers: {
        ...formHeaders,
        cookie: `session=${await t.token('zz-amr-clerk')}`,
        origin: 'http://evil.example',
      },
      body: form({
        documents: '文件',
        maxUses: '1',
        validFrom: '2026-12-01T09:00',
        validTo: '2026-12-02T09:00',
        reason: '跨站',
      }),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
  });
});

describe('the legal-name seal (SM-12: never beyond the approver’s authority)', () => {
  it('is authorised when the unit leader approves under the default flow', async () => {
    const { authorisation } = await approvedAuthorisation(requestBody({ sealId: legalSealId }));
    expect(authorisation.remainingUses).toBe(1);
  });

  it('refuses the approval of a seal applicant under a flow that names them (403), and nothing changes', async () => {
    // The unit's own seal_use flow lets any seal applicant approve; the authority rule still holds for legal-name.
    const custom = await saveActiveFlow(
      t.em(),
      FlowDefinitionBody.parse({
        kind: 'seal_use',
        name: '用印审批（经办人）',
        organisationId: 'zz-amr',
        steps: [
          {
            key: 'clerks',
            name: '经办人审批',
            approvers: [{ type: 'role', role: 'seal_applicant' }],
            mode: 'any',
          },
        ],
      }),
      'test',
    );
    let requestId: string;
    try {
      requestId = (await submit('zz-amr-clerk', requestBody({ sealId: legalSealId }))).id;
    } finally {
      // Processes keep their snapshot; later requests of the unit follow the default flow again.
      await t.em().nativeUpdate(FlowDefinition, { id: custom.id }, { status: 'superseded' });
    }

    const taskId = await pendingTask('zz-amr-deputy', requestId);
    const res = await t.call('POST', `/api/tasks/${taskId}/approve`, { as: 'zz-amr-deputy', body: {} });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('法定名称章的用印只能由单位负责人批准');

    await new Promise((r) => setTimeout(r, 500));
    const view = (await t.call('GET', `/api/seal-use-requests/${requestId}`, { as: 'zz-amr-clerk' })).body;
    expect(view).toMatchObject({ status: 'pending', authorisation: null });
    expect(await t.em().count(SealUseAuthorisation, { requestId })).toBe(0);
    expect(await pendingTask('zz-amr-deputy', requestId)).toBe(taskId);
    expect(await t.em().count(Seal, { id: legalSealId, status: 'active' })).toBe(1);

    // The requester withdraws it: recorded, and still nothing authorised.
    const withdrawn = await t.call(
      'POST',
      `/api/approvals/${approvalWorkflowId('seal_use', requestId)}/withdraw`,
      {
        as: 'zz-amr-clerk',
        body: { comment: '改用合同专用章' },
      },
    );
    expect(withdrawn.status).toBe(200);
    expect(await waitForStatus(requestId, 'withdrawn')).toMatchObject({ authorisation: null });
  });
});

describe('a rejected request', () => {
  it('records the reason, grants nothing and tells the requester', async () => {
    const request = await submit('zz-amr-clerk', requestBody({ reason: '驳回测试用印' }));
    const taskId = await pendingTask('zz-amr-leader', request.id);
    const reason = '合同尚未经法制审核，暂不用印';
    const res = await t.call('POST', `/api/tasks/${taskId}/reject`, {
      as: 'zz-amr-leader',
      body: { reason },
    });
    expect(res.status).toBe(200);
    const view = await waitForStatus(request.id, 'rejected');
    expect(view).toMatchObject({ outcomeReason: reason, authorisation: null });
    expect(await t.em().count(SealUseAuthorisation, { requestId: request.id })).toBe(0);
    const mail = await t.mailbox.waitFor((m) => m.text.includes(`/seal-use-requests/${request.id}`));
    expect(mail.subject).toContain('已驳回');
    expect(mail.text).toContain(reason);
  });
});
