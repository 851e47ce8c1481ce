/**
 * The dispute workflow's deadlines (issue 13, LM-23) on Temporal's time-skipping test server, with the platform's
 * real activities against real PostgreSQL and SMTP: the marker within 1 working day and the outcome within 5,
 * both from receipt (DESIGN §3). A unit in time causes no breach; a unit that never marks has the platform mark at
 * 24:00 of the first working day, the breach recorded and escalated to the management unit; a missing outcome is
 * a breach at 24:00 of the fifth working day, escalated and shown in supervision; a holiday entered after the day
 * of receipt moves both deadlines (as /api/calendar/deadline computes them). The marker and the outcome are tasks
 * in the 待办 inbox of the unit's dispute staff, with the approval engine's reminder on the morning of the last
 * working day before each deadline.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadWorkingCalendar } from '../../db/calendar';
import { Dispute, DisputeBreach } from '../../db/dispute-entities';
import { addCalendarDays, shanghaiDateOf } from '../../domain/calendar';
import { answerUpdate, DisputeActor, disputeStateQuery, markUpdate } from '../../workflows/dispute-messages';
import { storeAndStartDispute } from '../support/disputes';
import type { TestPlatform } from '../support/platform';
import { startTimeSkippingPlatform, TimeSkippingPlatform } from '../support/time-skipping-platform';

let t: TestPlatform;
let env: TestWorkflowEnvironment;
let taskQueue: string;
let rig: TimeSkippingPlatform;

beforeAll(async () => {
  rig = await startTimeSkippingPlatform('dispute');
  ({ t, env, taskQueue } = rig);
});
afterAll(async () => {
  await rig?.stop();
});

const handler: DisputeActor = {
  userId: 'user-zz-amr-disputes',
  username: 'zz-amr-disputes',
  displayName: '宋佳',
};

/** A dispute received now (the test server's clock), stored as the API stores it, and its workflow started. */
async function raiseNow() {
  const receivedAt = new Date(await env.currentTimeMs());
  return storeAndStartDispute(t.em().fork(), env.client, taskQueue, receivedAt);
}

/** Moves the test server's clock to `iso` plus `extraMs`. */
async function sleepUntil(iso: string, extraMs = 0) {
  await env.sleep(Math.max(1, Date.parse(iso) - (await env.currentTimeMs()) + extraMs));
}

