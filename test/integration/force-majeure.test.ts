/**
 * Force majeure (issue 13 Build 4, LM-11), on real PostgreSQL, SMTP and Temporal. Through the API: a bad report is
 * a 4xx naming the field with nothing stored; an incident open for two days excuses the late licences (LM-9) of
 * its types, those recorded before the report included, and not those of other types or closed before it. On
 * Temporal's time-skipping test server, with the platform's real service and activities: the management unit
 * acknowledges; after the clearance the backlog is due at 24:00 of the 3rd working day (as /api/calendar/deadline
 * says); a case issued in time is no breach, a case still lacking its licence at the deadline is one, escalated.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ForceMajeureService } from '../../api/services/force-majeure';
import { deadlineText } from '../../presentation/deadline-text';
import { loadWorkingCalendar } from '../../db/calendar';
import { ForceMajeureBreach, ForceMajeureIncident } from '../../db/force-majeure-entities';
import { LicenceIssuance } from '../../db/licence-entities';
import { forceMajeureWorkflowId } from '../../domain/force-majeure';
import { forceMajeureStateQuery } from '../../workflows/force-majeure-messages';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  FOOD_BUSINESS_CODE,
  foodBusinessBody,
} from '../support/licences';
import { formPost, type TestPlatform } from '../support/platform';
import { startTimeSkippingPlatform, TimeSkippingPlatform } from '../support/time-skipping-platform';

let rig: TimeSkippingPlatform;
let t: TestPlatform;
let env: TestWorkflowEnvironment;
/** The platform's own service, its workflows started on the time-skipping server's task queue. */
let service: ForceMajeureService;

beforeAll(async () => {
  rig = await startTimeSkippingPlatform('force-majeure', { platformWorker: true });
  ({ t, env } = rig);
  service = new ForceMajeureService({ ...t.platform.ctx, temporal: env.client, taskQueue: rig.taskQueue });
});
afterAll(async () => {
  await rig?.stop();
});

const DAY = 24 * 3600_000;
const principal = (username: string) => t.platform.ctx.auth.principalFor(username);
const meta = { requestId: 'force-majeure-test', ip: '127.0.0.1' };
const incidents = () => t.em().fork().count(ForceMajeureIncident, {});
const issuance = (caseId: string) =>
  t.em().fork().findOneOrFail(LicenceIssuance, { organisationId: 'zz-amr', caseId });

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Sends a licence request of the unit's business system; the request is recorded (lateness included) at once. */
async function send(body: { caseId: string }) {
  const res = await t.call('POST', '/api/licenses', { as: 'zz-amr-system', body });
  expect([201, 202]).toContain(res.status);
  return issuance(body.caseId);
}

const report = (since: Date, typeCodes = [BUSINESS_LICENCE_CODE]) => ({
  failure: '业务审批系统数据库服务器硬盘损坏，无法生成证照数据',
  since: since.toISOString(),
  typeCodes,
  measures: '已启用纸质受理登记，联系厂商更换硬盘并从备份恢复',
});

