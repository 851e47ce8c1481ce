/**
 * Durability: a worker killed in the middle of a review chain and started again resumes the process, and exactly
 * one seal and one outcome e-mail exist. The activities that make the seal and send the e-mail are idempotent.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createActivities } from '../../activities';
import { createSigningActivities } from '../../activities/signing';
import { EmailMessage, Seal, SealApplication } from '../../db/entities';
import { createMailer } from '../../mail/mailer';
import { TEST_PKI_MASTER_KEY } from '../support/env';
import { applicationBody } from '../support/fixtures';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ runWorker: false });
});
afterAll(async () => {
  await t?.stop();
});

const ROOT = path.join(__dirname, '..', '..');

/** A real worker process, as production runs it. */
function startWorkerProcess(): Promise<ChildProcess> {
  // `node --import tsx` keeps the worker in this one process, so SIGKILL reaches the worker itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    // The readiness line is an info log (pino), which tests otherwise keep quiet.
    env: { ...process.env, ...t.workerEnv, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker running')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${output}`)));
  });
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function pendingTask(applicationId: string, reviewer: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const items = (await t.call('GET', '/api/tasks', { as: reviewer })).body.items as Array<{
      taskId: string;
      processId: string;
    }>;
    const task = items.find((x) => x.processId === applicationId);
    if (task) return task.taskId;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no task for ${reviewer}`);
}

it('a worker killed mid-chain and started again: the process resumes and exactly one seal exists', async () => {
  let worker = await startWorkerProcess();
  const app = (
    await t.call('POST', '/api/seal-applications', { as: 'zz-amr-clerk', body: applicationBody() })
  ).body;
  const county = await pendingTask(app.id, 'zz-approval-reviewer');
  expect(
    (await t.call('POST', `/api/tasks/${county}/approve`, { as: 'zz-approval-reviewer', body: {} })).status,
  ).toBe(200);

  // The worker dies without warning between two levels.
  await kill9(worker);

  // The city reviewer's decision is accepted while no worker runs, and applied once one is back.
  const city = await pendingTask(app.id, 'jc-approval-reviewer');
  const cityDecision = t.call('POST', `/api/tasks/${city}/approve`, {
    as: 'jc-approval-reviewer',
    body: { comment: '同意' },
  });
  await new Promise((r) => setTimeout(r, 500));
  worker = await startWorkerProcess();
  expect((await cityDecision).status).toBe(200);

  const province = await pendingTask(app.id, 'sx-seal-reviewer');
  expect(
    (await t.call('POST', `/api/tasks/${province}/approve`, { as: 'sx-seal-reviewer', body: {} })).status,
  ).toBe(200);
  const result = await t.platform.temporal.workflow.getHandle(`seal-application-${app.id}`).result();
  expect(result).toMatchObject({ status: 'approved', sealId: expect.any(String) });
  await kill9(worker);

  expect(await t.em().count(Seal, { applicationId: app.id })).toBe(1);
  expect(await t.em().findOneOrFail(SealApplication, { id: app.id })).toMatchObject({
    status: 'approved',
    sealId: result.sealId,
  });
  const mails = t.mailbox.messages.filter((m) => m.text.includes(`/seal-applications/${app.id}`));
  expect(mails).toHaveLength(1);
});

it('making the seal and sending the e-mail again (an activity retried after a crash) duplicates nothing', async () => {
  const worker = await startWorkerProcess();
  const app = (
    await t.call('POST', '/api/seal-applications', { as: 'zz-amr-clerk', body: applicationBody() })
  ).body;
  for (const reviewer of ['zz-approval-reviewer', 'jc-approval-reviewer', 'sx-seal-reviewer']) {
    await t.call('POST', `/api/tasks/${await pendingTask(app.id, reviewer)}/approve`, {
      as: reviewer,
      body: {},
    });
  }
  const result = await t.platform.temporal.workflow.getHandle(`seal-application-${app.id}`).result();
  await kill9(worker);

  const mailer = createMailer(t.workerEnv.SMTP_URL!, 'test <test@jincheng.example>');
  const activities = createActivities({
    orm: t.platform.orm,
    mailer,
    publicUrl: 'http://localhost:3000',
  });
  const signing = createSigningActivities({
    orm: t.platform.orm,
    pkiMasterKey: TEST_PKI_MASTER_KEY,
    publicUrl: t.workerEnv.PUBLIC_URL!,
  });
  const again = await Promise.all([
    signing.makeSeal({ applicationId: app.id }),
    signing.makeSeal({ applicationId: app.id }),
  ]);
  expect(again).toEqual([{ sealId: result.sealId }, { sealId: result.sealId }]);
  await activities.notifyApplicantOfOutcome({ applicationId: app.id });
  await activities.notifyApplicantOfOutcome({ applicationId: app.id });
  mailer.close();

  expect(await t.em().count(Seal, { applicationId: app.id })).toBe(1);
  expect(await t.em().count(EmailMessage, { id: `seal-application-${app.id}:outcome` })).toBe(1);
  expect(t.mailbox.messages.filter((m) => m.text.includes(`/seal-applications/${app.id}`))).toHaveLength(1);
});
