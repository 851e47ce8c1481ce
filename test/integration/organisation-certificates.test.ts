/**
 * Issue 12 Build 5 (SM-5(1), SM-6, SM-8): organisation certificates applied for, renewed and revoked through the
 * API, decided by the approval engine (the seal management department of 泽州县) and carried out by the CA on the
 * signing task queue, against the real Temporal server, PostgreSQL and signing worker. OpenSSL checks what the CA
 * issued (the chain), its OCSP answers and its CRL.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AppUser,
  AuditEvent,
  CertificateAuthority,
  Organisation,
  OrganisationCertificate,
} from '../../db/entities';
import { OrganisationCertificateRequest } from '../../db/certificate-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { isIssuedBy } from '../../pki/certificates';
import {
  CA_ID,
  issueCertificateFor,
  keyAlgorithmOf,
  loadCertificateAuthority,
} from '../../usecases/certificate-store';
import { runGoTool } from '../support/go-tools';
import { TEST_PKI_MASTER_KEY } from '../support/env';
import { randomUscc } from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';

let t: TestPlatform;
let caPem: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const DAY = 24 * 3600_000;
/** The seal management department of 泽州县 reviews certificate requests (the default flows). */
const REVIEWERS = [
  'zz-approval-reviewer',
  'zz-approval-reviewer2',
  'zz-approval-reviewer3',
  'zz-approval-leader',
];

/** A unit of 泽州县 with a seal applicant and a leader, and optionally a certificate ending in `endsInDays`. */
async function unit(id: string, name: string, endsInDays?: number): Promise<void> {
  const em = t.em().fork();
  await em.insert(Organisation, {
    id,
    name,
    uscc: randomUscc(),
    jurisdictionId: '140525',
    functions: ['using_unit'],
    createdAt: new Date(),
  });
  for (const [role, who] of [
    ['seal_applicant', 'clerk'],
    ['unit_leader', 'leader'],
  ] as const) {
    await em.insert(AppUser, {
      id: `user-${id}-${who}`,
      username: `${id}-${who}`,
      displayName: `${name}${who === 'clerk' ? '经办人' : '负责人'}`,
      email: `${id}-${who}@example.com`,
      organisationId: id,
      roles: [role],
      active: true,
      holderCode: null,
      oidcSubject: null,
    });
  }
  if (endsInDays === undefined) return;
  const organisation = await em.findOneOrFail(Organisation, { id });
  const ca = await loadCertificateAuthority(em, TEST_PKI_MASTER_KEY);
  issueCertificateFor(
    em,
    ca,
    organisation,
    { province: '山西省', locality: '晋城市' },
    { notBefore: new Date(Date.now() - 340 * DAY), notAfter: new Date(Date.now() + endsInDays * DAY) },
    TEST_PKI_MASTER_KEY,
    t.workerEnv.PUBLIC_URL!,
  );
  await em.flush();
}

const request = (as: string, body: object) =>
  t.call('POST', '/api/organisation-certificates/requests', { as, body });

/** A reviewer of the seal management department approves (or rejects) the request's approval task. */
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
        body: action === 'approve' ? { comment: '材料齐全，同意' } : { reason: '材料不足' },
      });
      expect(res.status).toBe(200);
      return;
    }
    await sleep(100);
  }
  throw new Error(`no reviewer has a task of ${processKey}`);
}

/** Waits until the request is carried out (or decided otherwise) and answers its view. */
async function settled(id: string, as: string) {
  for (let i = 0; i < 200; i++) {
    const res = await t.call('GET', `/api/organisation-certificates/requests/${id}`, { as });
    if (res.body.status !== 'pending' && (res.body.status !== 'approved' || res.body.outcomeCertificateId)) {
      return res.body;
    }
    await sleep(100);
  }
  throw new Error(`certificate request ${id} did not settle`);
}

