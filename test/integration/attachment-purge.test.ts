/**
 * Issue 11 (Build 1): uploads never attached to an approval action are purged after the retention period by a
 * Temporal schedule the platform ensures at start; attached ones (attachments and handwritten signatures of
 * approval events) are never purged, nor recent ones. The clock is
 * the test's through the data: the "old" uploads get an upload time 25 h before now (retention 24 h).
 */
import { Client } from 'pg';
import { attachmentPurgeScheduleId } from '../../usecases/attachment-purge-schedule';
import { approvalHelpers, step } from '../support/approvals';
import { pngImprint } from '../support/fixtures';
import { withDatabase } from '../support/global-setup';
import { testServices } from '../support/env';
import { startTestPlatform, TestPlatform } from '../support/platform';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t: TestPlatform;
let admin: Client;

beforeAll(async () => {
  t = await startTestPlatform({ env: { ATTACHMENT_RETENTION_HOURS: '24' } });
  admin = new Client({ connectionString: withDatabase(testServices().postgresAdminUrl, t.databaseName) });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await t?.stop();
});

async function upload(as: string, text: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(text)], { type: 'text/plain' }), `${text}.txt`);
  const res = await fetch(`${t.url}/api/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await t.token(as)}` },
    body: form,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function remaining(ids: string[]): Promise<string[]> {
  const rows = await admin.query<{ id: string }>('select id from attachment where id = any($1)', [ids]);
  return rows.rows.map((r) => r.id).sort();
}

/** Runs the schedule's action now, as the hourly tick would, and answers that run's result (how many it purged). */
async function purgeNow(): Promise<number> {
  const handle = t.platform.temporal.schedule.getHandle(
    attachmentPurgeScheduleId(t.workerEnv.TEMPORAL_TASK_QUEUE!),
  );
  const before = (await handle.describe()).info.numActionsTaken;
  await handle.trigger();
  for (let i = 0; i < 300; i++) {
    const { info } = await handle.describe();
    const run = info.recentActions.at(-1)?.action;
    if (info.numActionsTaken > before && run?.type === 'startWorkflow') {
      return t.platform.temporal.workflow
        .getHandle(run.workflow.workflowId, run.workflow.firstExecutionRunId)
        .result();
    }
    await sleep(100);
  }
  throw new Error('the schedule started no purge run');
}

it('an upload never attached is purged after the retention period; attached and recent ones stay (issue 11)', async () => {
  const h = approvalHelpers(t);
  await h.saveFlow([step('first', { signature: 'required' } as never)]);
  const { key } = await h.start();
  const reviewer = 'zz-approval-reviewer';
  const attached = await upload(reviewer, '核验意见');
  const unattached = await upload(reviewer, '未使用的附件');
  const recent = await upload(reviewer, '刚上传的附件');
  const acted = await h.act(reviewer, await h.openTaskOf(key, reviewer), 'approve', {
    comment: '同意，见附件',
    attachments: [attached],
    // A handwritten signature is an attachment too, named by the event's signature_id (issue 10).
    signature: `data:image/png;base64,${pngImprint().toString('base64')}`,
  });
  expect([acted.status, acted.status === 200 ? null : acted.body]).toEqual([200, null]);
  // The timeline (approval_event) names the attachment and the signature once the projection has run.
  let signature: string | undefined;
  for (let i = 0; i < 100 && !signature; i++) {
    const events = await admin.query<{ signature_id: string }>(
      `select signature_id from approval_event
        where attachments @> jsonb_build_array(jsonb_build_object('id', $1::text)) and signature_id is not null`,
      [attached],
    );
    signature = events.rows[0]?.signature_id;
    if (!signature) await sleep(100);
  }
  expect(signature).toBeDefined();
  const all = [attached, signature!, unattached, recent];
  // Older than the retention: the attached one, the signature and the unattached one.
  await admin.query(`update attachment set uploaded_at = $2 where id = any($1)`, [
    [attached, signature, unattached],
    new Date(Date.now() - 25 * 3600_000),
  ]);

  expect(await purgeNow()).toBe(1);
  expect(await remaining(all)).toEqual([attached, signature!, recent].sort());
  const audit = await admin.query(
    `select actor_username, outcome, details from audit_event where action = 'attachment.purge' and target_id = $1`,
    [unattached],
  );
  expect(audit.rows).toEqual([
    expect.objectContaining({
      actor_username: 'system',
      outcome: 'success',
      details: expect.objectContaining({ reason: 'unattached', retentionHours: 24 }),
    }),
  ]);

  // Idempotent: a second run purges nothing more.
  expect(await purgeNow()).toBe(0);
  expect(await remaining(all)).toEqual([attached, signature!, recent].sort());
  expect(
    (
      await admin.query(`select 1 from audit_event where action = 'attachment.purge' and target_id = $1`, [
        unattached,
      ])
    ).rowCount,
  ).toBe(1);
});
