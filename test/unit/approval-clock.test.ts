/**
 * The approval clock (issue 10 Build 1): used working time, the deadline after a suspension (补正 etc., 行政许可法
 * art. 32, 45), re-timing when a year's calendar arrives, reminder times, and the clock's transitions and actions on
 * the approval state. Pure: the real calendar seed (chinese-days) and hand-made years, no Temporal.
 */
import { chineseDaysCalendar } from '../../db/calendar-seed';
import {
  actionProblem,
  ActionRequest,
  Actor,
  applyAction,
  ApprovalInput,
  ApprovalState,
  Assignee,
  openStep,
  processActionsOffered,
  startApproval,
  taskActionsOffered,
  UserRef,
} from '../../domain/approval';
import {
  clockDeadline,
  newClock,
  officeMsBetween,
  StepClock,
  timeClock,
  usedTime,
} from '../../domain/approval-clock';
import {
  applyTiming,
  markClockStale,
  nextClockWake,
  openedStep,
  remind,
  startClock,
} from '../../domain/approval-clock-steps';
import { projectionFingerprint } from '../../domain/approval-fingerprint';
import { beforeReminderAt, reminderPlan } from '../../domain/approval-reminders';
import { CalendarYearData, deadlineFor, endOfShanghaiDay, WorkingCalendar } from '../../domain/calendar';
import { FlowDefinitionBody, FlowStep } from '../../domain/flow-definition-schema';

const seed = chineseDaysCalendar();
const calendar = new WorkingCalendar(seed);
/** A Shanghai wall-clock time as ISO 8601 UTC. */
const sh = (local: string) => new Date(`${local}+08:00`).toISOString();

/** 2027 as a hand-made year (the seed has none): 元旦 on Friday 01-01, and Saturday 01-09 a make-up working day. */
const Y2027: CalendarYearData = {
  year: 2027,
  holidays: [{ date: '2027-01-01', name: '元旦' }],
  workdays: [{ date: '2027-01-09', name: '元旦' }],
};
const withY2027 = new WorkingCalendar([...seed, Y2027]);

const clock = (span: StepClock['span'], segments: StepClock['segments'], runningSince: string | null) => ({
  ...newClock(span, segments[0]?.from ?? runningSince!),
  segments,
  runningSince,
});