function tmp(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'org-cert-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** OpenSSL verifies the certificate against the platform CA as the only trust root. */
function chainsToCa(certificatePem: string): string {
  const dir = tmp({ 'ca.pem': caPem, 'cert.pem': certificatePem });
  return execFileSync(
    'openssl',
    ['verify', '-CAfile', path.join(dir, 'ca.pem'), path.join(dir, 'cert.pem')],
    {
      encoding: 'utf8',
    },
  );
}

/** OpenSSL's OCSP request for the certificate, sent to POST /api/pki/ocsp, the answer checked and printed. */
async function ocsp(certificatePem: string): Promise<string> {
  const dir = tmp({ 'ca.pem': caPem, 'cert.pem': certificatePem });
  const file = (name: string) => path.join(dir, name);
  execFileSync(
    'openssl',
    ['ocsp', '-issuer', file('ca.pem'), '-cert', file('cert.pem'), '-reqout', file('req.der')],
    {
      stdio: 'pipe',
    },
  );
  const res = await fetch(`${t.url}/api/pki/ocsp`, {
    method: 'POST',
    headers: { 'content-type': 'application/ocsp-request' },
    body: new Uint8Array(readFileSync(file('req.der'))),
  });
  expect(res.status).toBe(200);
  writeFileSync(file('resp.der'), Buffer.from(await res.arrayBuffer()));
  const checked = spawnSync(
    'openssl',
    ['ocsp', '-reqin', file('req.der'), '-respin', file('resp.der'), '-CAfile', file('ca.pem'), '-resp_text'],
    { encoding: 'utf8' },
  );
  expect(checked.stderr).toContain('Response verify OK');
  return checked.stdout;
}

async function crlText(): Promise<string> {
  const res = await fetch(`${t.url}/api/pki/crl`);
  expect(res.status).toBe(200);
  const dir = tmp({ 'ca.pem': caPem, 'crl.der': Buffer.from(await res.arrayBuffer()) });
  const checked = spawnSync(
    'openssl',
    [
      'crl',
      '-inform',
      'DER',
      '-in',
      path.join(dir, 'crl.der'),
      '-CAfile',
      path.join(dir, 'ca.pem'),
      '-noout',
      '-text',
    ],
    { encoding: 'utf8' },
  );
  expect(checked.stderr).toContain('verify OK');
  return checked.stdout;
}

/** A seal-use authorisation for the seal, approved by the unit's leader (default seal_use flow). */
async function authorise(sealId: string, documentHash: string, as: string, leader: string): Promise<string> {
  const submitted = await t.call('POST', '/api/seal-use-requests', {
    as,
    body: {
      sealId,
      documents: [{ title: '合同', sha256: documentHash }],
      maxUses: 5,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + DAY).toISOString(),
      reason: '签订合同',
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
      await t.call('POST', `/api/tasks/${task.taskId}/approve`, { as: leader, body: { comment: '同意' } });
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
  caPem = (await t.em().findOneOrFail(CertificateAuthority, { id: CA_ID })).certificatePem;
});
afterAll(async () => {
  await t?.stop();
});

describe('issue 12 Build 5 (SM-5(1), SM-6): applying for an organisation certificate', () => {
  const ORG = 'zz-cert-apply';
  const NAME = '泽州县证书申请测试中心';
  beforeAll(() => unit(ORG, NAME));

  it('bad input is 400 naming the field; nothing is stored', async () => {
    const cases: Array<[object, string]> = [
      [{ organisationId: ORG, action: 'apply' }, 'reason'],
      [{ organisationId: ORG, action: 'issue', reason: '新设立单位' }, 'action'],
      [{ organisationId: ORG, action: 'apply', reason: '新设立单位', certificateId: 'x' }, 'certificateId'],
      [{ organisationId: ORG, action: 'renew', reason: '证书即将到期' }, 'certificateId'],
      [{ action: 'apply', reason: '新设立单位' }, 'organisationId'],
      [{ organisationId: ORG, action: 'apply', reason: '新设立单位', extra: 1 }, ''],
    ];
    for (const [body, field] of cases) {
      const res = await request(`${ORG}-clerk`, body);
      expect(res.status).toBe(400);
      if (field)
        expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
    const list = await t.call('GET', '/api/organisation-certificates', { as: `${ORG}-clerk` });
    expect(list.status).toBe(400);
    expect(list.body.error.details).toEqual([expect.objectContaining({ field: 'organisationId' })]);
    expect(await t.em().count(OrganisationCertificateRequest, { organisationId: ORG })).toBe(0);
  });

  it('another unit is 403, to apply and to list; the overseeing department may list', async () => {
    const other = await request('gp-amr-clerk', { organisationId: ORG, action: 'apply', reason: '代为申请' });
    expect(other.status).toBe(403);
    const list = await t.call('GET', `/api/organisation-certificates?organisationId=${ORG}`, {
      as: 'gp-amr-clerk',
    });
    expect(list.status).toBe(403);
    const overseer = await t.call('GET', `/api/organisation-certificates?organisationId=${ORG}`, {
      as: 'zz-approval-reviewer',
    });
    expect(overseer.status).toBe(200);
    expect(await t.em().count(OrganisationCertificateRequest, { organisationId: ORG })).toBe(0);
  });

  it('apply → approved by the seal management department → a new certificate that chains to the CA', async () => {
    const res = await request(`${ORG}-clerk`, {
      organisationId: ORG,
      action: 'apply',
      reason: '新设立单位申领证书',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      processKind: 'certificate_application',
      status: 'pending',
      action: 'apply',
    });
    // One request per organisation at a time.
    const second = await request(`${ORG}-leader`, {
      organisationId: ORG,
      action: 'apply',
      reason: '重复提交',
    });
    expect(second.status).toBe(409);
    expect(second.body.error.details).toMatchObject({ rule: 'one_pending_request' });

    await decide(res.body.approval.workflowId, 'approve');
    const done = await settled(res.body.id, `${ORG}-clerk`);
    expect(done).toMatchObject({ status: 'approved', outcomeReason: null });
    const certificate = await t
      .em()
      .findOneOrFail(OrganisationCertificate, { id: done.outcomeCertificateId });
    expect(certificate.organisationId).toBe(ORG);
    expect(certificate.subject).toContain(NAME);
    expect(chainsToCa(certificate.certificatePem)).toContain('OK');
    expect(await ocsp(certificate.certificatePem)).toContain('Cert Status: good');

    const list = await t.call('GET', `/api/organisation-certificates?organisationId=${ORG}`, {
      as: `${ORG}-clerk`,
    });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: certificate.id,
        status: 'valid',
        statusLabel: '有效',
        renewalWindowOpen: false,
      }),
    ]);
    expect(list.body.requests[0]).toMatchObject({ id: res.body.id, statusLabel: '已批准' });
    expect(
      await t
        .em()
        .findOne(AuditEvent, { action: 'organisation_certificate.issued', targetId: certificate.id }),
    ).toBeTruthy();

    // Holding a certificate in force, the unit renews it instead of applying again.
    const again = await request(`${ORG}-clerk`, {
      organisationId: ORG,
      action: 'apply',
      reason: '再申请一张',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.details).toMatchObject({ rule: 'certificate_in_force' });
    // And renewing outside the 30 days before expiry is refused, naming the rule.
    const early = await request(`${ORG}-clerk`, {
      organisationId: ORG,
      action: 'renew',
      certificateId: certificate.id,
      reason: '提前更新',
    });
    expect(early.status).toBe(409);
    expect(early.body.error.details).toMatchObject({ rule: 'renewal_window_not_open' });
    expect(early.body.error.message).toContain('到期前 30 日内');
  });

  it('a rejected application issues nothing', async () => {
    const ORG2 = 'zz-cert-rejected';
    await unit(ORG2, '泽州县证书驳回测试中心');
    const res = await request(`${ORG2}-clerk`, { organisationId: ORG2, action: 'apply', reason: '申领证书' });
    expect(res.status).toBe(201);
    await decide(res.body.approval.workflowId, 'reject');
    expect(await settled(res.body.id, `${ORG2}-clerk`)).toMatchObject({ status: 'rejected' });
    expect(await t.em().count(OrganisationCertificate, { organisationId: ORG2 })).toBe(0);
  });
});

