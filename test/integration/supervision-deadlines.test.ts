/**
 * Issue 14 deadlines on Temporal's time-skipping test server, with the platform's real activities against real
 * PostgreSQL and SMTP. LM-9: a case announced when it closed is flagged at 24:00 of the next working day when no
 * licence arrived (a finding of violation kind 2 with its evidence); a licence arriving late marks it late, one in
 * time leaves no finding. LM-30: a rectification order accepted in time closes; one returned and never resubmitted
 * escalates at its deadline (逾期未整改, the unit's leader and the higher management unit told, the persons
 * responsible recorded); an extension moves the deadline once, a second is refused.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { AnnouncedCase, RectificationOrder, SupervisionFinding } from '../../db/supervision-entities';
import { announcedCaseStateQuery, licenceArrivedSignal } from '../../workflows/announced-case-messages';
import {
  acceptReportUpdate,
  extendOrderUpdate,
  RectificationActor,
  rectificationStateQuery,
  returnReportUpdate,
  submitReportUpdate,
} from '../../workflows/rectification-messages';
import { rectificationDeadline, rectificationReminderAt } from '../../domain/rectification';
import { announceCase, orderRectification } from '../support/supervision';
import type { TestPlatform } from '../support/platform';
import { startTimeSkippingPlatform, TimeSkippingPlatform } from '../support/time-skipping-platform';

let t: TestPlatform;
let env: TestWorkflowEnvironment;
let taskQueue: string;
let rig: TimeSkippingPlatform;

beforeAll(async () => {
  rig = await startTimeSkippingPlatform('supervision');
  ({ t, env, taskQueue } = rig);
});
afterAll(async () => {
  await rig?.stop();
});

const supervisor: RectificationActor = {
  userId: 'user-zz-approval-supervisor',
  username: 'zz-approval-supervisor',
  displayName: '刘芳',
};
const leader: RectificationActor = {
  userId: 'user-zz-amr-leader',
  username: 'zz-amr-leader',
  displayName: '郭志强',
};

const serverNow = async () => new Date(await env.currentTimeMs());
async function sleepUntil(iso: string, extraMs = 0) {
  await env.sleep(Math.max(1, Date.parse(iso) - (await env.currentTimeMs()) + extraMs));
}
async function until<T>(what: string, f: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
const caseRow = (id: string) => t.em().fork().findOneOrFail(AnnouncedCase, { id });
const caseFinding = (id: string) =>
  t
    .em()
    .fork()
    .findOne(SupervisionFinding, { sourceKey: `announced-case:${id}` });
const orderRow = (id: string) => t.em().fork().findOneOrFail(RectificationOrder, { id });

describe('LM-9 announced cases on the time-skipping server', () => {
  it('a case without a licence is flagged at 24:00 of the next working day, with a finding and its evidence', async () => {
    const { id, caseId, handle, due } = await announceCase(
      t.em().fork(),
      env.client,
      taskQueue,
      await serverNow(),
    );
    const expected = await t.call(
      'GET',
      `/api/calendar/deadline?from=${encodeURIComponent((await caseRow(id)).closedAt.toISOString())}&workingDays=1`,
    );
    expect(due).toEqual(expected.body);
    await sleepUntil(due.dueAt, -60_000);
    expect((await handle.query(announcedCaseStateQuery)).status).toBe('open');
    expect(await caseFinding(id)).toBeNull();
    await sleepUntil(due.dueAt, 60_000);
    const flagged = await until('the flag', async () => {
      const r = await caseRow(id);
      return r.status === 'flagged' && r;
    });
    expect(flagged.flaggedAt!.getTime()).toBeGreaterThanOrEqual(Date.parse(due.dueAt));
    expect(await caseFinding(id)).toMatchObject({
      organisationId: 'zz-amr',
      kind: 'collection',
      rule: 'announced_case_without_licence',
      state: 'new',
      evidence: { caseId, deadlineAt: due.dueAt, licenceArrivedAt: null },
    });
    // Issued late: the case is marked late and the finding's evidence names the arrival.
    const arrivedAt = (await serverNow()).toISOString();
    await handle.signal(licenceArrivedSignal, { receivedAt: arrivedAt });
    expect(await handle.result()).toEqual({ status: 'issued_late', arrivedAt });
    expect(await caseRow(id)).toMatchObject({ status: 'issued_late', arrivedAt: new Date(arrivedAt) });
    expect((await caseFinding(id))!.evidence).toMatchObject({ licenceArrivedAt: arrivedAt });
  });

  it('a licence arriving in time closes the case and leaves no finding', async () => {
    const { id, handle, due } = await announceCase(t.em().fork(), env.client, taskQueue, await serverNow());
    await sleepUntil(due.dueAt, -3600_000);
    const arrivedAt = (await serverNow()).toISOString();
    await handle.signal(licenceArrivedSignal, { receivedAt: arrivedAt });
    expect(await handle.result()).toEqual({ status: 'issued', arrivedAt });
    expect(await caseRow(id)).toMatchObject({ status: 'issued', flaggedAt: null });
    expect(await caseFinding(id)).toBeNull();
  });
});

describe('LM-30 rectification orders on the time-skipping server', () => {
  it('a report accepted before the deadline closes the order and the finding is rectified', async () => {
    const o = await orderRectification(t.em().fork(), env.client, taskQueue, await serverNow(), 5);
    await env.sleep(2 * 86_400_000);
    await o.handle.executeUpdate(submitReportUpdate, {
      args: [{ actor: leader, report: '已补录全部证照', attachments: [] }],
    });
    await o.handle.executeUpdate(acceptReportUpdate, { args: [{ actor: supervisor, comment: '验收通过' }] });
    expect(await o.handle.result()).toMatchObject({ status: 'accepted', extended: false });
    expect(await orderRow(o.id)).toMatchObject({ status: 'accepted', escalatedAt: null });
    const finding = await t.em().fork().findOneOrFail(SupervisionFinding, { id: o.findingId });
    expect(finding.state).toBe('rectified');
  });

  it('returned and not resubmitted: reminded, then escalated at the deadline with the notices and the persons', async () => {
    const o = await orderRectification(t.em().fork(), env.client, taskQueue, await serverNow(), 3);
    expect(o.remindAt).not.toBeNull();
    await o.handle.executeUpdate(submitReportUpdate, {
      args: [{ actor: leader, report: '已整改', attachments: [] }],
    });
    await o.handle.executeUpdate(returnReportUpdate, {
      args: [{ actor: supervisor, comment: '整改不到位' }],
    });
    // The reminder on the morning of the last working day, to the unit's leader (no designated person named).
    await sleepUntil(o.remindAt!, 60_000);
    const reminder = await t.mailbox.waitFor(
      (m) => m.to.includes('zz-amr-leader@jincheng.example') && m.subject.includes('整改期限即将届满'),
    );
    expect(reminder.text).toContain('限期补录逾期未归集的电子证照');
    await sleepUntil(o.due.dueAt, -60_000);
    expect((await o.handle.query(rectificationStateQuery)).status).toBe('returned');
    await sleepUntil(o.due.dueAt, 60_000);
    expect(await o.handle.result()).toMatchObject({ status: 'overdue' });
    const row = await orderRow(o.id);
    expect(row.status).toBe('overdue');
    expect(row.escalatedAt!.getTime()).toBeGreaterThanOrEqual(Date.parse(o.due.dueAt));
    expect(row.responsiblePersons).toContainEqual({
      userId: expect.any(String),
      displayName: '郭志强',
      position: '单位负责人',
    });
    // The unit's leader and the higher management unit (晋城市) are told.
    for (const to of ['zz-amr-leader@jincheng.example', 'jc-admin@jincheng.example']) {
      const mail = await t.mailbox.waitFor((m) => m.to.includes(to) && m.subject.includes('逾期未整改'));
      expect(mail.text).toContain('郭志强（单位负责人）');
    }
  });

  it('an extension moves the deadline once; a second is refused', async () => {
    const o = await orderRectification(t.em().fork(), env.client, taskQueue, await serverNow(), 2);
    const now = await serverNow();
    const later = rectificationDeadline(o.calendar, now, { workingDays: 10 });
    await o.handle.executeUpdate(extendOrderUpdate, {
      args: [
        {
          actor: supervisor,
          reason: '涉及系统改造，需要更多时间',
          dueAt: later.dueAt,
          remindAt: rectificationReminderAt(o.calendar, later.dueAt, now),
        },
      ],
    });
    const second = o.handle.executeUpdate(extendOrderUpdate, {
      args: [{ actor: supervisor, reason: '再次延期', dueAt: later.dueAt, remindAt: null }],
    });
    await expect(second).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(second).rejects.toMatchObject({ cause: { message: '整改期限只能延长一次' } });
    // The old deadline passes without escalation; the new one escalates.
    await sleepUntil(o.due.dueAt, 60_000);
    expect((await o.handle.query(rectificationStateQuery)).status).toBe('open');
    expect(await orderRow(o.id)).toMatchObject({
      deadlineAt: new Date(later.dueAt),
      extensionReason: '涉及系统改造，需要更多时间',
    });
    await sleepUntil(later.dueAt, 60_000);
    expect(await o.handle.result()).toMatchObject({ status: 'overdue', extended: true, dueAt: later.dueAt });
  });
});
