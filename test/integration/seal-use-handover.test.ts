/**
 * Issue 15 Build 3 (SM-12): when a person leaves, their standing licence-signing authorisations are not revoked
 * with the others (the platform's issuance would stop) but put to the unit leader as a 待办 task with a deadline of
 * 3 working days: usable until the leader decides, then kept for an eligible person of the unit or revoked with a
 * reason, on the leader's page or through the API, each step audited; reminded before the deadline and escalated at
 * it, never revoked by it. Real API, PostgreSQL, Temporal, SMTP and the signing worker; the deadline workflow on
 * Temporal's time-skipping test server with the platform's real activities.
 */
import { supervisorsOver } from '../../activities/dispute';
import { InAppNotice } from '../../db/approval-entities';
import { loadWorkingCalendar } from '../../db/calendar';
import { AuditEvent } from '../../db/entities';
import { SealSignatureRecord, SealUseAuthorisation, SealUseHandover } from '../../db/seal-use-entities';
import { sealUseHandoverDeadline, sealUseHandoverWorkflowId } from '../../domain/seal-use';
import { deadlineText } from '../../presentation/deadline-text';
import { sealUseHandoverDecidedSignal } from '../../workflows/seal-use-handover-messages';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  FOOD_BUSINESS_CODE,
  foodBusinessBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import type { TestPlatform } from '../support/platform';
import { startTimeSkippingPlatform, TimeSkippingPlatform } from '../support/time-skipping-platform';

let t: TestPlatform;
let rig: TimeSkippingPlatform;

beforeAll(async () => {
  rig = await startTimeSkippingPlatform('seal-use-handover', { platformWorker: true });
  t = rig.t;
});
afterAll(async () => {
  await rig?.stop();
});

const CLERK = 'user-zz-amr-clerk';
const authorisation = (id: string) =>
  t.em().fork().findOneOrFail(SealUseAuthorisation, { id }, { disableIdentityMap: true });
const audits = (action: string, targetId: string) => t.em().fork().find(AuditEvent, { action, targetId });
const handoverTasks = async (as: string) => {
  const inbox = await t.call('GET', '/api/tasks?box=pending&kind=seal_use_handover', { as });
  expect(inbox.status).toBe(200);
  return inbox.body.items as Array<{ processId: string; title: string; kindLabel: string; url: string }>;
};

