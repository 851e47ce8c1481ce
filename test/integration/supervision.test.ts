/**
 * Issue 14 through the API on a real platform (PostgreSQL, Temporal, SMTP): announcing closed cases (LM-9) and
 * closing them by issuance; rectification orders (LM-30) ordered, reported, returned, accepted and extended; who
 * sees what (a management unit its jurisdiction, a unit its own orders). The deadlines themselves are shown on
 * the time-skipping server (supervision-deadlines.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { AuditEvent } from '../../db/entities';
import { findingFor } from '../support/supervision';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  ExchangeReceiver,
  FOOD_BUSINESS_CODE,
  grantLicenceSealUse,
  issueLicence,
  startExchangeReceiver,
} from '../support/licences';
import { Dispute, DisputeBreach } from '../../db/dispute-entities';
import { ForceMajeureBreach, ForceMajeureIncident } from '../../db/force-majeure-entities';
import { ensureSupervisionSchedule, supervisionScheduleId } from '../../platform/supervision-schedule';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { recordFinding } from '../../db/supervision-findings';
import { SupervisionFinding } from '../../db/supervision-entities';
import { runSupervision } from '../../usecases/supervision-run';

let t: TestPlatform;
// An exchange endpoint that refuses every push (500), so pushes stay undelivered (the sharing rule, kind 4).
let receiver: ExchangeReceiver;
beforeAll(async () => {
  receiver = await startExchangeReceiver({ failFirst: Number.MAX_SAFE_INTEGER });
  t = await startTestPlatform({ exchangeEndpointUrl: receiver.url });
});
afterAll(async () => {
  await t?.stop();
  await receiver?.close();
});

const audited = (action: string, targetId: string) => t.em().fork().find(AuditEvent, { action, targetId });

async function waitFor<T>(what: string, f: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('LM-9 cases announced when they close', () => {
  it('bad input is a 400 naming the field; only the type’s issuing units may announce; nothing is stored', async () => {
    const caseId = `ZZ-CASE-${randomUUID()}`;
    const good = { caseId, licenceType: BUSINESS_LICENCE_CODE, closedAt: new Date().toISOString() };
    for (const [body, field] of [
      [{ ...good, closedAt: '昨天' }, 'closedAt'],
      [{ ...good, licenceType: 'X' }, 'licenceType'],
      [{ ...good, caseId: 'a b' }, 'caseId'],
      [{ ...good, closedAt: new Date(Date.now() + 86_400_000).toISOString() }, 'closedAt'],
      [{ ...good, extra: 1 }, ''],
    ] as const) {
      const res = await t.call('POST', '/api/cases', { as: 'zz-amr-system', body });
      expect(res.status).toBe(400);
      if (field) expect(res.body.error.details).toEqual([expect.objectContaining({ field })]);
    }
    expect((await t.call('POST', '/api/cases', { as: 'zz-amr-clerk', body: good })).status).toBe(403);
    // 泽州县公安局 does not issue 营业执照.
    expect((await t.call('POST', '/api/cases', { as: 'zz-police-issuer', body: good })).status).toBe(403);
    expect((await t.call('GET', `/api/cases/${caseId}`, { as: 'zz-amr-system' })).status).toBe(404);
  });

  it('announced, repeated, refused with other content; issuing the same case closes it in time', async () => {
    const issue = businessLicenceBody();
    const body = { caseId: issue.caseId, licenceType: BUSINESS_LICENCE_CODE, closedAt: issue.caseClosedAt };
    const first = await t.call('POST', '/api/cases', { as: 'zz-amr-system', body });
    expect(first.status).toBe(201);
    const deadline = await t.call(
      'GET',
      `/api/calendar/deadline?from=${encodeURIComponent(String(issue.caseClosedAt))}&workingDays=1`,
    );
    expect(first.body).toMatchObject({ caseId: issue.caseId, status: 'open', deadline: deadline.body });
    expect(await audited('case.announce', first.body.id)).toHaveLength(1);
    expect((await t.call('POST', '/api/cases', { as: 'zz-amr-system', body })).status).toBe(200);
    const other = { ...body, closedAt: new Date(Date.now() - 3600_000).toISOString() };
    expect((await t.call('POST', '/api/cases', { as: 'zz-amr-system', body: other })).status).toBe(409);

    // The issuance request with the same case id (it waits for a seal-use authorisation: it has arrived).
    const issued = await t.call('POST', '/api/licenses', { as: 'zz-amr-system', body: issue });
    expect([201, 202]).toContain(issued.status);
    const closed = await waitFor('the case closed', async () => {
      const res = await t.call('GET', `/api/cases/${issue.caseId}`, { as: 'zz-amr-system' });
      return res.body.status === 'issued' && res.body;
    });
    expect(closed).toMatchObject({ statusLabel: '已按时归集', flaggedAt: null });
    expect(Date.parse(closed.arrivedAt)).toBeLessThanOrEqual(Date.parse(closed.deadline.dueAt));
    // Another unit does not see it.
    expect((await t.call('GET', `/api/cases/${issue.caseId}`, { as: 'gp-amr-issuer' })).status).toBe(404);
  });
});

describe('LM-30 rectification orders through the API', () => {
  const order = (as: string, body: unknown) => t.call('POST', '/api/rectification-orders', { as, body });

  it('ordered, reported, returned, reported again and accepted; who may do what; audited', async () => {
    const findingId = await findingFor(t.em().fork(), new Date());
    const body = {
      organisationId: 'zz-amr',
      findingIds: [findingId],
      requirements: '限期补录逾期未归集的电子证照',
      deadline: { workingDays: 5 },
    };
    expect((await order('zz-amr-clerk', body)).status).toBe(403);
    const empty = await order('zz-approval-supervisor', { ...body, findingIds: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0].field).toBe('findingIds');
    const badDate = await order('zz-approval-supervisor', { ...body, deadline: { date: '2026-13-01' } });
    expect(badDate.body.error.details[0].field).toBe('deadline.date');

    const created = await order('zz-approval-supervisor', body);
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toMatchObject({ status: 'open', findings: [{ id: findingId, state: 'ordered' }] });
    // The same finding cannot be ordered twice.
    expect((await order('zz-approval-supervisor', body)).status).toBe(400);

    // The unit sees its own order; another unit does not.
    const mine = await t.call('GET', '/api/rectification-orders', { as: 'zz-amr-clerk' });
    expect(mine.body.items.map((o: { id: string }) => o.id)).toContain(id);
    expect((await t.call('GET', `/api/rectification-orders/${id}`, { as: 'gp-amr-clerk' })).status).toBe(403);
    const theirs = await t.call('GET', '/api/rectification-orders', { as: 'gp-amr-clerk' });
    expect(theirs.body.items.map((o: { id: string }) => o.id)).not.toContain(id);

    const act = (as: string, decision: string, b: unknown = {}) =>
      t.call('POST', `/api/rectification-orders/${id}/${decision}`, { as, body: b });
    expect((await act('zz-amr-clerk', 'submit', { report: '已整改' })).status).toBe(403);
    expect((await act('zz-amr-leader', 'submit', {})).body.error.details[0].field).toBe('report');
    expect((await act('zz-amr-leader', 'submit', { report: '已补录' })).body.status).toBe('submitted');
    expect((await act('zz-amr-leader', 'accept')).status).toBe(403);
    expect((await act('zz-approval-supervisor', 'return', { comment: '不到位' })).body.status).toBe(
      'returned',
    );
    expect((await act('zz-approval-supervisor', 'accept')).status).toBe(409);
    expect((await act('zz-amr-leader', 'submit', { report: '已全部补录' })).body.status).toBe('submitted');
    const accepted = await act('zz-approval-supervisor', 'accept', { comment: '验收通过' });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', findings: [{ state: 'rectified' }] });
    expect(accepted.body.events.map((e: { kind: string }) => e.kind)).toEqual([
      'submit',
      'return',
      'submit',
      'accept',
    ]);
    expect(await audited('rectification.order', id)).toHaveLength(1);
    expect((await audited('rectification.accept', id))[0]).toMatchObject({
      actorUsername: 'zz-approval-supervisor',
    });
  });

  it('an extension moves the deadline once (audited with its reason); a second extension is 409', async () => {
    const findingId = await findingFor(t.em().fork(), new Date());
    const created = await order('zz-approval-supervisor', {
      organisationId: 'zz-amr',
      findingIds: [findingId],
      requirements: '完善证照目录',
      deadline: { workingDays: 3 },
    });
    const id = created.body.id;
    const extend = (b: unknown) =>
      t.call('POST', `/api/rectification-orders/${id}/extend`, { as: 'zz-approval-supervisor', body: b });
    expect((await extend({ deadline: { workingDays: 10 } })).body.error.details[0].field).toBe('reason');
    expect((await extend({ reason: '提前', deadline: { workingDays: 1 } })).status).toBe(400);
    const first = await extend({ reason: '涉及系统改造', deadline: { workingDays: 10 } });
    expect(first.status).toBe(200);
    expect(Date.parse(first.body.deadline.dueAt)).toBeGreaterThan(Date.parse(created.body.deadline.dueAt));
    expect(first.body.extensionReason).toBe('涉及系统改造');
    const second = await extend({ reason: '再次延期', deadline: { workingDays: 20 } });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toBe('整改期限只能延长一次');
    expect((await audited('rectification.extend', id))[0].details).toMatchObject({ reason: '涉及系统改造' });
  });

  it('only a management unit’s supervisors see the findings and orders of their jurisdiction', async () => {
    const key = `test-gp:${randomUUID()}`;
    await recordFinding(t.em().fork(), {
      organisationId: 'gp-amr',
      rule: 'announced_case_without_licence',
      evidence: { caseId: key },
      foundAt: new Date(),
      sourceKey: key,
    });
    const gpFinding = await t.em().fork().findOneOrFail(SupervisionFinding, { sourceKey: key });
    const city = await t.call('GET', '/api/supervision/findings?organisationId=gp-amr', { as: 'jc-admin' });
    expect(city.body.items.map((f: { id: string }) => f.id)).toContain(gpFinding.id);
    expect(city.body.items[0]).toMatchObject({
      kindLabel: '未及时归集电子证照',
      unitName: '高平市市场监督管理局',
    });
    const county = await t.call('GET', '/api/supervision/findings', { as: 'zz-approval-supervisor' });
    expect(county.status).toBe(200);
    expect(county.body.items.map((f: { id: string }) => f.id)).not.toContain(gpFinding.id);
    expect(
      (
        await t.call('GET', '/api/supervision/findings?organisationId=gp-amr', {
          as: 'zz-approval-supervisor',
        })
      ).status,
    ).toBe(403);
    expect((await t.call('GET', '/api/supervision/findings', { as: 'zz-amr-clerk' })).status).toBe(403);
    const bad = await t.call('GET', '/api/supervision/findings?kind=x', { as: 'jc-admin' });
    expect(bad.body.error.details[0].field).toBe('kind');

    const gpOrder = await order('jc-admin', {
      organisationId: 'gp-amr',
      findingIds: [gpFinding.id],
      requirements: '限期整改',
      deadline: { workingDays: 5 },
    });
    expect(gpOrder.status).toBe(201);
    const foreign = await order('zz-approval-supervisor', {
      organisationId: 'gp-amr',
      findingIds: [gpFinding.id],
      requirements: '限期整改',
      deadline: { workingDays: 5 },
    });
    expect(foreign.status).toBe(403);
    const id = gpOrder.body.id;
    expect(
      (await t.call('GET', `/api/rectification-orders/${id}`, { as: 'zz-approval-supervisor' })).status,
    ).toBe(403);
    const countyOrders = await t.call('GET', '/api/rectification-orders', { as: 'zz-approval-supervisor' });
    expect(countyOrders.body.items.map((o: { id: string }) => o.id)).not.toContain(id);
    expect((await t.call('GET', `/api/rectification-orders/${id}`, { as: 'gp-amr-clerk' })).status).toBe(200);
    expect(
      (
        await t.call('POST', `/api/rectification-orders/${id}/extend`, {
          as: 'zz-approval-supervisor',
          body: { reason: '延期', deadline: { workingDays: 10 } },
        })
      ).status,
    ).toBe(403);
  });
});

describe('LM-28 supervision runs find the five violation kinds, each with its evidence', () => {
  const run = async () => {
    const res = await t.call('POST', '/api/supervision/runs', { as: 'zz-approval-supervisor' });
    expect(res.status).toBe(200);
    return res.body;
  };
  const findings = async (kind: string) =>
    (await t.call('GET', `/api/supervision/findings?organisationId=zz-amr&kind=${kind}`, { as: 'jc-admin' }))
      .body.items as Array<{ rule: string; evidence: Record<string, unknown>; state: string }>;

  it('1 catalogue: a type not reviewed for a year is a finding of each unit that issues it', async () => {
    const publishedAt = new Date(Date.now() - 400 * 86_400_000);
    await t
      .em()
      .fork()
      .getConnection()
      .execute(`update licence_type set published_at = ? where code = ? and status = 'published'`, [
        publishedAt,
        FOOD_BUSINESS_CODE,
      ]);
    const result = await run();
    expect(result.found.type_not_reviewed).toBeGreaterThanOrEqual(1);
    expect(await findings('catalogue')).toContainEqual(
      expect.objectContaining({
        rule: 'type_not_reviewed',
        state: 'new',
        evidence: expect.objectContaining({
          typeCode: FOOD_BUSINESS_CODE,
          publishedAt: publishedAt.toISOString(),
        }),
      }),
    );
    // A second run finds nothing twice.
    expect((await run()).found.type_not_reviewed).toBeUndefined();
  });

  it('2 collection: a licence received after its LM-9 deadline', async () => {
    const body = businessLicenceBody({ caseClosedAt: new Date(Date.now() - 6 * 86_400_000).toISOString() });
    expect([201, 202]).toContain(
      (await t.call('POST', '/api/licenses', { as: 'zz-amr-system', body })).status,
    );
    expect((await run()).found.late_arrival).toBeGreaterThanOrEqual(1);
    const finding = (await findings('collection')).find((f) => f.evidence.caseId === body.caseId);
    expect(finding).toMatchObject({
      rule: 'late_arrival',
      evidence: { caseClosedAt: new Date(body.caseClosedAt as string).toISOString() },
    });
    expect(Date.parse(String(finding!.evidence.receivedAt))).toBeGreaterThan(
      Date.parse(String(finding!.evidence.deadlineAt)),
    );
  });

  it('2 collection: a force-majeure backlog not made up by its deadline (read from the incident breaches)', async () => {
    // The unit's staff member who reported and cleared the incident (known to the platform once signed in).
    expect((await t.call('GET', '/api/force-majeure-incidents', { as: 'zz-amr-issuer' })).status).toBe(200);
    const em = t.em().fork();
    const [{ id: userId }] = await em.execute(`select id from app_user where username = 'zz-amr-issuer'`);
    const id = randomUUID();
    const due = new Date(Date.now() - 86_400_000);
    em.create(ForceMajeureIncident, {
      id,
      organisationId: 'zz-amr',
      failure: '业务审批系统数据库服务器硬盘损坏',
      since: new Date(due.getTime() - 10 * 86_400_000),
      typeCodes: [BUSINESS_LICENCE_CODE],
      measures: '启用纸质受理登记',
      status: 'closed',
      reportedBy: userId,
      reportedAt: new Date(due.getTime() - 10 * 86_400_000),
      clearedBy: userId,
      clearedAt: new Date(due.getTime() - 4 * 86_400_000),
      backlog: ['ZZ-FM-1', 'ZZ-FM-2'],
      backlogDueAt: due,
      backlogDueProvisional: false,
      closedAt: due,
      workflowId: `force-majeure-${id}`,
    });
    await em.flush();
    em.create(ForceMajeureBreach, {
      incidentId: id,
      organisationId: 'zz-amr',
      dueAt: due,
      breachedAt: due,
      missingCaseIds: ['ZZ-FM-2'],
    });
    await em.flush();
    expect((await run()).found.force_majeure_backlog_overdue).toBe(1);
    const finding = (await findings('collection')).find((f) => f.evidence.incidentId === id);
    expect(finding).toMatchObject({
      rule: 'force_majeure_backlog_overdue',
      evidence: { dueAt: due.toISOString(), missingCaseIds: ['ZZ-FM-2'] },
    });
    // Recorded once: the next run finds nothing new.
    expect((await run()).found.force_majeure_backlog_overdue).toBeUndefined();
  });

  it('3 correction: a dispute whose outcome was not given in time (read from the dispute breaches)', async () => {
    const em = t.em().fork();
    const id = randomUUID();
    const due = new Date(Date.now() - 86_400_000);
    em.create(Dispute, {
      id,
      licenceIdentifier: `1.2.156.3005.2.TEST.${id}`,
      licenceSeriesId: id,
      typeCode: BUSINESS_LICENCE_CODE,
      issuerOrganisationId: 'zz-amr',
      challengerKind: 'public',
      challengerName: '王五',
      ground: 'accuracy',
      items: ['住所'],
      description: '住所有误',
      status: 'marked',
      receivedAt: new Date(due.getTime() - 7 * 86_400_000),
      markerDueAt: new Date(due.getTime() - 6 * 86_400_000),
      markerProvisional: false,
      outcomeDueAt: due,
      outcomeProvisional: false,
      workflowId: `dispute-${id}`,
    });
    await em.flush();
    em.create(DisputeBreach, {
      disputeId: id,
      kind: 'outcome_late',
      issuerOrganisationId: 'zz-amr',
      dueAt: due,
      breachedAt: due,
    });
    await em.flush();
    expect((await run()).found.dispute_breach).toBe(1);
    expect(await findings('correction')).toContainEqual(
      expect.objectContaining({
        rule: 'dispute_breach',
        evidence: expect.objectContaining({
          disputeId: id,
          breach: 'outcome_late',
          dueAt: due.toISOString(),
        }),
      }),
    );
  });

  it('4 sharing: an exchange push still undelivered a working day after it was queued; skipped without an endpoint', async () => {
    await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
    const { licence } = await issueLicence(t, businessLicenceBody());
    const queuedAt = new Date(Date.now() - 10 * 86_400_000);
    await t
      .em()
      .fork()
      .getConnection()
      .execute(
        `update exchange_outbox set created_at = ? where licence_id = (select id from licence where identifier = ?)`,
        [queuedAt, licence.identifier],
      );
    // Without an exchange endpoint configured the rule is skipped: the push waits for the platform, not the unit.
    const unconfigured = await runSupervision(t.em().fork(), new Date(), {
      organisationIds: new Set(['zz-amr']),
      exchangeConfigured: false,
    });
    expect(unconfigured.found.exchange_overdue).toBeUndefined();
    expect((await run()).found.exchange_overdue).toBeGreaterThanOrEqual(1);
    expect(await findings('sharing')).toContainEqual(
      expect.objectContaining({
        rule: 'exchange_overdue',
        evidence: expect.objectContaining({
          licenceIdentifier: licence.identifier,
          queuedAt: queuedAt.toISOString(),
        }),
      }),
    );
  });

  it('5 paper: a simulated service request in which paper was demanded (one without is no finding)', async () => {
    const record = (body: unknown, as = 'zz-approval-supervisor') =>
      t.call('POST', '/api/supervision/simulated-requests', { as, body });
    const paper = await record({
      organisationId: 'zz-amr',
      serviceItem: '食品经营许可（新办）',
      paperDemanded: true,
      note: '窗口要求提供营业执照纸质复印件',
    });
    expect(paper.status).toBe(201);
    const none = await record({
      organisationId: 'zz-amr',
      serviceItem: '营业执照变更',
      paperDemanded: false,
    });
    expect(none.status).toBe(201);
    expect((await record({ organisationId: 'gp-amr', serviceItem: 'x', paperDemanded: true })).status).toBe(
      400,
    );
    expect((await record({ organisationId: 'zz-amr', serviceItem: 'x' })).body.error.details[0].field).toBe(
      'paperDemanded',
    );
    expect(
      (await record({ organisationId: 'zz-amr', serviceItem: 'x', paperDemanded: true }, 'zz-amr-clerk'))
        .status,
    ).toBe(403);
    expect((await run()).found.paper_demanded).toBe(1);
    const found = await findings('paper');
    expect(found).toEqual([
      expect.objectContaining({
        rule: 'paper_demanded',
        evidence: expect.objectContaining({
          simulatedRequestId: paper.body.id,
          serviceItem: '食品经营许可（新办）',
          recordedBy: 'zz-approval-supervisor',
        }),
      }),
    ]);
    expect(await audited('supervision.simulated_request', paper.body.id)).toHaveLength(1);
  });

  it('the daily Schedule runs the same supervision; only supervisors may run it', async () => {
    expect((await t.call('POST', '/api/supervision/runs', { as: 'zz-amr-clerk' })).status).toBe(403);
    const handle = t.platform.temporal.schedule.getHandle(supervisionScheduleId(t.platform.ctx.taskQueue));
    let description: Awaited<ReturnType<typeof handle.describe>> | undefined;
    for (let i = 0; i < 100 && !description; i++) {
      description = await handle.describe().catch(() => undefined);
      if (!description) await new Promise((r) => setTimeout(r, 100));
    }
    expect(description!.spec.timezone).toBe('Asia/Shanghai');
    expect(description!.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'supervisionRunWorkflow',
    });
    expect(await ensureSupervisionSchedule(t.platform.temporal, t.platform.ctx.taskQueue)).toBe(false);
    // A finding of another county, for the scheduled run (over every unit) to find.
    const body = businessLicenceBody({ caseClosedAt: new Date(Date.now() - 6 * 86_400_000).toISOString() });
    await t.call('POST', '/api/licenses', { as: 'gp-amr-issuer', body });
    await handle.trigger();
    const found = await waitFor('the scheduled run', async () => {
      const res = await t.call('GET', '/api/supervision/findings?organisationId=gp-amr&kind=collection', {
        as: 'jc-admin',
      });
      return res.body.items.find((f: { evidence: { caseId: string } }) => f.evidence.caseId === body.caseId);
    });
    expect(found).toMatchObject({ rule: 'late_arrival', unitName: '高平市市场监督管理局' });
  });
});

describe('LM-28 dismissing a finding', () => {
  it('a new finding is dismissed with its reason (audited); again is 409; no reason is 400; others 403/404', async () => {
    const id = await findingFor(t.em().fork(), new Date());
    const dismiss = (as: string, body: unknown, findingId = id) =>
      t.call('POST', `/api/supervision/findings/${findingId}/dismiss`, { as, body });
    expect((await dismiss('zz-amr-clerk', { reason: '误报' })).status).toBe(403);
    const empty = await dismiss('zz-approval-supervisor', { reason: ' ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0].field).toBe('reason');
    expect((await dismiss('zz-approval-supervisor', { reason: '误报' }, randomUUID())).status).toBe(404);
    const done = await dismiss('zz-approval-supervisor', { reason: '该办件已撤回，不属于应归集证照' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id, state: 'dismissed', stateLabel: '已撤销' });
    expect(done.body.evidence.dismissal).toMatchObject({ reason: '该办件已撤回，不属于应归集证照' });
    expect((await dismiss('zz-approval-supervisor', { reason: '再次撤销' })).status).toBe(409);
    expect(await audited('supervision.finding_dismiss', id)).toHaveLength(1);
  });
});

describe('LM-28 random checks', () => {
  it('a sample drawn again with its recorded seed and cut-off draws the same licences, after more were issued', async () => {
    await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
    for (let i = 0; i < 3; i++) await issueLicence(t, businessLicenceBody());
    const draw = (body: unknown, as = 'zz-approval-supervisor') =>
      t.call('POST', '/api/supervision/samples', { as, body });
    const first = await draw({ organisationId: 'zz-amr', size: 2 });
    expect(first.status).toBe(201);
    expect(first.body.licences).toHaveLength(2);
    expect(first.body.populationSize).toBeGreaterThanOrEqual(3);
    expect(await audited('supervision.sample', first.body.id)).toHaveLength(1);
    await issueLicence(t, businessLicenceBody());
    const again = await draw({
      organisationId: 'zz-amr',
      size: 2,
      seed: first.body.seed,
      cutoff: first.body.cutoff,
    });
    expect(again.body).toMatchObject({
      licences: first.body.licences,
      populationSize: first.body.populationSize,
      seed: first.body.seed,
      cutoff: first.body.cutoff,
    });
    const now = await draw({ organisationId: 'zz-amr', size: 2, seed: first.body.seed });
    expect(now.body.populationSize).toBe(first.body.populationSize + 1);

    expect((await draw({ organisationId: 'zz-amr', size: 2 }, 'zz-amr-clerk')).status).toBe(403);
    expect((await draw({ organisationId: 'gp-amr', size: 2 })).body.error.details[0].field).toBe(
      'organisationId',
    );
    expect((await draw({ organisationId: 'zz-amr', size: 0 })).body.error.details[0].field).toBe('size');
    const future = await draw({
      organisationId: 'zz-amr',
      size: 1,
      cutoff: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect(future.body.error.details[0].field).toBe('cutoff');
  });
});
