/**
 * Issue 12 Build 2 and 3 (WP-(三)5, LM-8): the daily expiry sweep workflow on the time-skipping test server, started
 * directly once per skipped day (the Java test server has no Schedules; the Schedule is created on the dev server,
 * see workflows/licence-expiry-schedule.ts), over the real database and SMTP: across a 食品经营许可证's end date each
 * reminder offset of its type (90 and 30 days) sends exactly one mail, and the licence becomes expired the day after
 * its last day, once. A page run again (as after a worker lost between its writes and its completion) repeats
 * nothing.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createCertificateReminderActivities } from '../../activities/certificate-reminders';
import { createLicenceExpiryActivities } from '../../activities/licence-expiry';
import { AuditEvent } from '../../db/entities';
import { ExchangeOutbox, Licence, LicenceEvent } from '../../db/licence-entities';
import { addCalendarDays, shanghaiDateOf, startOfShanghaiDay } from '../../domain/calendar';
import { addMonths } from '../../domain/licence';
import { createMailer } from '../../mail/mailer';
import { ensureExpirySweepSchedule, expirySweepScheduleId } from '../../platform/expiry-schedule';
import { dailySweepsWorkflow } from '../support/workflows/daily-sweeps';
import { FOOD_BUSINESS_CODE, foodBusinessBody, grantLicenceSealUse, issueLicence } from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { startTimeSkippingEnvironment } from '../support/time-skipping';

let t: TestPlatform;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `expiry-sweep-${randomUUID()}`;
const mailer = () => createMailer(t.workerEnv.SMTP_URL!, 'platform@jincheng.example');

beforeAll(async () => {
  t = await startTestPlatform();
  await grantLicenceSealUse(t, { typeCode: FOOD_BUSINESS_CODE });
  env = await startTimeSkippingEnvironment();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../support/workflows/daily-sweeps'),
    // The sweep's licence pages, then its certificate reminder pages (issue 12 Build 5).
    activities: {
      ...createLicenceExpiryActivities({
        orm: t.platform.orm,
        mailer: mailer(),
        publicUrl: 'http://localhost:3000',
      }),
      ...createCertificateReminderActivities({
        orm: t.platform.orm,
        mailer: mailer(),
        publicUrl: 'http://localhost:3000',
      }),
    },
  });
  running = worker.run();
}, 180_000);
afterAll(async () => {
  if (worker) {
    worker.shutdown();
    await running;
  }
  await env?.teardown();
  await t?.stop();
});

/** A 食品经营许可证 (five-year term) whose last day is `validTo`, for a holder with its own address. */
async function licenceEndingOn(validTo: string) {
  const email = `holder-${randomUUID()}@example.com`;
  const validFrom = addMonths(addCalendarDays(validTo, 1), -60);
  const body = foodBusinessBody({
    validFrom,
    issueDate: validFrom,
    holder: { ...foodBusinessBody().holder, email },
  });
  const { licence } = await issueLicence(t, body);
  expect(licence.validTo).toBe(validTo);
  return {
    identifier: licence.identifier as string,
    id: (await t.em().findOneOrFail(Licence, { identifier: licence.identifier })).id,
    email,
  };
}

const remindersTo = (email: string) =>
  t.mailbox.messages.filter((m) => m.to.includes(email) && m.subject.includes('到期'));

it('issue 12 Build 3: across the end date each offset mails once, and the licence expires once (time-skipping, daily runs)', async () => {
  const today = shanghaiDateOf(new Date(await env.currentTimeMs()));
  const validTo = addCalendarDays(today, 32);
  const { id, email } = await licenceEndingOn(validTo);
  // An unrelated licence ending far later: never reminded within these days (its offsets are not reached).
  const later = await licenceEndingOn(addCalendarDays(today, 400));

  // One sweep a day for 36 days, each on its own workflow date (timers skipped by the test server).
  const days = await env.client.workflow.execute(dailySweepsWorkflow, {
    taskQueue,
    workflowId: `daily-sweeps-${randomUUID()}`,
    args: [36, 2],
  });
  expect(days.map((d) => d.date)).toEqual(Array.from({ length: 36 }, (_, i) => addCalendarDays(today, i)));
  // The licence expired on the sweep of the day after its last day, and on no other.
  expect(days.filter((d) => d.expired > 0).map((d) => d.date)).toEqual([addCalendarDays(validTo, 1)]);
  expect((await t.em().findOneOrFail(Licence, { id }, { disableIdentityMap: true })).status).toBe('expired');
  // One mail per offset: the 90-day one at once (32 days left), the 30-day one on its day.
  const mails = remindersTo(email);
  expect(mails.map((m) => m.text.match(/还有 (\d+) 天/)?.[1])).toEqual(['32', '30']);
  expect(mails.every((m) => m.text.includes(validTo))).toBe(true);
  expect(mails[0]!.text).toContain('食品经营许可');
  expect(remindersTo(later.email)).toHaveLength(0);

  const expiries = await t.em().find(LicenceEvent, { licenceId: id, kind: 'expiry' });
  expect(expiries).toHaveLength(1);
  expect(expiries[0]!.status).toBe('recorded');
  expect(await t.em().count(ExchangeOutbox, { licenceId: id, event: 'licence.lifecycle.expiry' })).toBe(1);
});