describe('used working time and the resumed deadline (issue 10, 行政许可法 art. 32, 45)', () => {
  it('5 working days, suspended for 补正 on day 2, resumed 10 calendar days later: due 3 working days after', () => {
    const start = sh('2026-11-02T10:00:00'); // Monday
    const suspended = sh('2026-11-04T11:00:00'); // Wednesday: Tuesday and Wednesday used
    const resumed = sh('2026-11-14T09:30:00'); // 10 calendar days later, a Saturday
    const c = clock({ workingDays: 5 }, [{ from: start, to: suspended }], resumed);
    expect(usedTime(calendar, c.span, c.segments)).toEqual({ used: 2, provisional: false });
    const due = clockDeadline(calendar, c)!;
    expect(due).toEqual(deadlineFor(calendar, resumed, { workingDays: 3 }));
    expect(due.dueAt).toBe(endOfShanghaiDay('2026-11-18').toISOString()); // Mon 16, Tue 17, Wed 18
    expect(due.provisional).toBe(false);
  });

  it('without a suspension the clock gives the plain deadline', () => {
    const start = sh('2026-11-02T10:00:00');
    expect(clockDeadline(calendar, newClock({ workingDays: 5 }, start))).toEqual(
      deadlineFor(calendar, start, { workingDays: 5 }),
    );
  });

  it('across 国庆节 2026: holidays neither count as used nor as left; Saturday 10-10 is a make-up working day', () => {
    const start = sh('2026-09-28T10:00:00'); // Monday
    const suspended = sh('2026-10-03T10:00:00'); // in the holiday: Tue 29, Wed 30 used
    const resumed = sh('2026-10-05T16:00:00'); // still in the holiday
    const c = clock({ workingDays: 5 }, [{ from: start, to: suspended }], resumed);
    expect(usedTime(calendar, c.span, c.segments).used).toBe(2);
    // 3 left from 10-05: Thu 10-08, Fri 10-09, Sat 10-10 (调休上班).
    expect(clockDeadline(calendar, c)!.dueAt).toBe(endOfShanghaiDay('2026-10-10').toISOString());
  });

  it('two suspensions add their used time; a suspended clock has no deadline', () => {
    const segments = [
      { from: sh('2026-11-02T10:00:00'), to: sh('2026-11-03T10:00:00') }, // 1
      { from: sh('2026-11-09T10:00:00'), to: sh('2026-11-11T10:00:00') }, // 2
    ];
    expect(usedTime(calendar, { workingDays: 5 }, segments).used).toBe(3);
    expect(clockDeadline(calendar, clock({ workingDays: 5 }, segments, null))).toBeNull();
    const resumed = clock({ workingDays: 5 }, segments, sh('2026-11-20T10:00:00')); // Friday
    expect(clockDeadline(calendar, resumed)!.dueAt).toBe(endOfShanghaiDay('2026-11-24').toISOString());
  });

  it('time used beyond the period leaves none: due at the end of the resumption day', () => {
    const c = clock(
      { workingDays: 2 },
      [{ from: sh('2026-11-02T10:00:00'), to: sh('2026-11-06T10:00:00') }],
      sh('2026-11-10T10:00:00'),
    );
    expect(clockDeadline(calendar, c)!.dueAt).toBe(endOfShanghaiDay('2026-11-10').toISOString());
  });

  it('working hours: office hours only, whole hours rounded down', () => {
    const from = sh('2026-11-02T10:00:00'); // Monday
    expect(officeMsBetween(calendar, new Date(from), new Date(sh('2026-11-02T15:30:00'))).ms).toBe(
      4.5 * 3600_000,
    );
    const c = clock(
      { workingHours: 8 },
      [{ from, to: sh('2026-11-02T15:30:00') }],
      sh('2026-11-03T09:00:00'),
    );
    expect(usedTime(calendar, c.span, c.segments).used).toBe(4);
    // 4 left from Tuesday 09:00: 09–12 (3), 13–14 (1).
    expect(clockDeadline(calendar, c)!.dueAt).toBe(sh('2026-11-03T14:00:00'));
    // A weekend and a night between do not count.
    expect(
      officeMsBetween(calendar, new Date(sh('2026-11-06T16:00:00')), new Date(sh('2026-11-09T10:00:00'))).ms,
    ).toBe(2 * 3600_000);
  });

  it('the provisional year: 暂定 while 2027 has no data, re-timed and cleared once it has', () => {
    const start = sh('2026-12-28T10:00:00'); // Monday; 5 working days reach into 2027
    const c = newClock({ workingDays: 5 }, start);
    const before = clockDeadline(calendar, c)!;
    expect(before).toEqual({ dueAt: endOfShanghaiDay('2027-01-04').toISOString(), provisional: true });
    const after = clockDeadline(withY2027, c)!;
    // 元旦 (Fri 01-01) is a holiday now: Tue 29, Wed 30, Thu 31, Mon 04, Tue 05.
    expect(after).toEqual({ dueAt: endOfShanghaiDay('2027-01-05').toISOString(), provisional: false });
  });

  it('used time measured in a year without data is provisional too', () => {
    const segments = [{ from: sh('2027-01-04T10:00:00'), to: sh('2027-01-06T10:00:00') }];
    expect(usedTime(calendar, { workingDays: 5 }, segments)).toEqual({ used: 2, provisional: true });
    expect(usedTime(withY2027, { workingDays: 5 }, segments)).toEqual({ used: 2, provisional: false });
  });
});