describe('a leaving person’s standing licence-signing authorisations (SM-12)', () => {
  it('pass to the unit leader: usable meanwhile, then kept for a named person or revoked, each audited', async () => {
    const business = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
    const food = await grantLicenceSealUse(t, { typeCode: FOOD_BUSINESS_CODE });

    const left = await t.call('POST', `/api/people/${CLERK}/deactivate`, {
      as: 'zz-admin',
      body: { reason: '离职' },
    });
    expect(left.status).toBe(200);
    for (const a of [business, food]) {
      expect(await authorisation(a.authorisationId)).toMatchObject({ status: 'active', granteeId: CLERK });
      expect(await audits('seal_use.authorisation_handover', a.authorisationId)).toEqual([
        expect.objectContaining({ actorUsername: 'zz-admin' }),
      ]);
      expect(await audits('seal_use.authorisation_revoke', a.authorisationId)).toEqual([]);
    }
    const open = await t.em().fork().find(SealUseHandover, { leavingUserId: CLERK, status: 'pending' });
    expect(open.map((h) => h.authorisationId).sort()).toEqual(
      [business.authorisationId, food.authorisationId].sort(),
    );
    const byAuthorisation = new Map(open.map((h) => [h.authorisationId, h.id]));

    // Issuance does not stop while the leader has not decided.
    await issueLicence(t, businessLicenceBody());
    expect(
      await t.em().fork().count(SealSignatureRecord, { authorisationId: business.authorisationId }),
    ).toBeGreaterThan(0);

    // The decisions are the unit leader's 待办 tasks, nobody else's.
    const tasks = await handoverTasks('zz-amr-leader');
    expect(tasks.map((x) => x.processId).sort()).toEqual([...byAuthorisation.values()].sort());
    expect(tasks[0]).toMatchObject({ kindLabel: '离岗人员用印授权处理' });
    expect(tasks[0].url).toBe(`/seal-use-handovers/${encodeURIComponent(tasks[0].processId)}`);
    expect(tasks[0].title).toMatch(/^张丽已停用，其.+证照签发用印授权待决定保留或撤销$/);
    expect(await handoverTasks('zz-amr-deputy')).toEqual([]);

    const decide = (as: string, id: string, body: Record<string, unknown>) =>
      t.call('POST', `/api/seal-use-handovers/${id}/decision`, { as, body });
    const businessHandover = byAuthorisation.get(business.authorisationId)!;
    const foodHandover = byAuthorisation.get(food.authorisationId)!;
    expect((await decide('zz-admin', businessHandover, { decision: 'keep' })).status).toBe(403);
    expect(
      (await decide('zz-amr-deputy', businessHandover, { decision: 'revoke', comment: '不再需要' })).status,
    ).toBe(403);
    // A revocation without a reason is refused at the edge, naming the field.
    const reasonless = await decide('zz-amr-leader', businessHandover, { decision: 'revoke' });
    expect(reasonless.status).toBe(400);
    expect(reasonless.body.error.details).toEqual([expect.objectContaining({ field: 'comment' })]);
    const outsider = await decide('zz-amr-leader', businessHandover, {
      decision: 'keep',
      grantee: 'zz-admin',
    });
    expect(outsider.status).toBe(400);
    expect(outsider.body.error.details).toEqual([expect.objectContaining({ field: 'grantee' })]);
    expect(await authorisation(business.authorisationId)).toMatchObject({
      status: 'active',
      granteeId: CLERK,
    });

    const kept = await decide('zz-amr-leader', businessHandover, {
      decision: 'keep',
      grantee: 'zz-amr-deputy',
    });
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({
      status: 'kept',
      granteeId: 'user-zz-amr-deputy',
      authorisationStatus: 'active',
    });
    const revoked = await decide('zz-amr-leader', foodHandover, {
      decision: 'revoke',
      comment: '改由他人申请',
    });
    expect(revoked.status).toBe(200);
    expect((await authorisation(food.authorisationId)).status).toBe('revoked');
    expect((await decide('zz-amr-leader', foodHandover, { decision: 'keep' })).status).toBe(409);
    expect(await audits('seal_use.authorisation_keep', business.authorisationId)).toEqual([
      expect.objectContaining({ actorUsername: 'zz-amr-leader' }),
    ]);
    expect(await audits('seal_use.authorisation_revoke', food.authorisationId)).toEqual([
      expect.objectContaining({ actorUsername: 'zz-amr-leader' }),
    ]);
    expect(await handoverTasks('zz-amr-leader')).toEqual([]);

    // The kept authorisation now signs in the named person's name.
    const { licence } = await issueLicence(t, businessLicenceBody());
    const signatures = await t
      .em()
      .fork()
      .find(
        SealSignatureRecord,
        { authorisationId: business.authorisationId },
        { orderBy: { createdAt: 'desc' } },
      );
    expect(signatures[0].signerUserId).toBe('user-zz-amr-deputy');
    expect(licence).toBeTruthy();
  });
});