describe('issue 12 Build 5 (SM-6, SM-8): renewing inside the window, then revoking', () => {
  const ORG = 'zz-cert-renew';
  const NAME = '泽州县证书更新测试中心';
  let oldId: string;
  let sealId: string;
  let authorisationId: string;
  const CONTRACT = sha('证书吊销前后的合同');

  beforeAll(async () => {
    await unit(ORG, NAME, 20);
    oldId = (await t.em().findOneOrFail(OrganisationCertificate, { organisationId: ORG })).id;
    sealId = await makeTestSeal(t, 'business', `${NAME}合同专用章`, ORG, `${ORG}-clerk`);
    authorisationId = await authorise(sealId, CONTRACT, `${ORG}-clerk`, `${ORG}-leader`);
  });

  it('renewal within 30 days of expiry: a new certificate with a fresh key, as long as the old one', async () => {
    const home = await t.call('GET', '/seals', { as: `${ORG}-clerk` });
    expect(home.body).toContain('id="certificates-due"');
    const res = await request(`${ORG}-clerk`, {
      organisationId: ORG,
      action: 'renew',
      certificateId: oldId,
      reason: '证书20日后到期，申请更新',
    });
    expect(res.status).toBe(201);
    expect(res.body.processKind).toBe('certificate_renewal');
    await decide(res.body.approval.workflowId, 'approve');
    const done = await settled(res.body.id, `${ORG}-clerk`);
    expect(done.status).toBe('approved');
    const old = await t.em().findOneOrFail(OrganisationCertificate, { id: oldId });
    const renewed = await t.em().findOneOrFail(OrganisationCertificate, { id: done.outcomeCertificateId });
    expect(renewed.id).not.toBe(oldId);
    expect(renewed.serialNumber).not.toBe(old.serialNumber);
    const publicKey = (pem: string) =>
      execFileSync('openssl', ['x509', '-noout', '-pubkey'], { input: pem, encoding: 'utf8' });
    expect(publicKey(renewed.certificatePem)).not.toBe(publicKey(old.certificatePem));
    expect(chainsToCa(renewed.certificatePem)).toContain('OK');
    const length = (c: OrganisationCertificate) => c.notAfter.getTime() - c.notBefore.getTime();
    expect(Math.abs(length(renewed) - length(old))).toBeLessThan(2000);
  });

  it('revocation → OCSP answers revoked, the CRL lists it, and the seals bound to it sign nothing more', async () => {
    const before = await t.call('POST', `/api/seals/${sealId}/sign`, {
      as: `${ORG}-clerk`,
      body: { authorisationId, documentHash: CONTRACT },
    });
    expect(before.status).toBe(201);
    const old = await t.em().findOneOrFail(OrganisationCertificate, { id: oldId });
    expect(await ocsp(old.certificatePem)).toContain('Cert Status: good');

    const res = await request(`${ORG}-leader`, {
      organisationId: ORG,
      action: 'revoke',
      certificateId: oldId,
      reason: '证书私钥存放介质遗失',
    });
    expect(res.status).toBe(201);
    expect(res.body.processKind).toBe('certificate_revocation');
    await decide(res.body.approval.workflowId, 'approve');
    expect(await settled(res.body.id, `${ORG}-leader`)).toMatchObject({ status: 'approved' });
    const revoked = await t
      .em()
      .findOneOrFail(OrganisationCertificate, { id: oldId }, { disableIdentityMap: true });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(revoked.revocationReason).toBe('证书私钥存放介质遗失');

    const answer = await ocsp(old.certificatePem);
    expect(answer).toContain('Cert Status: revoked');
    expect(answer).toContain('Revocation Time');
    expect(await crlText()).toContain(`Serial Number: ${old.serialNumber}`);

    const after = await t.call('POST', `/api/seals/${sealId}/sign`, {
      as: `${ORG}-clerk`,
      body: { authorisationId, documentHash: CONTRACT },
    });
    expect(after.status).toBe(422);
    expect(after.body.error.details).toMatchObject({ reason: 'SEAL_NOT_VALID' });
    expect(after.body.error.message).toContain('已于');
    expect(after.body.error.message).toContain('吊销');
    expect(after.body.error.message).toContain('证书私钥存放介质遗失');

    const list = await t.call('GET', `/api/organisation-certificates?organisationId=${ORG}`, {
      as: `${ORG}-clerk`,
    });
    expect(list.body.items.find((c: { id: string }) => c.id === oldId)).toMatchObject({
      status: 'revoked',
      revocationReason: '证书私钥存放介质遗失',
    });
    // A revoked certificate is neither revoked again nor renewed.
    for (const action of ['revoke', 'renew']) {
      const again = await request(`${ORG}-clerk`, {
        organisationId: ORG,
        action,
        certificateId: oldId,
        reason: '再办理',
      });
      expect(again.status).toBe(409);
      expect(again.body.error.details).toMatchObject({ rule: 'certificate_revoked' });
    }
    // A certificate of another organisation is not found for this one.
    const foreign = await request(`${ORG}-clerk`, {
      organisationId: ORG,
      action: 'revoke',
      certificateId: (await t.em().findOneOrFail(OrganisationCertificate, { organisationId: 'zz-amr' })).id,
      reason: '吊销他人证书',
    });
    expect(foreign.status).toBe(404);
  });
});

