/**
 * Durability of a dispute (issue 13, LM-23): a worker process killed (SIGKILL) between the marker and the outcome
 * loses nothing — the next worker carries the workflow on and the outcome is recorded — and no e-mail goes twice
 * (the receipt and the outcome each once, keyed in email_message).
 */
import type { ChildProcess } from 'node:child_process';
import { Dispute, DisputeEvent } from '../../db/dispute-entities';
import { EmailMessage } from '../../db/entities';
import { storeAndStartDispute } from '../support/disputes';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { kill9, startWorkerProcess } from '../support/worker-process';

let t: TestPlatform;
let worker: ChildProcess | undefined;
beforeAll(async () => {
  t = await startTestPlatform({ runWorker: false });
});
afterAll(async () => {
  if (worker) await kill9(worker);
  await t?.stop();
});

it('a worker killed between the marker and the outcome loses nothing and sends no e-mail twice', async () => {
  worker = await startWorkerProcess(t.workerEnv);
  const { id, handle, challengerEmail } = await storeAndStartDispute(
    t.em().fork(),
    t.platform.temporal,
    t.platform.ctx.taskQueue,
    new Date(),
  );
  await t.mailbox.waitFor((m) => m.to.includes(challengerEmail) && m.subject.includes('已受理'));
  const marked = await t.call('POST', `/api/disputes/${id}/mark`, { as: 'zz-amr-disputes', body: {} });
  expect(marked.status).toBe(200);

  await kill9(worker);
  worker = await startWorkerProcess(t.workerEnv);

  const answered = await t.call('POST', `/api/disputes/${id}/answer`, {
    as: 'zz-amr-disputes',
    body: { outcome: 'confirmed', reasons: '经核实，住所登记无误' },
  });
  expect(answered.status).toBe(200);
  expect(await handle.result()).toMatchObject({ status: 'resolved', markedBy: 'unit', outcome: 'confirmed' });
  await t.mailbox.waitFor((m) => m.to.includes(challengerEmail) && m.subject.includes('已办结'));

  const row = await t.em().fork().findOneOrFail(Dispute, { id });
  expect(row).toMatchObject({ status: 'resolved', markedBy: 'unit', outcome: 'confirmed' });
  const events = await t
    .em()
    .fork()
    .find(DisputeEvent, { disputeId: id }, { orderBy: { at: 'asc' } });
  expect(events.map((e) => e.kind)).toEqual(['marked', 'answered']);
  const mails = await t.em().fork().find(EmailMessage, { toAddress: challengerEmail });
  expect(mails.map((m) => m.id).sort()).toEqual([`dispute-outcome:${id}`, `dispute-receipt:${id}`]);
  expect(mails.every((m) => m.status === 'sent' && m.attempts === 1)).toBe(true);
  expect(t.mailbox.messages.filter((m) => m.to.includes(challengerEmail))).toHaveLength(2);
});