describe('the unit leader’s page and deadline for a handed-over authorisation', () => {
  const DEPUTY = 'user-zz-amr-deputy';
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
  const post = (as: string, id: string, fields: Record<string, string>) =>
    t.call('POST', `/seal-use-handovers/${encodeURIComponent(id)}/decision`, {
      as,
      headers: formHeaders,
      body: new URLSearchParams(fields).toString(),
    });
  const page = (as: string, path: string) => t.call('GET', path, { as });
  const handover = (id: string) =>
    t.em().fork().findOneOrFail(SealUseHandover, { id }, { disableIdentityMap: true });

  it('shows the task with its deadline, reminds and escalates at it, and is decided on the page', async () => {
    const food = await grantLicenceSealUse(t, { typeCode: FOOD_BUSINESS_CODE, requester: 'zz-amr-deputy' });
    const business = await grantLicenceSealUse(t, {
      typeCode: BUSINESS_LICENCE_CODE,
      requester: 'zz-amr-deputy',
    });
    const left = await t.call('POST', `/api/people/${DEPUTY}/deactivate`, {
      as: 'zz-admin',
      body: { reason: '调任' },
    });
    expect(left.status).toBe(200);
    const rows = await t.em().fork().find(SealUseHandover, { leavingUserId: DEPUTY, status: 'pending' });
    const keepRow = rows.find((r) => r.authorisationId === food.authorisationId)!;
    const revokeRow = rows.find((r) => r.authorisationId === business.authorisationId)!;
    expect(keepRow && revokeRow).toBeTruthy();

    // The deadline: 3 working days of the domain calendar from the change, as the inbox and the page show it.
    const calendar = await loadWorkingCalendar(t.em().fork());
    const due = sealUseHandoverDeadline(calendar, keepRow.createdAt);
    expect(keepRow.dueAt!.toISOString()).toBe(due.dueAt);
    const inbox = await t.call('GET', '/api/tasks?box=pending&kind=seal_use_handover', {
      as: 'zz-amr-leader',
    });
    const task = inbox.body.items.find((i: { processId: string }) => i.processId === keepRow.id);
    expect(task).toMatchObject({ dueAt: due.dueAt, overdue: false });
    expect(task.timeLeftMs).toBeGreaterThan(0);
    const keepUrl = `/seal-use-handovers/${encodeURIComponent(keepRow.id)}`;
    const tasksPage = await page('zz-amr-leader', '/tasks');
    expect(tasksPage.body).toContain(`href="${keepUrl}"`);
    expect(tasksPage.body).toContain(deadlineText(due.dueAt));

    // The page: what is handed over, that it stays usable, and only eligible people to choose.
    const shown = await page('zz-amr-leader', keepUrl);
    expect(shown.status).toBe(200);
    for (const text of [
      '马红已停用',
      '食品经营许可证',
      '1000 / 1000',
      '仍可用于平台签发证照',
      deadlineText(due.dueAt),
    ]) {
      expect(shown.body).toContain(text);
    }
    expect(shown.body).toMatch(/<option value="zz-amr-leader"\s*>郭志强<\/option>/);
    expect(shown.body).not.toContain('value="zz-amr-issuer"');
    expect(shown.body).not.toContain('value="zz-amr-deputy"');
    expect(shown.body).not.toMatch(/undefined|\bnull\b|NaN|\[object Object\]/);
    expect((await page('zz-amr-issuer', keepUrl)).status).toBe(403);
    expect((await page('zz-admin', keepUrl)).status).toBe(403);

    // The deadline workflow on the time-skipping server: the engine's reminder on the morning of the last working
    // day, then at the deadline the overdue reminder to the leader and the supervisors; still usable, still open.
    const { env, taskQueue } = rig;
    const remindedRun = await env.client.workflow.start('sealUseHandoverWorkflow', {
      taskQueue,
      workflowId: sealUseHandoverWorkflowId(revokeRow.id),
      args: [{ handoverId: revokeRow.id, dueAt: revokeRow.dueAt!.toISOString() }],
    });
    const notices = (stage: string) =>
      t
        .em()
        .fork()
        .find(InAppNotice, { id: { $like: `seal-use-handover-${stage}:${revokeRow.id}:%` } });
    await env.sleep(
      Math.max(1, revokeRow.dueAt!.getTime() - 15 * 3600_000 - (await env.currentTimeMs())) + 60_000,
    );
    await t.mailbox.waitFor(
      (m) => m.to.includes('zz-amr-leader@jincheng.example') && m.subject.includes('待办任务办理时限提醒'),
    );
    for (let i = 0; (await notices('before')).length === 0 && i < 100; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await notices('before')).map((n) => n.userId)).toEqual(['user-zz-amr-leader']);
    expect(await notices('overdue')).toEqual([]);
    expect(await remindedRun.result()).toBe(false);
    const supervisors = (await supervisorsOver(t.em().fork(), 'zz-amr')).map((u) => u.userId);
    expect(supervisors.length).toBeGreaterThan(0);
    expect((await notices('overdue')).map((n) => n.userId).sort()).toEqual(
      ['user-zz-amr-leader', ...supervisors].sort(),
    );
    await t.mailbox.waitFor(
      (m) => m.to.includes('zz-amr-leader@jincheng.example') && m.subject.includes('已超过办理时限'),
    );
    expect(await audits('seal_use.handover_overdue', business.authorisationId)).toHaveLength(1);
    expect((await handover(revokeRow.id)).status).toBe('pending');
    expect(await authorisation(business.authorisationId)).toMatchObject({
      status: 'active',
      granteeId: DEPUTY,
    });
    // A decision in time ends the workflow without a reminder.
    const decidedRun = await env.client.workflow.start('sealUseHandoverWorkflow', {
      taskQueue,
      workflowId: sealUseHandoverWorkflowId(keepRow.id),
      args: [{ handoverId: keepRow.id, dueAt: keepRow.dueAt!.toISOString() }],
    });
    await decidedRun.signal(sealUseHandoverDecidedSignal);
    expect(await decidedRun.result()).toBe(true);

    // Bad input shows the reason on the page and changes nothing; someone else is refused.
    const notEligible = await post('zz-amr-leader', keepRow.id, {
      decision: 'keep',
      grantee: 'zz-amr-issuer',
    });
    expect(notEligible.status).toBe(400);
    expect(notEligible.body).toContain('授权人应为本单位在岗的印章申请人或单位负责人');
    expect(notEligible.body).toMatch(/<dialog class="action" id="handover-keep"[^>]*open>/);
    const noReason = await post('zz-amr-leader', revokeRow.id, { decision: 'revoke', comment: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toContain('撤销授权须写明理由');
    expect(
      (await post('zz-amr-issuer', keepRow.id, { decision: 'keep', grantee: 'zz-amr-leader' })).status,
    ).toBe(403);
    for (const [row, a] of [
      [keepRow, food],
      [revokeRow, business],
    ] as const) {
      expect((await handover(row.id)).status).toBe('pending');
      expect(await authorisation(a.authorisationId)).toMatchObject({ status: 'active', granteeId: DEPUTY });
    }
    expect(await audits('seal_use.authorisation_keep', food.authorisationId)).toEqual([]);

    // Kept for the chosen person: 303 back with the message, the decision read-only, and it signs in their name.
    const kept = await post('zz-amr-leader', keepRow.id, { decision: 'keep', grantee: 'zz-amr-leader' });
    expect(kept.status).toBe(303);
    expect(kept.headers.get('location')).toBe(`${keepUrl}?done=kept`);
    const keptPage = await page('zz-amr-leader', kept.headers.get('location')!);
    expect(keptPage.body).toContain('已保留授权，授权人已变更。');
    expect(keptPage.body).toContain('保留授权，交由郭志强使用');
    expect(keptPage.body).not.toContain('id="handover-keep"');
    expect(await authorisation(food.authorisationId)).toMatchObject({
      status: 'active',
      granteeId: 'user-zz-amr-leader',
    });
    await issueLicence(t, foodBusinessBody());
    const [signed] = await t
      .em()
      .fork()
      .find(
        SealSignatureRecord,
        { authorisationId: food.authorisationId },
        { orderBy: { createdAt: 'desc' } },
      );
    expect(signed?.signerUserId).toBe('user-zz-amr-leader');

    // The other revoked through the form, with its reason shown.
    const revoked = await post('zz-amr-leader', revokeRow.id, {
      decision: 'revoke',
      comment: '已另行安排人员申请',
    });
    expect(revoked.status).toBe(303);
    expect((await authorisation(business.authorisationId)).status).toBe('revoked');
    const revokedPage = await page('zz-amr-leader', revoked.headers.get('location')!);
    expect(revokedPage.body).toContain('已撤销授权。');
    expect(revokedPage.body).toContain('已另行安排人员申请');
    expect(await audits('seal_use.authorisation_revoke', business.authorisationId)).toEqual([
      expect.objectContaining({ actorUsername: 'zz-amr-leader' }),
    ]);
  });
});
