/**
 * Seal application end to end (SM-5 … SM-8) against the real Temporal server, real PostgreSQL and a real SMTP
 * server: the level-by-level review, the seal and its binding to the certificate, rejection, the SM-7 checks,
 * authorisation and bad input.
 */
import { verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { AuditEvent, OrganisationCertificate, Seal, SealApplication, Task } from '../../db/entities';
import { canonicalJson } from '../../domain/canonical-json';
import { issueOrganisationCertificate } from '../../pki/certificates';
import { encryptPrivateKey } from '../../pki/key-encryption';
import { verifySealInfo } from '../../pki/seal-maker';
import { loadCertificateAuthority } from '../../usecases/certificate-store';
import { TEST_PKI_MASTER_KEY, testServices } from '../support/env';
import { applicationBody, pngImprint, svgImprint } from '../support/fixtures';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { approvalWorkflowId } from '../../domain/approval';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

async function submit(as = 'zz-amr-clerk', body: Record<string, unknown> = applicationBody()) {
  const res = await t.call('POST', '/api/seal-applications', { as, body });
  expect(res.status).toBe(201);
  return res.body as { id: string; approvalWorkflowId: string };
}

async function pendingTaskFor(applicationId: string, reviewer: string): Promise<string> {
  const res = await t.call('GET', '/api/tasks', { as: reviewer });
  expect(res.status).toBe(200);
  const task = res.body.items.find((x: { processId: string }) => x.processId === applicationId);
  expect(task).toBeDefined();
  return task.taskId;
}

async function waitForStatus(id: string, as: string, status: string) {
  for (let i = 0; i < 100; i++) {
    const res = await t.call('GET', `/api/seal-applications/${id}`, { as });
    if (res.body.status === status) return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`application ${id} did not reach ${status}`);
}

const REVIEWERS = ['zz-approval-reviewer', 'jc-approval-reviewer', 'sx-seal-reviewer'];

describe('a 泽州县 application reviewed by county, city and province (SM-5)', () => {
  let applicationId: string;

  it('passes the three levels in order, each level seeing only its own task', async () => {
    const app = await submit();
    applicationId = app.id;
    const view = (await t.call('GET', `/api/seal-applications/${app.id}`, { as: 'zz-amr-clerk' })).body;
    // The review runs under the default seal application flow: county, city, province (SM-5(3)).
    expect(view.approval.steps.map((s: { name: string }) => s.name)).toEqual([
      '本级印章管理部门审核',
      '上一级印章管理部门审核',
      '省级印章管理部门审核',
    ]);
    expect(view.approval.tasks).toEqual([
      expect.objectContaining({
        status: 'pending',
        assignee: expect.objectContaining({
          kind: 'group',
          organisationId: 'zz-approval',
          role: 'seal_reviewer',
        }),
      }),
    ]);

    for (const [level, reviewer] of REVIEWERS.entries()) {
      // Upper levels see nothing until the level below has approved.
      for (const later of REVIEWERS.slice(level + 1)) {
        const tasks = (await t.call('GET', '/api/tasks', { as: later })).body.items as Array<{
          processId: string;
        }>;
        expect(tasks.some((x) => x.processId === app.id)).toBe(false);
      }
      const taskId = await pendingTaskFor(app.id, reviewer);
      const res = await t.call('POST', `/api/tasks/${taskId}/approve`, {
        as: reviewer,
        body: { comment: `第${level + 1}级同意` },
      });
      expect(res.status).toBe(200);
      const done = (await t.call('GET', '/api/tasks?box=done', { as: reviewer })).body.items as Array<{
        taskId: string;
      }>;
      expect(done.find((x) => x.taskId === taskId)).toMatchObject({
        status: 'approved',
        statusLabel: '已同意',
      });
      expect(await t.em().findOneOrFail(Task, { id: taskId })).toMatchObject({
        outcome: 'approved',
        comment: `第${level + 1}级同意`,
      });
    }

    const approved = await waitForStatus(app.id, 'zz-amr-clerk', 'approved');
    expect(approved.sealId).toEqual(expect.any(String));
    const decisions = approved.approval.history.filter((h: { action: string }) => h.action === 'approved');
    expect(decisions.map((h: { stepIndex: number }) => h.stepIndex)).toEqual([0, 1, 2]);
    expect(decisions[1]).toMatchObject({ comment: '第2级同意', actor: { displayName: '李明' } });
    expect(approved.approval.status).toBe('approved');
  });

  it('yields a seal valid exactly as long as its certificate (SM-8), signed by the CA as seal maker', async () => {
    const application = await t.em().findOneOrFail(SealApplication, { id: applicationId });
    const res = await t.call('GET', `/api/seals/${application.sealId}`, { as: 'zz-amr-clerk' });
    expect(res.status).toBe(200);
    const seal = res.body;
    const certificate = await t
      .em()
      .findOneOrFail(OrganisationCertificate, { serialNumber: seal.certificate.serialNumber });
    const x509 = new X509Certificate(certificate.certificatePem);
    expect(new Date(seal.validFrom).getTime()).toBe(new Date(x509.validFrom).getTime());
    expect(new Date(seal.validTo).getTime()).toBe(new Date(x509.validTo).getTime());
    expect(seal.certificate.subject).toContain('O=泽州县市场监督管理局');
    expect(seal.certificate.subject).toContain('organizationIdentifier=');
    expect(seal).toMatchObject({
      kind: 'business',
      name: '泽州县市场监督管理局合同专用章',
      status: 'active',
    });
    expect(seal.sealInfo.property.certList[0]).toBe(x509.raw.toString('base64'));

    // Anyone with the CA certificate verifies the seal maker's signature with Node's crypto alone.
    const ca = await loadCertificateAuthority(t.em(), TEST_PKI_MASTER_KEY);
    const caCert = new X509Certificate(ca.certificatePem);
    expect(
      verify(
        'sha256',
        Buffer.from(canonicalJson(seal.sealInfo)),
        caCert.publicKey,
        Buffer.from(seal.makerSignature.signature, 'base64'),
      ),
    ).toBe(true);
    expect(verifySealInfo(seal.sealInfo, seal.makerSignature, ca.certificatePem)).toBe(true);
    // A changed seal name no longer verifies.
    const tampered = { ...seal.sealInfo, property: { ...seal.sealInfo.property, name: '伪造章' } };
    expect(verifySealInfo(tampered, seal.makerSignature, ca.certificatePem)).toBe(false);

    const imprint = await fetch(`${t.url}${seal.imprint.url}`, {
      headers: { authorization: `Bearer ${await t.token('zz-amr-clerk')}` },
    });
    expect(imprint.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await imprint.arrayBuffer()).equals(pngImprint())).toBe(true);
  });

  it('sends the applicant the outcome e-mail through SMTP', async () => {
    const mail = await t.mailbox.waitFor((m) => m.text.includes(`/seal-applications/${applicationId}`));
    expect(mail.to).toEqual(['zz-amr-clerk@jincheng.example']);
    expect(mail.subject).toBe('【电子印章】您的“泽州县市场监督管理局合同专用章”申请已通过');
    expect(mail.text).toContain('已通过全部审核并完成制作');
  });

  it('records every action in the audit log', async () => {
    await t.platform.temporal.workflow.getHandle(`seal-application-${applicationId}`).result();
    const events = await t.em().find(AuditEvent, {}, { orderBy: { id: 'asc' } });
    const actions = events.map((e) => `${e.actorUsername}:${e.action}:${e.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'zz-amr-clerk:seal_application.submit:success',
        'zz-approval-reviewer:task.approve:success',
        'jc-approval-reviewer:task.approve:success',
        'sx-seal-reviewer:task.approve:success',
        'system:seal.create:success',
        'system:email.send:success',
      ]),
    );
    const approval = events.find(
      (e) => e.actorUsername === 'jc-approval-reviewer' && e.action === 'task.approve',
    )!;
    expect(approval).toMatchObject({
      actorOrganisationId: 'jc-approval',
      actorRoles: ['seal_reviewer'],
      targetType: 'task',
    });
  });
});

describe('rejection at the city level', () => {
  it('ends the process with the reason visible to the applicant in the API and by e-mail; no seal', async () => {
    const app = await submit('zz-amr-clerk', applicationBody({ name: '泽州县市场监督管理局财务专用章' }));
    await t.call('POST', `/api/tasks/${await pendingTaskFor(app.id, 'zz-approval-reviewer')}/approve`, {
      as: 'zz-approval-reviewer',
      body: {},
    });
    const cityTask = await pendingTaskFor(app.id, 'jc-approval-reviewer');
    const reason = '财务专用章已有实物印章备案，请先注销旧章后再申请';
    const rejected = await t.call('POST', `/api/tasks/${cityTask}/reject`, {
      as: 'jc-approval-reviewer',
      body: { reason },
    });
    expect(rejected.status).toBe(200);

    const view = await waitForStatus(app.id, 'zz-amr-clerk', 'rejected');
    expect(view).toMatchObject({ status: 'rejected', outcomeReason: reason, sealId: null });
    expect(
      view.approval.tasks.filter((x: { status: string }) => x.status === 'pending' || x.status === 'waiting'),
    ).toEqual([]);
    const record = await t.em().findOneOrFail(SealApplication, { id: app.id });
    expect(record).toMatchObject({ status: 'rejected', outcomeReason: reason, sealId: null });
    expect(await t.em().count(Seal, { applicationId: app.id })).toBe(0);
    // The province never receives a task.
    expect((await t.em().find(Task, { processId: app.id })).map((x) => x.assigneeOrganisationId)).toEqual([
      'zz-approval',
      'jc-approval',
    ]);

    const mail = await t.mailbox.waitFor((m) => m.text.includes(`/seal-applications/${app.id}`));
    expect(mail.subject).toContain('已驳回');
    expect(mail.text).toContain(reason);
  });

  it('needs a reason: an empty one gets 400 naming `reason` and the task stays pending', async () => {
    const app = await submit();
    const taskId = await pendingTaskFor(app.id, 'zz-approval-reviewer');
    const res = await t.call('POST', `/api/tasks/${taskId}/reject`, { as: 'zz-approval-reviewer', body: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details[0].field).toBe('reason');
    expect(await t.em().findOneOrFail(Task, { id: taskId })).toMatchObject({ status: 'pending' });
  });
});

describe('SM-7 checks before the seal is made', () => {
  async function approveAll(id: string) {
    for (const reviewer of REVIEWERS) {
      const res = await t.call('POST', `/api/tasks/${await pendingTaskFor(id, reviewer)}/approve`, {
        as: reviewer,
        body: {},
      });
      expect(res.status).toBe(200);
    }
  }

  it('an expired organisation certificate ends the application with a clear reason and no seal', async () => {
    // 高平市市场监督管理局's only usable certificate is an expired one: its current one is revoked (kept, as its
    // licence-issuing seal still refers to it).
    const em = t.em();
    const ca = await loadCertificateAuthority(em, TEST_PKI_MASTER_KEY);
    await em.nativeUpdate(OrganisationCertificate, { organisationId: 'gp-amr' }, { revokedAt: new Date() });
    const expired = issueOrganisationCertificate(
      ca,
      {
        name: '高平市市场监督管理局',
        uscc: (await em.getConnection().execute("select uscc from organisation where id = 'gp-amr'"))[0].uscc,
        province: '山西省',
        locality: '晋城市',
      },
      { notBefore: new Date('2023-01-01T00:00:00Z'), notAfter: new Date('2025-01-01T00:00:00Z') },
    );
    em.create(OrganisationCertificate, {
      id: 'gp-amr-expired',
      organisationId: 'gp-amr',
      serialNumber: expired.serialNumber,
      subject: expired.subject,
      notBefore: expired.notBefore,
      notAfter: expired.notAfter,
      certificatePem: expired.certificatePem,
      privateKeyEncrypted: encryptPrivateKey(expired.privateKeyPem, TEST_PKI_MASTER_KEY),
      revokedAt: null,
      createdAt: new Date(),
    });
    await em.flush();

    const app = await submit(
      'gp-amr-clerk',
      applicationBody({ kind: 'legal_name', name: '高平市市场监督管理局', custodian: { name: '吴涛' } }),
    );
    const levels = ['gp-approval-reviewer', 'jc-approval-reviewer', 'sx-seal-reviewer'];
    for (const reviewer of levels) {
      await t.call('POST', `/api/tasks/${await pendingTaskFor(app.id, reviewer)}/approve`, {
        as: reviewer,
        body: {},
      });
    }
    const view = await waitForStatus(app.id, 'gp-amr-clerk', 'failed');
    expect(view.outcomeReason).toContain('机构数字证书已于 2025-01-01T00:00:00.000Z 过期');
    // Plain Chinese for the applicant: no requirement id in the reason.
    expect(view.outcomeReason).not.toMatch(/SM-\d/);
    expect(await t.em().count(Seal, { applicationId: app.id })).toBe(0);
    expect((await t.mailbox.waitFor((m) => m.text.includes(`/seal-applications/${app.id}`))).text).toContain(
      '过期',
    );
  });

  it('a seal name inconsistent with the certificate subject ends the application with a clear reason and no seal', async () => {
    const app = await submit(
      'zz-amr-clerk',
      applicationBody({ kind: 'legal_name', name: '泽州县工商行政管理局' }),
    );
    await approveAll(app.id);
    const view = await waitForStatus(app.id, 'zz-amr-clerk', 'failed');
    expect(view.outcomeReason).toBe(
      '法定名称章的名称“泽州县工商行政管理局”与机构数字证书中的单位名称“泽州县市场监督管理局”不一致',
    );
    expect(await t.em().count(Seal, { applicationId: app.id })).toBe(0);
  });
});

describe('authorisation and conflicts', () => {
  it('an approver outside the current level’s department gets 403, and nothing changes', async () => {
    const app = await submit();
    const taskId = await pendingTaskFor(app.id, 'zz-approval-reviewer');
    for (const outsider of [
      'jc-approval-reviewer',
      'gp-approval-reviewer',
      'sx-seal-reviewer',
      'zz-amr-clerk',
      'zz-approval-supervisor',
    ]) {
      const res = await t.call('POST', `/api/tasks/${taskId}/approve`, { as: outsider, body: {} });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect(await t.em().findOneOrFail(Task, { id: taskId })).toMatchObject({ status: 'pending' });
    const denied = await t.em().count(AuditEvent, { targetId: taskId, outcome: 'denied' });
    expect(denied).toBe(5);
    // Recorded once each, not again by the error handler.
    expect(await t.em().count(AuditEvent, { targetId: `/api/tasks/${taskId}/approve` })).toBe(0);
  });

  it('acting on a decided task gets 409', async () => {
    const app = await submit();
    const taskId = await pendingTaskFor(app.id, 'zz-approval-reviewer');
    expect(
      (await t.call('POST', `/api/tasks/${taskId}/approve`, { as: 'zz-approval-reviewer', body: {} })).status,
    ).toBe(200);
    const again = await t.call('POST', `/api/tasks/${taskId}/approve`, {
      as: 'zz-approval-reviewer',
      body: {},
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    const reject = await t.call('POST', `/api/tasks/${taskId}/reject`, {
      as: 'zz-approval-reviewer',
      body: { reason: '重复操作' },
    });
    expect(reject.status).toBe(409);
  });

  it('two decisions on one task at the same moment: exactly one counts, the other gets 409', async () => {
    const app = await submit();
    const taskId = await pendingTaskFor(app.id, 'zz-approval-reviewer');
    const [a, b] = await Promise.all([
      t.call('POST', `/api/tasks/${taskId}/approve`, { as: 'zz-approval-reviewer', body: { comment: 'A' } }),
      t.call('POST', `/api/tasks/${taskId}/reject`, {
        as: 'zz-approval-reviewer',
        body: { reason: '材料不全' },
      }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const view = (await t.call('GET', `/api/seal-applications/${app.id}`, { as: 'zz-amr-clerk' })).body;
    const decisions = view.approval.history.filter(
      (h: { action: string }) => h.action === 'approved' || h.action === 'rejected',
    );
    expect(decisions).toHaveLength(1);
  });

  it('other units cannot read an application or a seal; unauthenticated calls get 401', async () => {
    const app = await submit();
    expect((await t.call('GET', `/api/seal-applications/${app.id}`, { as: 'gp-amr-clerk' })).status).toBe(
      403,
    );
    // LM-25: the refused read is in the audit log with who tried it.
    expect(
      await t.em().findOne(AuditEvent, { actorUsername: 'gp-amr-clerk', outcome: 'denied' }),
    ).toMatchObject({
      action: 'GET /api/seal-applications/:id',
      targetId: `/api/seal-applications/${app.id}`,
      actorOrganisationId: 'gp-amr',
    });
    // A seal of 泽州县市场监督管理局 (made earlier in this file): its own unit and the city see it, 高平市 does not.
    const seal = await t.em().findOneOrFail(Seal, { organisationId: 'zz-amr' });
    expect((await t.call('GET', `/api/seals/${seal.id}`, { as: 'gp-amr-clerk' })).status).toBe(403);
    expect(
      (await t.call('GET', `/api/seals/${seal.id}/imprint`, { as: 'gp-approval-reviewer' })).status,
    ).toBe(403);
    expect((await t.call('GET', `/api/seals/${seal.id}`, { as: 'jc-approval-reviewer' })).status).toBe(200);
    expect((await t.call('GET', `/api/seals/${seal.id}`, { as: 'zz-amr-issuer' })).status).toBe(200);
    expect(
      (await t.call('GET', `/api/seal-applications/${app.id}`, { as: 'gp-approval-reviewer' })).status,
    ).toBe(403);
    expect(
      (await t.call('GET', `/api/seal-applications/${app.id}`, { as: 'jc-approval-reviewer' })).status,
    ).toBe(200);
    expect((await t.call('GET', `/api/seal-applications/${app.id}`)).status).toBe(401);
    expect(
      (await t.call('GET', '/api/tasks', { headers: { authorization: 'Bearer not-a-token' } })).status,
    ).toBe(401);
    expect(
      (
        await t.call('POST', '/api/seal-applications', {
          as: 'zz-approval-reviewer',
          body: applicationBody(),
        })
      ).status,
    ).toBe(403);
  });
});

describe('bad input gets 400 naming the field, and nothing is stored', () => {
  const png = pngImprint().toString('base64');
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['missing name', { name: undefined }, 'name'],
    ['unknown kind', { kind: 'golden_seal' }, 'kind'],
    [
      'image that is neither PNG nor SVG',
      {
        imprint: {
          mediaType: 'image/png',
          data: Buffer.from('GIF89a fake').toString('base64'),
          widthMm: 42,
          heightMm: 42,
        },
      },
      'imprint.data',
    ],
    [
      'declared media type that is not PNG or SVG',
      { imprint: { mediaType: 'image/gif', data: png, widthMm: 42, heightMm: 42 } },
      'imprint.mediaType',
    ],
    [
      'image over the size limit',
      {
        imprint: {
          mediaType: 'image/png',
          data: pngImprint(600, true).toString('base64'),
          widthMm: 42,
          heightMm: 42,
        },
      },
      'imprint.data',
    ],
    [
      'SVG with a script',
      {
        imprint: {
          mediaType: 'image/svg+xml',
          data: Buffer.from(
            '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
          ).toString('base64'),
          widthMm: 42,
          heightMm: 42,
        },
      },
      'imprint.data',
    ],
    [
      'width as a string',
      { imprint: { mediaType: 'image/png', data: png, widthMm: '42', heightMm: 42 } },
      'imprint.widthMm',
    ],
    ['custodian as a string', { custodian: '张丽' }, 'custodian'],
    ['reason as a number', { reason: 12345 }, 'reason'],
    ['unknown field', { colour: 'red' }, 'colour'],
    [
      'width out of range',
      { imprint: { mediaType: 'image/png', data: png, widthMm: 500, heightMm: 42 } },
      'imprint.widthMm',
    ],
  ];

  it.each(cases)('%s', async (_label, override, field) => {
    const before = await t.em().count(SealApplication, {});
    const body = applicationBody(override);
    const res = await t.call('POST', '/api/seal-applications', { as: 'zz-amr-clerk', body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(res.body.error.message).toContain(field);
    expect(await t.em().count(SealApplication, {})).toBe(before);
  });

  it('a body that is not JSON gets 400 naming the body', async () => {
    const res = await t.call('POST', '/api/seal-applications', {
      as: 'zz-amr-clerk',
      body: '{"kind":',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('body');
  });

  it('an SVG imprint is accepted', async () => {
    const res = await t.call('POST', '/api/seal-applications', {
      as: 'zz-amr-clerk',
      body: applicationBody({
        imprint: {
          mediaType: 'image/svg+xml',
          data: svgImprint('合同专用章').toString('base64'),
          widthMm: 40,
          heightMm: 40,
        },
      }),
    });
    expect(res.status).toBe(201);
  });
});

describe('idempotent submission', () => {
  it('repeating a request with the same Idempotency-Key returns the first application and starts nothing new', async () => {
    const headers = { 'Idempotency-Key': 'oa-2026-000123' };
    const first = await t.call('POST', '/api/seal-applications', {
      as: 'zz-amr-clerk',
      body: applicationBody(),
      headers,
    });
    const second = await t.call('POST', '/api/seal-applications', {
      as: 'zz-amr-clerk',
      body: applicationBody(),
      headers,
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(await t.em().count(SealApplication, { clientRequestId: 'oa-2026-000123' })).toBe(1);
  });
});

describe('the approval workflow replays its histories (issue 19: a step read in the deciding workflow task)', () => {
  const replay = (history: unknown, workflowId: string) =>
    Worker.runReplayHistory(
      { workflowBundle: { codePath: testServices().workflowBundlePath } },
      history,
      workflowId,
    );

  /** The activities a history ran, in order: scheduled through the server, or local (their markers). */
  const activitiesRun = (history: temporal.api.history.v1.IHistory) =>
    (history.events ?? []).flatMap((e) => {
      const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (scheduled) return [scheduled];
      const marker = e.markerRecordedEventAttributes;
      if (marker?.markerName !== 'core_local_activity') return [];
      const data = marker.details?.data?.payloads?.[0]?.data;
      return data
        ? [(JSON.parse(Buffer.from(data).toString()) as { activity_type: string }).activity_type]
        : [];
    });

  it.each([
    [
      'before issue 19 (each read an activity of its own)',
      'approval-history-before-issue-19',
      'resolveStepApprovers',
    ],
    [
      'before the projection ran in the task (each an activity)',
      'approval-history-before-projection-in-task',
      'projectApproval',
    ],
    [
      'before a step was opened in one local activity (three local reads, then the projection)',
      'approval-history-before-step-in-one',
      'computeDeadline',
    ],
  ])("a review recorded %s replays with today's code", async (_when, file, activity) => {
    const json = JSON.parse(readFileSync(path.join(__dirname, `../support/workflows/${file}.json`), 'utf8'));
    const history = temporal.api.history.v1.History.fromObject(json);
    expect(activitiesRun(history).filter((n) => n === activity)).toHaveLength(3);
    await replay(history, file);
  });

  it('a review run now opens and projects each step in one local activity of the task that reaches it, and replays', async () => {
    const app = await submit();
    for (const reviewer of REVIEWERS.slice(0, 2)) {
      const taskId = await pendingTaskFor(app.id, reviewer);
      expect((await t.call('POST', `/api/tasks/${taskId}/approve`, { as: reviewer, body: {} })).status).toBe(
        200,
      );
    }
    const key = approvalWorkflowId('seal_application', app.id);
    const history = await t.platform.temporal.workflow.getHandle(key).fetchHistory();
    const events = history.events ?? [];
    // Three steps opened, each read for, opened and projected by one local activity (its projection counted as the
    // workflow's own, no second one): only e-mail through the server.
    expect(activitiesRun(history).filter((n) => n !== 'sendApprovalNotice')).toEqual(
      Array.from({ length: 3 }, () => 'openStepAndProject'),
    );
    // Each decision accepted, its next step opened and projected, and answered in one workflow task.
    const decided = events.flatMap((e, i) => (e.workflowExecutionUpdateAcceptedEventAttributes ? [i] : []));
    for (const accepted of decided.slice(1)) {
      const completed = events.findIndex(
        (e, i) => i > accepted && e.workflowExecutionUpdateCompletedEventAttributes,
      );
      expect(events.slice(accepted, completed).some((e) => e.workflowTaskStartedEventAttributes)).toBe(false);
    }
    await replay(history, key);
  });
});
