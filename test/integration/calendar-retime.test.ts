/**
 * Calendar edits re-time running deadlines, and suspension through the API (issue 10 Build 1), against the running
 * workflows on the real Temporal dev server: a process whose deadline was computed as provisional (暂定) because it
 * reaches the first year without calendar data is re-timed when that year's calendar is saved, and 暂定 clears.
 */
import { loadWorkingCalendar } from '../../db/calendar';
import { AuditEvent } from '../../db/entities';
import { addCalendarDays, dayOfWeek, shanghaiDateOf } from '../../domain/calendar';
import { approvalHelpers, ApprovalHelpers, step } from '../support/approvals';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { webLogin } from '../support/web-login';

let t: TestPlatform;
let h: ApprovalHelpers;

beforeAll(async () => {
  t = await startTestPlatform();
  h = approvalHelpers(t);
});
afterAll(async () => {
  await t?.stop();
});

/** Polls the process view until `check` holds (the workflow answers the signal a moment later). */
async function viewWhen(key: string, check: (v: any) => boolean, what: string): Promise<any> {
  let last: any;
  for (let i = 0; i < 100; i++) {
    last = await h.view(key);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last stepDue ${JSON.stringify(last?.stepDue)}`);
}

const startedAt = (view: any): string =>
  view.history.filter((e: { action: string }) => e.action === 'step_started').at(-1).at;

describe('saving the first year without data re-times a provisional deadline (issue 10 Build 1)', () => {
  it('the running process is signalled, computes its deadline again from its start, and 暂定 clears', async () => {
    // This test's own database starts without data from the year of the next working day on, whatever today is:
    // that year is the first year without data, and a step of one working day ends in it, provisional.
    const stored = await loadWorkingCalendar(t.em());
    const next = (cal: typeof stored) =>
      shanghaiDateOf(new Date(cal.addWorkingDays(new Date(), 1).dueAt.getTime() - 1));
    const year = Number(next(stored).slice(0, 4));
    await t.em().getConnection().execute('delete from calendar_year where year >= ?', [year]);
    const lastDay = next(await loadWorkingCalendar(t.em()));
    expect(Number(lastDay.slice(0, 4))).toBe(year);

    await h.saveFlow([step('county', { due: { workingDays: 1 } })]);
    const { key } = await h.start();
    const before = await viewWhen(key, (v) => !!v.stepDue, 'the first deadline');
    expect(before.stepDue.provisional).toBe(true);
    expect(shanghaiDateOf(new Date(Date.parse(before.stepDue.dueAt) - 1))).toBe(lastDay);
    const pending = await h.openTaskOf(key, 'zz-approval-reviewer');
    const inboxBefore = (await t.call('GET', '/api/tasks?box=pending', { as: 'zz-approval-reviewer' })).body
      .items as Array<{ taskId: string; dueProvisional: boolean }>;
    expect(inboxBefore.find((i) => i.taskId === pending)!.dueProvisional).toBe(true);

    // The State Council's schedule arrives, and it makes the deadline's day a holiday (unless that is the year's
    // last working day, whose successor lies in the next year): the deadline moves to the next working day.
    const movable = Number(addCalendarDays(lastDay, dayOfWeek(lastDay) === 5 ? 3 : 1).slice(0, 4)) === year;
    const body = {
      holidays: movable ? [{ date: lastDay, name: '测试假日' }] : [],
      workdays: [] as Array<{ date: string; name: string }>,
    };
    const saved = await t.call('PUT', `/api/calendar/years/${year}`, { as: 'jc-admin', body });
    expect(saved.status).toBe(200);

    const after = await viewWhen(key, (v) => v.stepDue && !v.stepDue.provisional, '暂定 to clear');
    const expected = await t.call(
      'GET',
      `/api/calendar/deadline?from=${encodeURIComponent(startedAt(before))}&workingDays=1`,
    );
    expect(expected.body.provisional).toBe(false);
    expect(after.stepDue).toMatchObject({ dueAt: expected.body.dueAt, provisional: false });
    if (movable) expect(after.stepDue.dueAt).not.toBe(before.stepDue.dueAt);
    expect(after.history.at(-1)).toMatchObject({ action: 'retimed', due: expected.body });
    const inboxAfter = (await t.call('GET', '/api/tasks?box=pending', { as: 'zz-approval-reviewer' })).body
      .items as Array<{ taskId: string; dueProvisional: boolean; dueAt: string }>;
    expect(inboxAfter.find((i) => i.taskId === pending)).toMatchObject({
      dueProvisional: false,
      dueAt: expected.body.dueAt,
    });
    const audit = await t
      .em()
      .findOneOrFail(AuditEvent, { action: 'calendar.retime', targetId: String(year) });
    expect((audit.details as { signalled: string[] }).signalled).toContain(key);

    await h.approve('zz-approval-reviewer', key);
    await h.waitForStatus(key, 'approved');
  });
});

describe('suspend and resume through the API (issue 10 Build 1)', () => {
  it('an approver suspends for 检验检测 (inbox 已中止), the initiator may not resume it, the approver does', async () => {
    await h.saveFlow([step('county', { due: { workingDays: 5 } })]);
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');

    const noItems = await h.act('zz-approval-reviewer', taskId, 'suspend', {
      kind: 'supplement',
      reason: '材料不全',
    });
    expect(noItems.status).toBe(400);
    expect(JSON.stringify(noItems.body)).toContain('items');
    expect(
      (await h.act('zz-amr-clerk', taskId, 'suspend', { kind: 'inspection', reason: '需检测' })).status,
    ).toBe(403);

    const suspended = await h.act('zz-approval-reviewer', taskId, 'suspend', {
      kind: 'inspection',
      reason: '需送检验检测机构检测',
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body.suspension).toMatchObject({ kind: 'inspection', kindLabel: '检验检测' });
    const inbox = (await t.call('GET', '/api/tasks?box=pending', { as: 'zz-approval-reviewer' })).body.items;
    expect(inbox.find((i: { taskId: string }) => i.taskId === taskId)).toMatchObject({
      suspended: true,
      statusLabel: '已中止',
    });
    expect((await h.act('zz-approval-reviewer', taskId, 'approve', {})).status).toBe(409);
    const byInitiator = await t.call('POST', `/api/approvals/${key}/resume`, {
      as: 'zz-amr-clerk',
      body: {},
    });
    expect(byInitiator.status).toBe(403);

    const resumed = await h.act('zz-approval-reviewer', taskId, 'resume', { comment: '检测报告已出' });
    expect(resumed.status).toBe(200);
    const view = await viewWhen(
      key,
      (v) => v.history.some((e: { action: string }) => e.action === 'retimed') || !v.suspension,
      'the resumption',
    );
    expect(view.suspension).toBeNull();
    expect(view.history.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['suspended', 'resumed']),
    );
    const audited = await t.em().find(AuditEvent, { targetId: { $in: [taskId, key] } });
    expect(audited.map((a) => `${a.action}:${a.outcome}`)).toEqual(
      expect.arrayContaining(['task.suspend:success', 'task.resume:success', 'approval.resume:denied']),
    );
    await h.approve('zz-approval-reviewer', key);
    await h.waitForStatus(key, 'approved');
  });
});

describe('suspend and resume on the approval page (issue 10 Build 1)', () => {
  const form = (cookie: string, fields: Record<string, string>) => ({
    method: 'POST',
    headers: { cookie, origin: t.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual' as const,
  });

  it('the approver suspends for 补正 with items one per line; the applicant resubmits from the page', async () => {
    await h.saveFlow([step('county', { due: { workingDays: 5 } })]);
    const { key } = await h.start();
    const taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
    const reviewer = (await webLogin(t.url, 'zz-approval-reviewer')).cookie!;
    const page = await (await fetch(`${t.url}/approvals/${key}`, { headers: { cookie: reviewer } })).text();
    expect(page).toContain(`action="/tasks/${encodeURIComponent(taskId)}/suspend"`);
    expect(page).toContain('需补正的材料');

    const suspended = await fetch(
      `${t.url}/tasks/${encodeURIComponent(taskId)}/suspend`,
      form(reviewer, { kind: 'supplement', reason: '材料不全', items: '营业执照副本\n法定代表人身份证明\n' }),
    );
    expect(suspended.status).toBe(303);
    const view = await h.view(key);
    expect(view.suspension).toMatchObject({
      kind: 'supplement',
      items: ['营业执照副本', '法定代表人身份证明'],
    });

    const clerk = (await webLogin(t.url, 'zz-amr-clerk')).cookie!;
    const own = await (await fetch(`${t.url}/approvals/${key}`, { headers: { cookie: clerk } })).text();
    expect(own).toContain(`action="/approvals/${encodeURIComponent(key)}/resume"`);
    const resumed = await fetch(
      `${t.url}/approvals/${encodeURIComponent(key)}/resume`,
      form(clerk, { comment: '已补正' }),
    );
    expect(resumed.status).toBe(303);
    const after = await viewWhen(
      key,
      (v) => !v.suspension && v.history.some((e: { action: string }) => e.action === 'resumed'),
      'the resumption',
    );
    expect(after.history.find((e: { action: string }) => e.action === 'resumed').comment).toBe('已补正');
    await h.approve('zz-approval-reviewer', key);
    await h.waitForStatus(key, 'approved');
  });
});