describe('reminder times (issue 10)', () => {
  const due = endOfShanghaiDay('2026-11-06').toISOString(); // Friday 24:00

  it('one working day before: 09:00 on the last working day; two: the working day before that', () => {
    expect(beforeReminderAt(calendar, due, 1)).toBe(sh('2026-11-06T09:00:00'));
    expect(beforeReminderAt(calendar, due, 2)).toBe(sh('2026-11-05T09:00:00'));
  });

  it('across 国庆节: the working day before a deadline of 10-08 is 09-30', () => {
    const d = endOfShanghaiDay('2026-10-08').toISOString();
    expect(beforeReminderAt(calendar, d, 1)).toBe(sh('2026-10-08T09:00:00'));
    expect(beforeReminderAt(calendar, d, 2)).toBe(sh('2026-09-30T09:00:00'));
  });

  it('after the deadline every N working hours, at most M times; only what is after now and not yet sent', () => {
    const r = { beforeWorkingDays: 1, afterEveryWorkingHours: 4, afterMax: 3 };
    const plan = reminderPlan(calendar, due, r, sh('2026-11-02T10:00:00'));
    expect(plan).toEqual([
      { at: sh('2026-11-06T09:00:00'), kind: 'before', n: 1 },
      { at: sh('2026-11-09T14:00:00'), kind: 'after', n: 1 }, // Mon 09–12, 13–14
      { at: sh('2026-11-10T10:00:00'), kind: 'after', n: 2 },
      { at: sh('2026-11-10T15:00:00'), kind: 'after', n: 3 },
    ]);
    expect(reminderPlan(calendar, due, r, sh('2026-11-09T15:00:00')).map((p) => p.n)).toEqual([2, 3]);
    expect(reminderPlan(calendar, due, r, sh('2026-11-02T10:00:00'), { before: true, after: 2 })).toEqual([
      { at: sh('2026-11-10T15:00:00'), kind: 'after', n: 3 },
    ]);
    expect(reminderPlan(calendar, due, undefined, sh('2026-11-02T10:00:00'))).toEqual([]);
  });

  it('a step started on its last day after 09:00 gets no before-reminder', () => {
    const plan = reminderPlan(calendar, due, { beforeWorkingDays: 1 }, sh('2026-11-06T10:00:00'));
    expect(plan).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The clock on the approval state

const AT = sh('2026-11-02T10:00:00');
const user = (id: string, organisationId: string, roles: string[] = ['seal_reviewer']): UserRef => ({
  userId: id,
  displayName: id.toUpperCase(),
  organisationId,
  organisationName: `${organisationId} 名称`,
  email: `${id}@example.test`,
  roles,
});
const actorOf = (u: UserRef): Actor => ({ ...u, roles: u.roles ?? [] });
const reviewer = user('rev', 'dept');
const initiator = user('init', 'applicant-org', []);
const step = FlowStep.parse({
  key: 'a',
  name: '审核',
  approvers: [{ type: 'role', role: 'seal_reviewer' }],
  mode: 'single',
  due: { workingDays: 5 },
  reminders: { beforeWorkingDays: 1, afterEveryWorkingHours: 4, afterMax: 2 },
});
const input: ApprovalInput = {
  processKey: 'p1',
  kind: 'seal_application',
  processId: 'a1',
  title: '测试',
  detailPath: '/x',
  initiator,
  jurisdictionId: '140525',
  flow: { definitionId: 'd1', version: 1, name: 'flow', kind: 'seal_application', steps: [step] },
  choices: {},
  cc: [],
  comment: null,
  attachments: [],
  approverAuthority: null,
  parentNotifiesOutcome: false,
};
const assignee: Assignee = { kind: 'user', ...reviewer };
const req = (taskId: string | null, by: UserRef, body: object): ActionRequest => ({
  taskId,
  actor: actorOf(by),
  body,
  people: {},
  attachments: [],
});

/** A started process whose step is open with its clock timed by the real calendar. */
function running(): ApprovalState {
  const due = deadlineFor(calendar, AT, { workingDays: 5 });
  const s = startClock(
    openStep(startApproval(input, AT), { assignees: [assignee], skippable: false }, due, AT),
    AT,
  );
  return applyTiming(s, timeClock(calendar, s.clock!, step.reminders, AT), AT);
}
const taskId = (s: ApprovalState) => s.tasks[0]!.id;
/** What the workflow does after a resumption or a calendar signal. */
const retime = (s: ApprovalState, cal: WorkingCalendar, at: string) =>
  applyTiming(s, timeClock(cal, s.clock!, step.reminders, at), at);

/**
 * Issue 19: a step opened in one local activity, which opens the step from its reads as the workflow then does
 * (openedStep) and projects it; the workflow counts the rows as its own state's only when the fingerprints agree.
 * The activity gets the state through JSON: a round trip must leave the fingerprint as it was, and any change the
 * rows would show must change it.
 */
describe('a step opened and projected in one local activity (issue 19)', () => {
  const stepReads = (assignees: Assignee[] = [assignee]) => {
    const due = deadlineFor(calendar, AT, { workingDays: 5 });
    return {
      resolved: { assignees, skippable: false },
      due,
      timing: timeClock(calendar, newClock({ workingDays: 5 }, AT), step.reminders, AT),
    };
  };
  const starting = () => startApproval(input, AT);

  it('opens the step, starts its clock and applies its timing exactly as the workflow did step by step', () => {
    expect(openedStep(starting(), stepReads(), AT)).toEqual(running());
  });

  it('the fingerprint survives the JSON round trip the activity gets the state through, and ignores the outbox', () => {
    const opened = openedStep(starting(), stepReads(), AT);
    const received = JSON.parse(JSON.stringify(starting())) as ApprovalState;
    expect(projectionFingerprint(openedStep(received, stepReads(), AT))).toBe(projectionFingerprint(opened));
    expect(opened.outbox.length).toBeGreaterThan(0);
    expect(projectionFingerprint({ ...opened, outbox: [] })).toBe(projectionFingerprint(opened));
  });

  it('the fingerprint changes with anything the rows show', () => {
    const opened = projectionFingerprint(openedStep(starting(), stepReads(), AT));
    const other: Assignee = {
      kind: 'group',
      organisationId: 'dept',
      organisationName: 'dept',
      role: 'supervisor',
    };
    expect(projectionFingerprint(openedStep(starting(), stepReads([other]), AT))).not.toBe(opened);
    expect(projectionFingerprint(openedStep(starting(), stepReads(), sh('2026-11-02T10:00:01')))).not.toBe(
      opened,
    );
  });
});

describe('suspend and resume on the approval state (issue 10)', () => {
  it('补正 on day 2 of 5, resumed by the initiator 10 days later: 3 working days from the resumption', () => {
    let s = running();
    expect(nextClockWake(s)).toEqual({ at: sh('2026-11-09T09:00:00'), what: 'reminder' });
    const at2 = sh('2026-11-04T11:00:00');
    s = applyAction(
      s,
      'suspend',
      req(taskId(s), reviewer, {
        kind: 'supplement',
        reason: '材料不全',
        items: ['营业执照副本', '法人身份证'],
      }),
      at2,
    );
    expect(s.suspension).toMatchObject({ kind: 'supplement', items: ['营业执照副本', '法人身份证'] });
    expect(s.history.at(-1)).toMatchObject({
      action: 'suspended',
      targets: ['补正', '营业执照副本', '法人身份证'],
    });
    expect(s.outbox.at(-1)).toMatchObject({ type: 'suspended', users: [initiator] });
    expect(nextClockWake(s)).toBeNull(); // no deadline, no reminder while suspended
    // While suspended the approver cannot approve; the initiator is offered resume, the approver is not.
    expect(actionProblem(s, 'approve', req(taskId(s), reviewer, {}), at2)).toMatchObject({
      kind: 'conflict',
    });
    expect(taskActionsOffered(s, s.tasks[0]!, actorOf(reviewer))).toEqual(['reject', 'cc']);
    expect(processActionsOffered(s, actorOf(initiator))).toEqual(['withdraw', 'cc', 'resume']);
    expect(actionProblem(s, 'resume', req(taskId(s), reviewer, {}), at2)).toMatchObject({
      kind: 'forbidden',
    });

    const resumedAt = sh('2026-11-14T09:30:00');
    s = applyAction(s, 'resume', req(null, initiator, { comment: '已补正' }), resumedAt);
    expect(s.suspension).toBeNull();
    expect(s.clock!.stale).toBe('resumed');
    s = retime(s, calendar, resumedAt);
    const expected = deadlineFor(calendar, resumedAt, { workingDays: 3 });
    expect(s.stepDue).toEqual(expected);
    expect(s.tasks[0]).toMatchObject({ dueAt: expected.dueAt, dueProvisional: false });
    expect(s.history.at(-1)).toMatchObject({ action: 'retimed', due: expected });
    expect(s.history.map((e) => e.action)).toEqual(
      expect.arrayContaining(['suspended', 'resumed', 'retimed']),
    );
  });

  it('补正 needs the items; other kinds take none; the approver resumes 专家评审', () => {
    let s = running();
    expect(
      actionProblem(s, 'suspend', req(taskId(s), reviewer, { kind: 'supplement', reason: '材料不全' }), AT),
    ).toMatchObject({ kind: 'invalid', message: expect.stringContaining('items') });
    expect(
      actionProblem(
        s,
        'suspend',
        req(taskId(s), reviewer, { kind: 'hearing', reason: '需听证', items: ['x'] }),
        AT,
      ),
    ).toMatchObject({ kind: 'invalid' });
    expect(
      actionProblem(s, 'suspend', req(taskId(s), initiator, { kind: 'hearing', reason: '需听证' }), AT),
    ).toMatchObject({ kind: 'forbidden' });
    s = applyAction(
      s,
      'suspend',
      req(taskId(s), reviewer, { kind: 'expert_review', reason: '需专家评审' }),
      AT,
    );
    expect(
      actionProblem(s, 'suspend', req(taskId(s), reviewer, { kind: 'hearing', reason: '需听证' }), AT),
    ).toMatchObject({ kind: 'conflict' });
    expect(actionProblem(s, 'resume', req(null, initiator, {}), AT)).toMatchObject({ kind: 'forbidden' });
    expect(taskActionsOffered(s, s.tasks[0]!, actorOf(reviewer))).toContain('resume');
    s = applyAction(s, 'resume', req(taskId(s), reviewer, {}), sh('2026-11-03T10:00:00'));
    expect(s.suspension).toBeNull();
  });

  it('a calendar signal re-times a provisional deadline and clears 暂定; an unchanged one records nothing', () => {
    const start = sh('2026-12-28T10:00:00');
    const due = deadlineFor(calendar, start, { workingDays: 5 });
    let s = startClock(
      openStep(startApproval(input, start), { assignees: [assignee], skippable: false }, due, start),
      start,
    );
    s = applyTiming(s, timeClock(calendar, s.clock!, step.reminders, start), start);
    expect(s.tasks[0]!.dueProvisional).toBe(true);
    const events = s.history.length;
    // Same calendar: nothing changes.
    expect(retime(markClockStale(s, 'calendar'), calendar, start).history).toHaveLength(events);
    s = retime(markClockStale(s, 'calendar'), withY2027, sh('2026-12-29T10:00:00'));
    expect(s.stepDue).toEqual({ dueAt: endOfShanghaiDay('2027-01-05').toISOString(), provisional: false });
    expect(s.tasks[0]).toMatchObject({ dueProvisional: false, dueAt: s.stepDue!.dueAt });
    expect(s.history.at(-1)).toMatchObject({
      action: 'retimed',
      comment: '工作日历已更新，重新计算办理时限',
    });
  });

  it('reminders: the before one, then after the deadline at most M, each an event and a notice with its time', () => {
    let s = running();
    const sent: string[] = [];
    for (let i = 0; i < 10; i++) {
      const wake = nextClockWake(s);
      if (!wake) break;
      if (wake.what === 'deadline') {
        s = {
          ...s,
          breaches: [
            {
              stepIndex: 0,
              round: s.round,
              dueAt: wake.at,
              at: wake.at,
              action: 'notify_supervisor',
              taskIds: [],
            },
          ],
        };
        continue;
      }
      s = remind(s, wake.at);
      sent.push(wake.at);
      expect(s.outbox.at(-1)).toMatchObject({ type: 'remind', taskIds: [taskId(s)], at: wake.at });
    }
    // Due Monday 11-09 24:00: before at 09:00 that day, then Tue 14:00 and Wed 10:00 (M = 2).
    expect(sent).toEqual([sh('2026-11-09T09:00:00'), sh('2026-11-10T14:00:00'), sh('2026-11-11T10:00:00')]);
    expect(s.history.filter((e) => e.action === 'reminded')).toHaveLength(3);
  });
});

describe('the clock’s step options in the flow schema (issue 10)', () => {
  const body = (s: object) => ({
    kind: 'seal_application',
    name: '时钟选项',
    steps: [
      {
        key: 'a',
        name: '审核',
        approvers: [{ type: 'role', role: 'seal_reviewer' }],
        mode: 'single',
        ...s,
      },
    ],
  });
  const problems = (s: object) => {
    const r = FlowDefinitionBody.safeParse(body(s));
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('reminders need a deadline, and a count after it needs its interval', () => {
    expect(
      problems({ due: { workingDays: 2 }, reminders: { beforeWorkingDays: 1, afterEveryWorkingHours: 4 } }),
    ).toEqual([]);
    expect(problems({ reminders: { beforeWorkingDays: 1 } })).toEqual([
      'steps.0.reminders: 设置催办提醒须先设置办理时限',
    ]);
    expect(problems({ due: { workingDays: 2 }, reminders: { afterMax: 2 } })).toEqual([
      'steps.0.reminders.afterMax: 设置超期提醒次数须同时设置超期提醒间隔（工作小时）',
    ]);
  });

  it('a step that offers 中止计时 offers 恢复计时', () => {
    expect(problems({ actions: ['approve', 'reject', 'suspend'] })).toEqual([
      'steps.0.actions: 提供“中止计时”的步骤须同时提供“恢复计时”',
    ]);
    expect(problems({ actions: ['approve', 'reject', 'suspend', 'resume'] })).toEqual([]);
  });

  it('a suspended clock is not marked for re-timing; the deadline wakes before a later reminder', () => {
    let s = running();
    s = applyAction(s, 'suspend', req(taskId(s), reviewer, { kind: 'hearing', reason: '需听证' }), AT);
    expect(markClockStale(s, 'calendar')).toBe(s);
    const due = s.stepDue!.dueAt;
    const plain = {
      ...s,
      suspension: null,
      clock: {
        ...s.clock!,
        runningSince: AT,
        plan: [{ at: sh('2026-11-20T09:00:00'), kind: 'after' as const, n: 1 }],
      },
    };
    expect(nextClockWake(plain)).toEqual({ at: due, what: 'deadline' });
  });
});