describe('issue 20 Build 2: an SM2 organisation certificate, its seal and what the seal signs', () => {
  const ORG = 'zz-cert-sm2';
  const NAME = '泽州县国密证书测试中心';
  const DOCUMENT = sha('国密合同');
  beforeAll(() => unit(ORG, NAME));

  it('the request chooses SM2; the CA issues an SM2 certificate; the seal signs SM3withSM2, PASSED on the platform and in Go', async () => {
    const bad = await request(`${ORG}-clerk`, {
      organisationId: ORG,
      action: 'apply',
      reason: '申领国密证书',
      keyAlgorithm: 'ecdsa',
    });
    expect([bad.status, bad.body.error.details.map((p: { field: string }) => p.field)]).toEqual([
      400,
      ['keyAlgorithm'],
    ]);

    const res = await request(`${ORG}-clerk`, {
      organisationId: ORG,
      action: 'apply',
      reason: '申领国密证书',
      keyAlgorithm: 'sm2',
    });
    expect([res.status, res.body.keyAlgorithm]).toEqual([201, 'sm2']);
    await decide(res.body.approval.workflowId, 'approve');
    const done = await settled(res.body.id, `${ORG}-clerk`);
    expect(done).toMatchObject({ status: 'approved', outcomeReason: null });
    const certificate = await t
      .em()
      .findOneOrFail(OrganisationCertificate, { id: done.outcomeCertificateId });
    expect([
      keyAlgorithmOf(certificate.certificatePem),
      isIssuedBy(certificate.certificatePem, caPem),
    ]).toEqual(['sm2', true]);

    const sealId = await makeTestSeal(t, 'business', `${NAME}合同专用章`, ORG, `${ORG}-clerk`);
    const authorisationId = await authorise(sealId, DOCUMENT, `${ORG}-clerk`, `${ORG}-leader`);
    const signed = await t.call('POST', `/api/seals/${sealId}/sign`, {
      as: `${ORG}-clerk`,
      body: { authorisationId, documentHash: DOCUMENT },
    });
    expect(signed.status).toBe(201);
    const record = signed.body.signature ?? signed.body;
    expect(record.algorithm).toBe('SM3withSM2');
    expect(record.signerCertificate).toBe(certificate.certificatePem);

    const platform = await t.call('POST', '/api/verify/signature', {
      body: { signature: record, documentSha256: DOCUMENT },
    });
    expect([platform.status, platform.body.indication]).toEqual([200, 'PASSED']);

    const go = await runGoTool<{
      certificates: Array<{ parsed: boolean; sm2Key: boolean; issuedByCa: boolean }>;
      records: Array<{ verifies: boolean }>;
    }>('sm2-check', { caCertificate: caPem, certificates: [certificate.certificatePem], records: [record] });
    expect(go.certificates.map((c) => [c.parsed, c.sm2Key, c.issuedByCa])).toEqual([[true, true, true]]);
    expect(go.records.map((r) => r.verifies)).toEqual([true]);
  });
});
