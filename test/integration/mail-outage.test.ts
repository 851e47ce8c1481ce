/**
 * A mail outage delays mail, not approvals: with the SMTP server down, decisions are taken and answered, the
 * process moves on, and every e-mail goes out once — when the server is back.
 */
import { randomUUID } from 'node:crypto';
import { sendMailOnce, sendMailsOnce, type SendMailRequest } from '../../activities/mail';
import { AuditEvent, EmailMessage } from '../../db/entities';
import { createMailer } from '../../mail/mailer';
import { approvalHelpers, step, ZZ_REVIEWERS } from '../support/approvals';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

it('approvals go on while SMTP is down, and the queued e-mails are delivered once it is back', async () => {
  const h = approvalHelpers(t);
  await h.saveFlow([
    step('county'),
    step('city', { approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'jc-approval' }] }),
  ]);
  const { key } = await h.start();
  // The county department's four reviewers have their new-task e-mails before the outage.
  for (const u of ZZ_REVIEWERS) await t.mailbox.waitFor((m) => m.to.includes(`${u}@jincheng.example`));

  await t.stopSmtp();
  const res = await h.approve('zz-approval-reviewer', key, '邮件服务中断期间审批');
  expect(res.body.currentStep).toBe(1);
  expect(await h.openTasksOf(key, 'jc-approval-reviewer')).toHaveLength(1);
  const urged = await t.call('POST', `/api/approvals/${key}/urge`, { as: 'zz-amr-clerk', body: {} });
  expect(urged.status).toBe(200);
  const waiting = (m: { to: string[]; subject: string }) =>
    m.to.includes('jc-approval-reviewer@jincheng.example');
  expect(t.mailbox.messages.filter(waiting)).toHaveLength(0);

  // The e-mail to the city reviewer was tried and failed while SMTP was down; it stays pending.
  let tried: EmailMessage | null = null;
  for (let i = 0; i < 100 && !tried; i++) {
    tried = await t.em().findOne(EmailMessage, {
      toAddress: 'jc-approval-reviewer@jincheng.example',
      status: 'pending',
      attempts: { $gte: 1 },
    });
    if (!tried) await new Promise((r) => setTimeout(r, 100));
  }
  expect(tried).not.toBeNull();

  await t.startSmtp();
  await t.mailbox.waitFor((m) => waiting(m) && m.subject.includes('催办'), 60_000);
  const toCity = t.mailbox.messages.filter(waiting);
  expect(toCity.map((m) => m.subject.includes('催办'))).toEqual([false, true]); // the new task, then the urge
  // The send log marks each sent right after the SMTP hand-over.
  let rows: EmailMessage[] = [];
  for (let i = 0; i < 50; i++) {
    rows = await t.em().find(EmailMessage, { toAddress: 'jc-approval-reviewer@jincheng.example' });
    if (rows.every((r) => r.status === 'sent')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
  expect(rows.find((r) => r.id === tried!.id)!.attempts).toBeGreaterThan(1); // failed, then sent
}, 90_000);

it("a batch of e-mails (the delivery relay's): each key sent and audited once; a failed send stays pending alone", async () => {
  const mailer = createMailer(t.workerEnv.SMTP_URL!, 'platform@jincheng.example');
  const run = randomUUID();
  const request = (name: string, to: string): SendMailRequest => ({
    idempotencyKey: `batch-test:${run}:${name}`,
    to,
    template: 'approval-notice',
    about: { type: 'approval_process', id: run },
    context: {
      recipientName: name,
      kindLabel: '测试',
      headline: `批量发送 ${name}`,
      title: run,
      initiatorName: '发起人',
      initiatorOrganisation: '单位',
      stepName: '步骤',
      dueAt: null,
      dueProvisional: false,
      timeLeft: null,
      comment: null,
      reason: null,
      outcome: null,
      url: 'http://localhost:3000/',
    },
  });
  const earlier = request('earlier', `earlier-${run}@jincheng.example`);
  const failing = request('failing', ''); // no recipient: the SMTP client refuses it
  const fresh = request('fresh', `fresh-${run}@jincheng.example`);
  try {
    expect(await sendMailOnce(t.em(), mailer, earlier)).toBe('sent');
    const outcomes = await sendMailsOnce(t.em(), mailer, [earlier, failing, fresh], 8);
    expect(outcomes.map((o) => (typeof o === 'object' ? 'problem' : o))).toEqual([
      'already-sent',
      'problem',
      'sent',
    ]);
    // Again: only the failed one is tried (and fails) again.
    const again = await sendMailsOnce(t.em(), mailer, [earlier, failing, fresh], 8);
    expect(again.map((o) => (typeof o === 'object' ? 'problem' : o))).toEqual([
      'already-sent',
      'problem',
      'already-sent',
    ]);
  } finally {
    mailer.close();
  }
  const rows = await t
    .em()
    .find(EmailMessage, { id: { $like: `batch-test:${run}:%` } }, { orderBy: { id: 'asc' } });
  expect(rows.map((r) => [r.id.split(':')[2], r.status, r.attempts, r.sentAt !== null])).toEqual([
    ['earlier', 'sent', 1, true],
    ['failing', 'pending', 2, false],
    ['fresh', 'sent', 1, true],
  ]);
  const audited = await t.em().find(AuditEvent, { action: 'email.send', targetId: run });
  expect(audited.map((a) => a.eventKey).sort()).toEqual([
    `email.send:${earlier.idempotencyKey}`,
    `email.send:${fresh.idempotencyKey}`,
  ]);
  for (const name of ['earlier', 'fresh']) {
    const to = `${name}-${run}@jincheng.example`;
    await t.mailbox.waitFor((m) => m.to.includes(to));
    expect(t.mailbox.messages.filter((m) => m.to.includes(to))).toHaveLength(1);
  }
});