const row = (id: string) => t.em().fork().findOneOrFail(Dispute, { id });
const breaches = (id: string) =>
  t
    .em()
    .fork()
    .find(DisputeBreach, { disputeId: id }, { orderBy: { kind: 'asc' } });

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('LM-23 dispute deadlines on the time-skipping server', () => {
  it('a holiday entered after the day of receipt moves both deadlines after it, as /api/calendar/deadline says', async () => {
    const now = new Date(await env.currentTimeMs());
    const receiptDay = shanghaiDateOf(now);
    const holiday = [1, 2, 3].map((n) => addCalendarDays(receiptDay, n));
    for (const year of [...new Set(holiday.map((d) => d.slice(0, 4)))]) {
      const stored = (await t.call('GET', `/api/calendar/years/${year}`, { as: 'jc-admin' })).body;
      const mine = holiday.filter((d) => d.startsWith(year));
      const body = {
        holidays: [
          ...stored.holidays.filter((h: { date: string }) => !mine.includes(h.date)),
          ...mine.map((date) => ({ date, name: '测试长假' })),
        ],
        workdays: stored.workdays.filter((w: { date: string }) => !mine.includes(w.date)),
      };
      const saved = await t.call('PUT', `/api/calendar/years/${year}`, { as: 'jc-admin', body });
      expect(saved.status).toBe(200);
    }
    const { id, due, receivedAt } = await raiseNow();
    for (const [deadline, workingDays] of [
      [due.marker, 1],
      [due.outcome, 5],
    ] as const) {
      const expected = await t.call(
        'GET',
        `/api/calendar/deadline?from=${encodeURIComponent(receivedAt.toISOString())}&workingDays=${workingDays}`,
      );
      expect(deadline).toEqual(expected.body);
      // The deadline's last day (24:00 is the next day's 00:00) lies after the holiday.
      expect(shanghaiDateOf(new Date(Date.parse(deadline.dueAt) - 1)) > holiday.at(-1)!).toBe(true);
    }
    // The platform's marker waits for the moved deadline: not placed during the holiday.
    await sleepUntil(`${holiday.at(-1)}T23:00:00+08:00`);
    expect((await row(id)).status).toBe('received');
    await sleepUntil(due.marker.dueAt, 60_000);
    const marked = await until('the platform marker', async () => {
      const r = await row(id);
      return r.status === 'marked' && r;
    });
    expect(marked.markedBy).toBe('platform');
  });

  it('marked on working day 1 and answered on working day 4: no breach', async () => {
    const { id, handle, receivedAt } = await raiseNow();
    const calendar = await loadWorkingCalendar(t.em().fork());
    await env.sleep(3600_000);
    await handle.executeUpdate(markUpdate, { args: [{ actor: handler }] });
    const day4 = calendar.addWorkingDays(receivedAt, 4).dueAt.getTime() - 6 * 3600_000; // 18:00 of working day 4
    await env.sleep(day4 - (await env.currentTimeMs()));
    await handle.executeUpdate(answerUpdate, {
      args: [{ actor: handler, answer: { outcome: 'confirmed', reasons: '经核实，住所登记无误' } }],
    });
    const state = await handle.result();
    expect(state).toMatchObject({ status: 'resolved', markedBy: 'unit', outcome: 'confirmed', breaches: [] });
    expect(await breaches(id)).toEqual([]);
    expect(await row(id)).toMatchObject({ status: 'resolved', markedBy: 'unit', outcome: 'confirmed' });
  });

  it('nobody marks: the platform marks at 24:00 of working day 1, records the breach and escalates', async () => {
    const { id, handle, due } = await raiseNow();
    await sleepUntil(due.marker.dueAt, -60_000);
    expect((await handle.query(disputeStateQuery)).status).toBe('received');
    await sleepUntil(due.marker.dueAt, 60_000);
    const marked = await until('the platform marker', async () => {
      const r = await row(id);
      return r.status === 'marked' && r;
    });
    expect(marked.markedBy).toBe('platform');
    expect(marked.markedAt!.getTime()).toBeGreaterThanOrEqual(Date.parse(due.marker.dueAt));
    const [breach] = await until('the marker breach', async () => {
      const b = await breaches(id);
      return b.length > 0 && b;
    });
    expect(breach).toMatchObject({ kind: 'marker_late', dueAt: new Date(due.marker.dueAt) });
    // Escalated to the management unit over 泽州县 (its supervisor) and to the unit's dispute staff.
    for (const to of ['zz-approval-supervisor@jincheng.example', 'zz-amr-disputes@jincheng.example']) {
      const mail = await t.mailbox.waitFor(
        (m) =>
          m.to.includes(to) &&
          m.text.includes(marked.licenceIdentifier) &&
          m.subject.includes('未在 1 个工作日内标注异议'),
      );
      expect(mail.text).toContain('平台已自动标注');
    }
    await handle.terminate('test over');
  });

  it('no outcome: a breach at 24:00 of working day 5, escalated and visible in supervision', async () => {
    const { id, handle, due } = await raiseNow();
    await handle.executeUpdate(markUpdate, { args: [{ actor: handler }] });
    await sleepUntil(due.outcome.dueAt, -60_000);
    expect(await breaches(id)).toEqual([]);
    await sleepUntil(due.outcome.dueAt, 60_000);
    const [breach] = await until('the outcome breach', async () => {
      const b = await breaches(id);
      return b.length > 0 && b;
    });
    expect(breach).toMatchObject({ kind: 'outcome_late', dueAt: new Date(due.outcome.dueAt) });
    const r = await row(id);
    await t.mailbox.waitFor(
      (m) =>
        m.to.includes('zz-approval-supervisor@jincheng.example') &&
        m.subject.includes('未在 5 个工作日内答复') &&
        m.text.includes(r.licenceIdentifier),
    );
    const supervision = await t.call('GET', '/api/supervision/disputes', { as: 'zz-approval-supervisor' });
    expect(supervision.status).toBe(200);
    expect(supervision.body.items.find((i: { id: string }) => i.id === id)).toMatchObject({
      status: 'marked',
      breached: ['outcome_late'],
      unitName: '泽州县市场监督管理局',
    });
    // The 督办 page lists it beside the approval tasks, its breach named (the API's clock is the real one).
    const page = (
      await t.call('GET', `/supervision?unit=zz-amr&kind=dispute`, { as: 'zz-approval-supervisor' })
    ).body as string;
    const line = page.slice(page.indexOf(`href="/disputes/${id}"`));
    expect(line.length).toBeLessThan(page.length);
    expect(line.slice(0, line.indexOf('</tr>'))).toContain('未在 5 个工作日内答复处理结果');
    // Another county's management unit does not see it; a unit's clerk may not look.
    const other = await t.call('GET', '/api/supervision/disputes', { as: 'gp-approval-reviewer' });
    expect(other.status).toBe(403);
    // Answered late, the dispute still closes.
    await handle.executeUpdate(answerUpdate, {
      args: [{ actor: handler, answer: { outcome: 'confirmed', reasons: '核实无误' } }],
    });
    expect(await handle.result()).toMatchObject({ status: 'resolved', breaches: ['outcome_late'] });
  });

  it('the marker and then the outcome are tasks in the dispute staff’s 待办 inbox, each reminded before its deadline', async () => {
    const { id, handle, due } = await raiseNow();
    const r = await row(id);
    const inboxTask = async (as: string) => {
      const res = await t.call('GET', '/api/tasks', { as });
      expect(res.status).toBe(200);
      return res.body.items.find((i: { processId: string }) => i.processId === id);
    };
    expect(await inboxTask('zz-amr-disputes')).toMatchObject({
      kind: 'dispute',
      stepName: '标注异议',
      dueAt: due.marker.dueAt,
      overdue: false,
    });
    // A group task of the unit's dispute staff: not another unit's, not the unit's issuing clerk.
    expect(await inboxTask('zz-amr-issuer')).toBeUndefined();
    expect(await inboxTask('gp-amr-disputes')).toBeUndefined();
    const page = await t.call('GET', '/tasks', { as: 'zz-amr-disputes' });
    expect(page.body).toContain(`href="/disputes/${id}"`);
    expect(page.body).toContain('标注异议');
    const filtered = await t.call('GET', '/api/tasks?kind=seal_application', { as: 'zz-amr-disputes' });
    expect(filtered.body.items.some((i: { processId: string }) => i.processId === id)).toBe(false);

    // The engine's reminder: 09:00 Shanghai of the deadline's last day (24:00 less 15 hours), not before.
    const reminded = (step: string) => (m: { to: string[]; subject: string; text: string }) =>
      m.to.includes('zz-amr-disputes@jincheng.example') &&
      m.subject.includes('待办任务办理时限提醒') &&
      m.text.includes(r.licenceIdentifier) &&
      m.text.includes(step);
    const markerReminder = Date.parse(due.marker.dueAt) - 15 * 3600_000;
    await sleepUntil(new Date(markerReminder).toISOString(), -60_000);
    expect(t.mailbox.messages.some(reminded('标注异议'))).toBe(false);
    await sleepUntil(new Date(markerReminder).toISOString(), 60_000);
    const mail = await t.mailbox.waitFor(reminded('标注异议'));
    expect(mail.text).toContain('剩余时间');
    const notices = await t.call('GET', '/api/notices', { as: 'zz-amr-disputes' });
    expect(notices.body.items.some((n: { url: string }) => n.url === `/disputes/${id}`)).toBe(true);

    // Marked: the marker's task is gone and the outcome's is there, reminded in its turn.
    await handle.executeUpdate(markUpdate, { args: [{ actor: handler }] });
    expect(await inboxTask('zz-amr-disputes')).toMatchObject({
      stepName: '告知处理结果',
      dueAt: due.outcome.dueAt,
    });
    const outcomeReminder = Date.parse(due.outcome.dueAt) - 15 * 3600_000;
    await sleepUntil(new Date(outcomeReminder).toISOString(), 60_000);
    await t.mailbox.waitFor(reminded('告知处理结果'));
    expect(t.mailbox.messages.filter(reminded('标注异议'))).toHaveLength(1);

    // The supervisor sees it beside the approval tasks; answered, it leaves every inbox.
    const supervision = await t.call('GET', '/api/supervision/pending-tasks', {
      as: 'zz-approval-supervisor',
    });
    expect(supervision.body.items.find((i: { processId: string }) => i.processId === id)).toMatchObject({
      kind: 'dispute',
      organisationId: 'zz-amr',
    });
    await handle.executeUpdate(answerUpdate, {
      args: [{ actor: handler, answer: { outcome: 'confirmed', reasons: '经核实无误' } }],
    });
    await handle.result();
    expect(await inboxTask('zz-amr-disputes')).toBeUndefined();
  });
});
