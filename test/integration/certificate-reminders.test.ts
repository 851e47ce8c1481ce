/**
 * Issue 12 Build 5 (SM-8): the renewal reminder 30 days before an organisation certificate (and so its seals)
 * expires, sent by the daily expiry sweep on the time-skipping test server (started directly once per skipped
 * day: the Java test server has no Schedules), over the real database and SMTP: each of the organisation's seal
 * staff gets exactly one mail per certificate and offset, even when the sweep runs again; the reminder is recorded
 * once and shown on the organisation's home.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createCertificateReminderActivities } from '../../activities/certificate-reminders';
import { createLicenceExpiryActivities } from '../../activities/licence-expiry';
import { CertificateReminder } from '../../db/certificate-entities';
import { AppUser, Organisation, OrganisationCertificate } from '../../db/entities';
import { addCalendarDays, shanghaiDateOf, startOfShanghaiDay } from '../../domain/calendar';
import { CERTIFICATE_REMINDER_DAYS } from '../../domain/organisation-certificate';
import { createMailer } from '../../mail/mailer';
import { issueCertificateFor, loadCertificateAuthority } from '../../usecases/certificate-store';
import { licenceExpirySweepWorkflow } from '../../workflows/licence-expiry-sweep';
import { TEST_PKI_MASTER_KEY } from '../support/env';
import { randomUscc } from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';
import { startTimeSkippingEnvironment } from '../support/time-skipping';
import { dailySweepsWorkflow } from '../support/workflows/daily-sweeps';

let t: TestPlatform;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `certificate-reminders-${randomUUID()}`;
const ORG = 'zz-cert-reminder';
const NAME = '泽州县证书提醒测试中心';
const STAFF = [`${ORG}-clerk@example.com`, `${ORG}-leader@example.com`];

beforeAll(async () => {
  t = await startTestPlatform();
  env = await startTimeSkippingEnvironment();
  const deps = {
    orm: t.platform.orm,
    mailer: createMailer(t.workerEnv.SMTP_URL!, 'platform@jincheng.example'),
    publicUrl: 'http://localhost:3000',
  };
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../support/workflows/daily-sweeps'),
    activities: { ...createLicenceExpiryActivities(deps), ...createCertificateReminderActivities(deps) },
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

/** A unit with a seal applicant, a leader and a clerk without a seal role, whose certificate ends on `validTo`. */
async function unitWithCertificateEnding(validTo: string): Promise<string> {
  const em = t.em().fork();
  await em.insert(Organisation, {
    id: ORG,
    name: NAME,
    uscc: randomUscc(),
    jurisdictionId: '140525',
    functions: ['using_unit'],
    createdAt: new Date(),
  });
  for (const [who, roles] of [
    ['clerk', ['seal_applicant']],
    ['leader', ['unit_leader']],
    ['other', ['licence_issuer']],
  ] as const) {
    await em.insert(AppUser, {
      id: `user-${ORG}-${who}`,
      username: `${ORG}-${who}`,
      displayName: `${NAME}${who}`,
      email: `${ORG}-${who}@example.com`,
      organisationId: ORG,
      roles: [...roles],
      active: true,
      holderCode: null,
      oidcSubject: null,
    });
  }
  const organisation = await em.findOneOrFail(Organisation, { id: ORG });
  const ca = await loadCertificateAuthority(em, TEST_PKI_MASTER_KEY);
  const notAfter = new Date(startOfShanghaiDay(validTo).getTime() + 12 * 3600_000);
  const certificate = issueCertificateFor(
    em,
    ca,
    organisation,
    { province: '山西省', locality: '晋城市' },
    { notBefore: new Date(notAfter.getTime() - 365 * 24 * 3600_000), notAfter },
    TEST_PKI_MASTER_KEY,
    t.workerEnv.PUBLIC_URL!,
  );
  await em.flush();
  return certificate.id;
}

const remindersTo = (email: string) =>
  t.mailbox.messages.filter((m) => m.to.includes(email) && m.subject.includes('机构数字证书'));

it('issue 12 Build 5 (SM-8): 30 days before the certificate expires each seal staff member gets one mail, once, even when the sweep runs twice', async () => {
  expect(CERTIFICATE_REMINDER_DAYS).toEqual([30]);
  const today = shanghaiDateOf(new Date(await env.currentTimeMs()));
  const validTo = addCalendarDays(today, 33);
  const certificateId = await unitWithCertificateEnding(validTo);
  const sealId = await makeTestSeal(t, 'business', `${NAME}合同专用章`, ORG, `${ORG}-clerk`);
  const code = (await t.call('GET', `/api/seals/${sealId}`, { as: `${ORG}-clerk` })).body.esId as string;

  // One sweep a day for 6 days (timers skipped by the test server): the 30-day reminder is due on day 3.
  const days = await env.client.workflow.execute(dailySweepsWorkflow, {
    taskQueue,
    workflowId: `daily-sweeps-${randomUUID()}`,
    args: [6, 2],
  });
  const dueOn = addCalendarDays(validTo, -30);
  expect(days.filter((d) => d.certificatesReminded > 0).map((d) => d.date)).toEqual([dueOn]);

  // The sweep of the last day once more, as a second run of the day would.
  await env.client.workflow.execute(licenceExpirySweepWorkflow, {
    taskQueue,
    workflowId: `sweep-again-${randomUUID()}`,
    args: [{ date: days.at(-1)!.date, pageSize: 1 }],
  });

  for (const email of STAFF) {
    const mails = remindersTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain(validTo);
    expect(mails[0]!.text).toContain(NAME);
    expect(mails[0]!.text).toContain(code);
    expect(mails[0]!.text).toContain('还有 30 天');
  }
  // Staff without a seal role are not written to.
  expect(remindersTo(`${ORG}-other@example.com`)).toHaveLength(0);
  const rows = await t.em().find(CertificateReminder, { certificateId });
  expect(rows.map((r) => [r.offsetDays, [...r.recipients].sort()])).toEqual([
    [30, [`${ORG}-clerk`, `${ORG}-leader`]],
  ]);

  // The page activity run again directly (a worker lost before completing it) sends nothing more either.
  const activities = createCertificateReminderActivities({
    orm: t.platform.orm,
    mailer: createMailer(t.workerEnv.SMTP_URL!, 'platform@jincheng.example'),
    publicUrl: 'http://x',
  });
  const page = await activities.sweepCertificateReminderPage({ date: dueOn, after: null, pageSize: 100 });
  expect(page.reminded).toBe(0);
  for (const email of STAFF) expect(remindersTo(email)).toHaveLength(1);

  // The organisation's home lists the certificate nearing expiry, with the reminder sent. Its page reads the real
  // clock, which the test server does not skip: the certificate is moved to end within the window now.
  await t
    .em()
    .nativeUpdate(
      OrganisationCertificate,
      { id: certificateId },
      { notAfter: new Date(Date.now() + 20 * 24 * 3600_000) },
    );
  const home = await t.call('GET', '/seals', { as: `${ORG}-clerk` });
  expect(home.body).toContain('id="certificates-due"');
  expect(home.body).toContain('邮件提醒');
  expect(home.body).not.toContain('[object');
});
