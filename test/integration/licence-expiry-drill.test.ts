/**
 * Issue 12 Build 2 drill: the expiry sweep's worker is killed (SIGKILL) in the middle of a sweep, between pages,
 * and a new worker process takes over: every reminder is mailed once and every expiry recorded once. The mail
 * server is down while the sweep starts, so the sweep stops at the first page with a reminder (retrying it) after
 * the pages before it are done; the worker dies there, the mail server comes back, a new worker finishes the sweep.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Licence, LicenceEvent } from '../../db/licence-entities';
import { addCalendarDays, shanghaiDateOf } from '../../domain/calendar';
import { addMonths } from '../../domain/licence';
import { reminderMailKey } from '../../domain/licence-expiry';
import { licenceExpirySweepWorkflow } from '../../workflows/licence-expiry-sweep';
import { FOOD_BUSINESS_CODE, foodBusinessBody, grantLicenceSealUse, issueLicence } from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
const ROOT = path.join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

/** A real worker process (the platform worker only), as production runs it. */
function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...t.workerEnv, LOG_LEVEL: 'info', RUN_SIGNING_WORKER: 'false' },
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

async function licenceEndingOn(validTo: string) {
  const email = `holder-${randomUUID()}@example.com`;
  const validFrom = addMonths(addCalendarDays(validTo, 1), -60);
  const body = foodBusinessBody({
    validFrom,
    issueDate: validFrom,
    holder: { ...foodBusinessBody().holder, email },
  });
  const { licence } = await issueLicence(t, body);
  const id = (await t.em().findOneOrFail(Licence, { identifier: licence.identifier })).id;
  return { id, email };
}

it('issue 12 Build 2: a worker killed between two sweep pages and restarted sends no reminder twice', async () => {
  await grantLicenceSealUse(t, { typeCode: FOOD_BUSINESS_CODE });
  const today = shanghaiDateOf(new Date());
  const reminded = [];
  const expiring = [];
  for (let i = 0; i < 3; i++) reminded.push(await licenceEndingOn(addCalendarDays(today, 20 + i)));
  for (let i = 0; i < 3; i++) expiring.push(await licenceEndingOn(addCalendarDays(today, -1 - i)));

  // From here only worker processes run the platform's workflows.
  await t.platform.stopWorker();
  await t.stopSmtp();
  let worker = await startWorkerProcess();
  const handle = await t.platform.temporal.workflow.start(licenceExpirySweepWorkflow, {
    taskQueue: t.platform.ctx.taskQueue,
    workflowId: `licence-expiry-sweep-drill-${randomUUID()}`,
    args: [{ pageSize: 1 }],
  });
  // Wait until the sweep is stuck on a reminder page (the mail server is down): pages before it are done.
  for (let i = 0; i < 300; i++) {
    const pending = await t
      .em()
      .getConnection()
      .execute(`select count(*) as n from email_message where id like 'licence-expiry-reminder:%'`);
    if (Number(pending[0].n) > 0) break;
    await sleep(100);
  }
  await kill9(worker);
  await t.startSmtp();
  worker = await startWorkerProcess();
  try {
    const result = await handle.result();
    expect(result.date).toBe(today);
  } finally {
    await kill9(worker);
  }

  for (const r of reminded) {
    const mails = t.mailbox.messages.filter((m) => m.to.includes(r.email) && m.subject.includes('到期'));
    expect(mails).toHaveLength(1);
    const rows = await t
      .em()
      .getConnection()
      .execute(`select id, status from email_message where id = ?`, [reminderMailKey(r.id, 30)]);
    expect(rows).toEqual([{ id: reminderMailKey(r.id, 30), status: 'sent' }]);
  }
  for (const e of expiring) {
    expect(await t.em().count(LicenceEvent, { licenceId: e.id, kind: 'expiry' })).toBe(1);
    expect((await t.em().findOneOrFail(Licence, { id: e.id }, { disableIdentityMap: true })).status).toBe(
      'expired',
    );
  }
});