it('issue 12 Build 2: a page swept again (a worker lost before completing it) sends and records nothing twice', async () => {
  const today = shanghaiDateOf(new Date());
  const { id, identifier, email } = await licenceEndingOn(addCalendarDays(today, 20));
  const expiring = await licenceEndingOn(addCalendarDays(today, -1));
  const activities = createLicenceExpiryActivities({
    orm: t.platform.orm,
    mailer: mailer(),
    publicUrl: 'http://x',
  });
  const sweepAll = async () => {
    let after: string | null = null;
    do after = (await activities.sweepExpiryPage({ date: today, after, pageSize: 3 })).nextAfter;
    while (after);
  };
  await sweepAll();
  await t.mailbox.waitFor((m) => m.to.includes(email));
  await sweepAll();
  await sweepAll();
  expect(remindersTo(email)).toHaveLength(1);
  // The one reminder is audited once, against its licence (activities/mail.ts audits every send; the licence's
  // issuance mail is audited there too, and is not what this test counts).
  const mailAudit = await t
    .em()
    .find(AuditEvent, { action: 'email.send', targetType: 'licence', targetId: identifier });
  const reminderAudit = mailAudit.filter(
    (a) => (a.details as { template?: string } | null)?.template === 'licence-expiry-reminder',
  );
  expect(reminderAudit.map((a) => a.details)).toEqual([
    expect.objectContaining({ to: email, template: 'licence-expiry-reminder', offset: expect.any(Number) }),
  ]);
  expect(await t.em().count(LicenceEvent, { licenceId: expiring.id, kind: 'expiry' })).toBe(1);
  expect(
    (await t.em().findOneOrFail(Licence, { id: expiring.id }, { disableIdentityMap: true })).status,
  ).toBe('expired');
  expect((await t.em().findOneOrFail(Licence, { id }, { disableIdentityMap: true })).status).toBe('valid');
  // The status now agrees: expired since the start of the day after its last day.
  const now = await t.call('GET', `/api/licenses/${expiring.identifier}/status`, { as: 'zz-amr-issuer' });
  expect(now.body).toMatchObject({ status: 'expired', since: startOfShanghaiDay(today).toISOString() });
});

it('issue 12 Build 2: the platform creates the daily Schedule on the dev server; triggered, it sweeps', async () => {
  const handle = t.platform.temporal.schedule.getHandle(expirySweepScheduleId(t.platform.ctx.taskQueue));
  let description: Awaited<ReturnType<typeof handle.describe>> | undefined;
  for (let i = 0; i < 100 && !description; i++) {
    description = await handle.describe().catch(() => undefined);
    if (!description) await new Promise((r) => setTimeout(r, 100));
  }
  expect(description).toBeDefined();
  expect(description!.spec.timezone).toBe('Asia/Shanghai');
  expect(description!.spec.calendars?.[0]).toMatchObject({
    hour: [{ start: 1, end: 1 }],
    minute: [{ start: 0 }],
  });
  expect(description!.action).toMatchObject({
    type: 'startWorkflow',
    workflowType: 'licenceExpirySweepWorkflow',
  });
  // Creating it again leaves the one there.
  expect(await ensureExpirySweepSchedule(t.platform.temporal, t.platform.ctx.taskQueue)).toBe(false);

  const today = shanghaiDateOf(new Date());
  const expiring = await licenceEndingOn(addCalendarDays(today, -1));
  await handle.trigger();
  let status = '';
  for (let i = 0; i < 300 && status !== 'expired'; i++) {
    status = (await t.em().findOneOrFail(Licence, { id: expiring.id }, { disableIdentityMap: true })).status;
    if (status !== 'expired') await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe('expired');
});