describe('LM-11 force majeure: the report', () => {
  it('bad reports are a 4xx naming the field and store nothing; only an issuing unit reports', async () => {
    const before = await incidents();
    const cases: Array<[unknown, string]> = [
      [{ ...report(new Date()), typeCodes: [] }, 'typeCodes'],
      [{ ...report(new Date()), typeCodes: ['99999999999999999X001'] }, 'typeCodes'],
      [{ ...report(new Date()), failure: '' }, 'failure'],
      [report(new Date(Date.now() + DAY)), 'since'],
      [{ ...report(new Date()), since: '昨天' }, 'since'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/api/force-majeure-incidents', { as: 'zz-amr-issuer', body });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain(field);
    }
    const verifier = await t.call('POST', '/api/force-majeure-incidents', {
      as: 'jc-hrss-verifier',
      body: report(new Date()),
    });
    expect(verifier.status).toBe(403);
    expect(await incidents()).toBe(before);
  });

  it('an incident open for two days excuses the late licences of its types, and only those', async () => {
    const calendar = await loadWorkingCalendar(t.em().fork());
    // The fault began at least two days ago, early enough that a case closed just after it is late now (LM-9).
    let since = new Date(Date.now() - 2 * DAY);
    while (calendar.addWorkingDays(new Date(since.getTime() + 3600_000), 1).dueAt.getTime() >= Date.now()) {
      since = new Date(since.getTime() - DAY);
    }
    const closedDuring = new Date(since.getTime() + 3600_000).toISOString();
    const closedLongBefore = new Date(since.getTime() - 10 * DAY).toISOString();
    // Recorded late before the report: excused once the report arrives.
    const earlier = await send(businessLicenceBody({ caseClosedAt: closedDuring }));
    expect(earlier).toMatchObject({ late: true, excusedIncidentId: null });

    const res = await t.call('POST', '/api/force-majeure-incidents', {
      as: 'zz-amr-issuer',
      body: report(since),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'open', excusedNow: 1, unitName: '泽州县市场监督管理局' });
    const id = res.body.id;
    expect((await issuance(earlier.caseId)).excusedIncidentId).toBe(id);

    const during = await send(businessLicenceBody({ caseClosedAt: closedDuring }));
    const otherType = await send(foodBusinessBody({ caseClosedAt: closedDuring }));
    const before = await send(businessLicenceBody({ caseClosedAt: closedLongBefore }));
    expect(during).toMatchObject({ late: true, excusedIncidentId: id });
    expect(otherType).toMatchObject({ late: true, excusedIncidentId: null, typeCode: FOOD_BUSINESS_CODE });
    expect(before).toMatchObject({ late: true, excusedIncidentId: null });

    // The management unit sees them among the late arrivals, the excused ones naming the incident.
    const late = await t.call('GET', '/api/licenses/late?organisationId=zz-amr', {
      as: 'zz-approval-supervisor',
    });
    expect(late.status).toBe(200);
    const items = late.body.units[0].items as Array<{ caseId: string; excusedIncidentId: string | null }>;
    const excusedOf = (caseId: string) => items.find((i) => i.caseId === caseId)!.excusedIncidentId;
    expect(excusedOf(earlier.caseId)).toBe(id);
    expect(excusedOf(during.caseId)).toBe(id);
    expect(excusedOf(otherType.caseId)).toBeNull();
    expect(excusedOf(before.caseId)).toBeNull();
    expect(late.body.units[0].excused).toBeGreaterThanOrEqual(2);
    // …and the report itself, with its excused count; another county's supervisor does not.
    const seen = await t.call('GET', `/api/force-majeure-incidents/${id}`, { as: 'zz-approval-supervisor' });
    expect(seen.body).toMatchObject({ id, excusedCount: 2, acknowledgedAt: null });
    const list = await t.call('GET', '/api/force-majeure-incidents', { as: 'zz-approval-supervisor' });
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(id);
    const outside = await t.call('GET', `/api/force-majeure-incidents/${id}`, { as: 'gp-amr-issuer' });
    expect(outside.status).toBe(403);
    await t.platform.temporal.workflow.getHandle(forceMajeureWorkflowId(id)).terminate('test over');
  });
});

describe('LM-11 force majeure on the time-skipping server: acknowledgement, clearance, backlog', () => {
  it('a backlog issued within 3 working days of clearance is no breach; a case still missing then is one', async () => {
    const issuer = await principal('zz-amr-issuer');
    const reported = await service.report(issuer, report(new Date(Date.now() - 3600_000)), meta);
    const handle = env.client.workflow.getHandle(forceMajeureWorkflowId(reported.id));

    // The management unit is told, and acknowledges (once).
    await t.mailbox.waitFor(
      (m) =>
        m.to.includes('zz-approval-supervisor@jincheng.example') &&
        m.subject.includes('报告不可抗力故障') &&
        m.text.includes(reported.id),
    );
    const supervisor = await principal('zz-approval-supervisor');
    const acknowledged = await service.decide(supervisor, reported.id, 'acknowledge', { comment: '已知悉' });
    expect(acknowledged.acknowledgedAt).not.toBeNull();
    await expect(service.decide(supervisor, reported.id, 'acknowledge', {})).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(service.decide(issuer, reported.id, 'acknowledge', {})).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });

    // Cleared, naming two cases closed during the incident that still need their licence.
    const inTime = `ZZ-FM-${randomUUID()}`;
    const missing = `ZZ-FM-${randomUUID()}`;
    await expect(
      service.decide(await principal('gp-amr-issuer'), reported.id, 'clear', { backlogCaseIds: [inTime] }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const cleared = await service.decide(issuer, reported.id, 'clear', { backlogCaseIds: [inTime, missing] });
    expect(cleared.status).toBe('cleared');
    expect(cleared.backlog).toEqual(expect.arrayContaining([inTime, missing]));
    const expected = await t.call(
      'GET',
      `/api/calendar/deadline?from=${encodeURIComponent(cleared.clearedAt!)}&workingDays=3`,
    );
    expect(cleared.backlogDeadline).toEqual(expected.body);
    await expect(service.decide(issuer, reported.id, 'clear', {})).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await t.mailbox.waitFor(
      (m) =>
        m.to.includes('zz-amr-issuer@jincheng.example') &&
        m.text.includes(missing) &&
        m.text.includes('补制时限'),
    );

    // One case issued on the last working day, the other never.
    const dueAt = Date.parse(cleared.backlogDeadline!.dueAt);
    await env.sleep(dueAt - 6 * 3600_000 - (await env.currentTimeMs()));
    await t
      .em()
      .fork()
      .getConnection()
      .execute(
        `insert into licence_issuance (id, organisation_id, case_id, kind, type_id, type_code, request,
         request_fingerprint, workflow_id, status, requested_by, received_at, case_closed_at, deadline_at,
         deadline_provisional, late, completed_at)
       select ?, 'zz-amr', ?, 'issue', t.id, t.code, '{}'::jsonb, repeat('0', 64), ?, 'issued', u.id, ?, ?, ?,
              false, true, ?
         from licence_type t, app_user u where t.code = ? and u.username = 'zz-amr-system' limit 1`,
        [
          randomUUID(),
          inTime,
          `test-${inTime}`,
          new Date(await env.currentTimeMs()),
          new Date(reported.since),
          new Date(reported.since),
          new Date(await env.currentTimeMs()),
          BUSINESS_LICENCE_CODE,
        ],
      );
    await env.sleep(6 * 3600_000 - 60_000);
    expect((await handle.query(forceMajeureStateQuery)).status).toBe('cleared');
    expect(await t.em().fork().findOne(ForceMajeureBreach, { incidentId: reported.id })).toBeNull();

    await env.sleep(120_000);
    const state = await handle.result();
    expect(state).toMatchObject({ status: 'closed', missing: [missing] });
    const breach = await until('the backlog breach', () =>
      t.em().fork().findOne(ForceMajeureBreach, { incidentId: reported.id }),
    );
    expect(breach).toMatchObject({ missingCaseIds: [missing], dueAt: new Date(dueAt) });
    expect(breach.breachedAt.getTime()).toBeGreaterThanOrEqual(dueAt);
    const escalated = await t.mailbox.waitFor(
      (m) => m.to.includes('zz-approval-supervisor@jincheng.example') && m.text.includes(missing),
    );
    expect(escalated.subject).toContain('未在故障排除后 3 个工作日内补制积压证照');
    expect(escalated.text).not.toContain(inTime);
    const view = await service.view(supervisor, reported.id);
    expect(view).toMatchObject({ status: 'closed', breach: { missingCaseIds: [missing] } });
  });
});

describe('LM-11 force majeure through the pages', () => {
  it('the unit reports on the form, the management unit acknowledges, the unit clears; the page shows the backlog deadline', async () => {
    const page = await t.call('GET', '/force-majeure', { as: 'zz-amr-issuer' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="incident-report-form"');
    // 20 minutes ago, as a Shanghai wall-clock time from <input type="datetime-local">.
    const since = new Date(Date.now() - 20 * 60_000 + 8 * 3600_000).toISOString().slice(0, 16);
    const reported = await t.call('POST', '/force-majeure', {
      as: 'zz-amr-issuer',
      ...formPost([
        ['failure', '机房停电，证照生成服务中断'],
        ['since', since],
        ['typeCodes', FOOD_BUSINESS_CODE],
        ['measures', '已启用备用电源，人工登记受理'],
      ]),
    });
    expect(reported.status).toBe(303);
    const url = reported.headers.get('location')!;
    const id = url.split('/').pop()!;
    expect(url).toBe(`/force-majeure/${id}`);

    // The management unit sees it on 督办 (open, not yet acknowledged) and acknowledges it on its page.
    const supervision = await t.call('GET', '/supervision', { as: 'zz-approval-supervisor' });
    expect(supervision.body).toContain(`href="/force-majeure/${id}"`);
    expect(supervision.body).toContain('待确认');
    // …and, in the same view, the units of its jurisdiction that named no responsible person or deputy (LM-24).
    expect(supervision.body).toMatch(
      /data-organisation-id="zz-amr"><td>泽州县市场监督管理局<\/td><td><span class="marker overdue">未指定责任人、副责任人/,
    );
    expect((await t.call('GET', url, { as: 'zz-approval-supervisor' })).body).toContain(
      'id="acknowledge-form"',
    );
    const ack = await t.call('POST', `${url}/acknowledge`, {
      as: 'zz-approval-supervisor',
      ...formPost([['comment', '已知悉，请尽快恢复']]),
    });
    expect(ack.status).toBe(303);
    const seen = await t.call('GET', url, { as: 'zz-amr-issuer' });
    expect(seen.body).toContain('管理单位确认报备');
    expect(seen.body).toContain('id="clear-form"');
    expect(seen.body).not.toContain('id="acknowledge-form"');

    // The unit reports the fault cleared; the page shows the backlog and its deadline from the calendar.
    const cleared = await t.call('POST', `${url}/clear`, {
      as: 'zz-amr-issuer',
      ...formPost([['backlogCaseIds', 'ZZ-FM-PAGE-1\nZZ-FM-PAGE-2']]),
    });
    expect(cleared.status).toBe(303);
    const json = (await t.call('GET', `/api/force-majeure-incidents/${id}`, { as: 'zz-amr-issuer' })).body;
    const expected = await t.call(
      'GET',
      `/api/calendar/deadline?from=${encodeURIComponent(json.clearedAt)}&workingDays=3`,
    );
    expect(json.backlogDeadline.dueAt).toBe(expected.body.dueAt);
    const after = (await t.call('GET', url, { as: 'zz-amr-issuer' })).body as string;
    expect(after).toContain(deadlineText(expected.body.dueAt));
    expect(after).toContain('ZZ-FM-PAGE-2');
    expect(after).toContain('单位报告故障排除');
    expect(after).not.toContain('id="clear-form"');
    // Another county's staff may not look.
    expect((await t.call('GET', url, { as: 'gp-amr-issuer' })).status).toBe(403);
  });
});
