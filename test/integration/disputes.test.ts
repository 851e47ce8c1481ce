/**
 * Disputes over a licence (issue 13, LM-23) through the API on real services: the holder, a using unit's verifier
 * and an anonymous person raise one and get a receipt with both working-day deadlines (the same as
 * /api/calendar/deadline answers); bad input is a 4xx naming the problem with nothing stored; a flood from one
 * address is throttled. The issuing unit's designated staff mark it and answer with a correction: the new version
 * is linked and the challenger's e-mail names it.
 */
import { Dispute, DisputeEvent } from '../../db/dispute-entities';
import { AuditEvent } from '../../db/entities';
import { DEMO_ENTERPRISE_USCC } from '../../seed/demo-licensing';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  changeBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

const FLOOD_LIMIT = 16;
let t: TestPlatform;
let body: ReturnType<typeof businessLicenceBody>;
let licence: { identifier: string };

beforeAll(async () => {
  t = await startTestPlatform({ env: { RATE_LIMIT_DISPUTES_PER_HOUR: String(FLOOD_LIMIT) } });
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  body = businessLicenceBody({ holder: { name: '晋城市兴晋煤业有限公司', code: DEMO_ENTERPRISE_USCC } });
  licence = (await issueLicence(t, body)).licence;
});
afterAll(async () => {
  await t?.stop();
});

const challenge = { ground: 'accuracy', items: ['住所'], description: '住所已迁至泽州县金村镇，证照未更新' };
const raise = (as: string | undefined, payload: unknown, identifier = licence.identifier) =>
  t.call('POST', `/api/licenses/${identifier}/disputes`, { as, body: payload });
const count = () => t.em().fork().count(Dispute, {});

async function deadline(from: string, workingDays: number) {
  const res = await t.call(
    'GET',
    `/api/calendar/deadline?from=${encodeURIComponent(from)}&workingDays=${workingDays}`,
  );
  expect(res.status).toBe(200);
  return res.body;
}

let holderDispute: string;

/** The DISPUTE check of the public verification report by identifier, beside an unchanged indication. */
async function disputeCheck(identifier: string) {
  const report = await t.call('POST', '/api/verify', { body: { identifier } });
  expect(report.status).toBe(200);
  return report.body.checks.find((c: { id: string }) => c.id === 'DISPUTE');
}

describe('LM-23 raising a dispute', () => {
  it('the holder raises one and gets a receipt with the 1- and 5-working-day deadlines of the calendar', async () => {
    const res = await raise('holder-xingjin', challenge);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ licenceIdentifier: licence.identifier, status: 'received' });
    expect(res.body.markerDeadline).toEqual(await deadline(res.body.receivedAt, 1));
    expect(res.body.outcomeDeadline).toEqual(await deadline(res.body.receivedAt, 5));
    holderDispute = res.body.id;
    const row = await t.em().fork().findOneOrFail(Dispute, { id: holderDispute });
    expect(row).toMatchObject({
      challengerKind: 'holder',
      items: ['住所'],
      workflowId: `dispute-${holderDispute}`,
    });
    const receipt = await t.mailbox.waitFor(
      (m) => m.to.includes('holder-xingjin@jincheng.example') && m.subject.includes('已受理'),
    );
    expect(receipt.text).toContain(licence.identifier);
  });

  it('a using unit’s verifier (the type on its usage list) and an anonymous person raise one too, audited', async () => {
    const verifier = await raise('jc-hrss-verifier', { ...challenge, ground: 'timeliness' });
    expect(verifier.status).toBe(201);
    const anonymous = await raise(undefined, {
      ...challenge,
      items: ['经营范围', '住所'],
      contact: { name: '王五', email: 'wangwu@example.com' },
    });
    expect(anonymous.status).toBe(201);
    const rows = await t
      .em()
      .fork()
      .find(Dispute, { id: { $in: [verifier.body.id, anonymous.body.id] } });
    expect(rows.map((r) => r.challengerKind).sort()).toEqual(['public', 'using_unit']);
    const audit = await t
      .em()
      .fork()
      .find(AuditEvent, { action: 'dispute.raise', targetId: anonymous.body.id });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorUsername).toBe('anonymous');
  });

  it('bad input is a 4xx naming the problem, and nothing is stored', async () => {
    const before = await count();
    const cases: Array<[string | undefined, unknown, string | undefined, number, string]> = [
      ['holder-xingjin', { ...challenge, items: [] }, undefined, 400, 'items'],
      ['holder-xingjin', { ...challenge, items: ['颜色'] }, undefined, 400, 'items'],
      ['holder-xingjin', { ...challenge, ground: 'mood' }, undefined, 400, 'ground'],
      [undefined, challenge, undefined, 400, 'contact'],
      [undefined, { ...challenge, contact: { name: '王五' } }, undefined, 400, 'contact.phone'],
      ['holder-xingjin', challenge, '1.2.156.3005.2.NOSUCHLICENCE', 404, ''],
    ];
    for (const [as, payload, identifier, status, field] of cases) {
      const res = await raise(as, payload, identifier);
      expect([field, res.status]).toEqual([field, status]);
      if (field) expect(res.body.error.details).toEqual([expect.objectContaining({ field })]);
    }
    const unknown = await raise('holder-xingjin', { ...challenge, items: ['颜色'] });
    expect(unknown.body.error.details[0].message).toContain('颜色');
    // The issuing unit corrects its own licences; it does not challenge them.
    expect((await raise('zz-amr-issuer', challenge)).status).toBe(403);
    expect(await count()).toBe(before);
  });

  it('an oversized attachment is refused (400 max_size) before any dispute exists; another user’s attachment is a 400', async () => {
    const before = await count();
    const form = new FormData();
    form.append(
      'file',
      new Blob([Buffer.alloc(10 * 1024 * 1024 + 1, 0x41)], { type: 'text/plain' }),
      '证明.txt',
    );
    const upload = await fetch(`${t.url}/api/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.token('holder-xingjin')}` },
      body: form,
    });
    expect(upload.status).toBe(400);
    const refusal = (await upload.json()) as { error: { details: Array<{ field: string; rule: string }> } };
    expect(refusal.error.details).toEqual([expect.objectContaining({ field: 'file', rule: 'max_size' })]);
    const foreign = await raise('holder-xingjin', {
      ...challenge,
      attachments: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details[0].field).toBe('attachments.0');
    expect(await count()).toBe(before);
  });
});

describe('LM-23 deciding a dispute', () => {
  it('only the issuing unit’s dispute staff decide; the marker, then a correction linked to the new version', async () => {
    expect(
      (await t.call('POST', `/api/disputes/${holderDispute}/mark`, { as: 'zz-amr-issuer', body: {} })).status,
    ).toBe(403);
    const marked = await t.call('POST', `/api/disputes/${holderDispute}/mark`, {
      as: 'zz-amr-disputes',
      body: {},
    });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ status: 'marked', markedBy: 'unit' });
    const open = await disputeCheck(licence.identifier);
    expect(open).toMatchObject({ passed: false, detail: expect.stringContaining('有异议·核查中') });
    const again = await t.call('POST', `/api/disputes/${holderDispute}/mark`, {
      as: 'zz-amr-disputes',
      body: {},
    });
    expect(again.status).toBe(409);

    // A correcting answer must name a newer version of the same licence.
    const unlinked = await t.call('POST', `/api/disputes/${holderDispute}/answer`, {
      as: 'zz-amr-disputes',
      body: { outcome: 'corrected', reasons: '已更正住所', newIdentifier: licence.identifier },
    });
    expect(unlinked.status).toBe(400);
    expect(unlinked.body.error.details[0].field).toBe('newIdentifier');

    const change = await t.call('POST', `/api/licenses/${licence.identifier}/versions`, {
      as: 'zz-amr-system',
      body: {
        ...changeBody(body),
        reason: '异议核实后更正住所',
        data: { ...body.data, address: '泽州县金村镇' },
      },
    });
    expect(change.status).toBe(201);
    const v2 = change.body.licence.identifier as string;
    const answered = await t.call('POST', `/api/disputes/${holderDispute}/answer`, {
      as: 'zz-amr-disputes',
      body: { outcome: 'corrected', reasons: '经核实住所已变更，已更正', newIdentifier: v2 },
    });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ status: 'resolved', outcome: 'corrected', newIdentifier: v2 });
    const mail = await t.mailbox.waitFor(
      (m) => m.to.includes('holder-xingjin@jincheng.example') && m.subject.includes('已办结'),
    );
    expect(mail.text).toContain(v2);
    expect(await disputeCheck(v2)).toMatchObject({ passed: true });
    expect(await disputeCheck(licence.identifier)).toMatchObject({ passed: true });
    const view = await t.call('GET', `/api/disputes/${holderDispute}`, { as: 'holder-xingjin' });
    expect(view.body.events.map((e: { kind: string }) => e.kind)).toEqual(['marked', 'answered']);
    expect((await t.call('GET', `/api/disputes/${holderDispute}`, { as: 'gp-amr-issuer' })).status).toBe(403);
    const events = await t.em().fork().count(DisputeEvent, { disputeId: holderDispute });
    expect(events).toBe(2);
  });
});

describe('LM-24 designated staff', () => {
  it('the unit leader names a responsible person and a deputy, kept with history; supervision lists units lacking either', async () => {
    const missing = async () =>
      (await t.call('GET', '/api/supervision/designated-staff-missing', { as: 'zz-approval-supervisor' }))
        .body.items as Array<{ organisationId: string; missing: string[] }>;
    expect((await missing()).find((u) => u.organisationId === 'zz-amr')?.missing).toEqual([
      'responsible',
      'deputy',
    ]);
    const path = '/api/organisations/zz-amr/designated-staff';
    expect(
      (await t.call('PUT', path, { as: 'gp-amr-issuer', body: { responsible: 'zz-amr-issuer' } })).status,
    ).toBe(403);
    const foreign = await t.call('PUT', path, {
      as: 'zz-amr-leader',
      body: { responsible: 'gp-amr-issuer' },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details[0].field).toBe('responsible');
    // A responsible person without a deputy: still listed, for the deputy.
    const alone = await t.call('PUT', path, { as: 'zz-amr-leader', body: { responsible: 'zz-amr-issuer' } });
    expect(alone.status).toBe(200);
    expect((await missing()).find((u) => u.organisationId === 'zz-amr')?.missing).toEqual(['deputy']);
    const first = await t.call('PUT', path, {
      as: 'zz-amr-leader',
      body: { responsible: 'zz-amr-issuer', deputy: 'zz-amr-deputy' },
    });
    expect(first.status).toBe(200);
    const second = await t.call('PUT', path, {
      as: 'zz-amr-leader',
      body: { responsible: 'zz-amr-deputy', deputy: 'zz-amr-issuer' },
    });
    expect(second.body).toMatchObject({
      responsible: { username: 'zz-amr-deputy', until: null },
      deputy: { username: 'zz-amr-issuer', until: null },
    });
    expect(second.body.history).toHaveLength(5);
    expect(second.body.history.filter((h: { until: string | null }) => h.until !== null)).toHaveLength(3);
    const seen = await t.call('GET', path, { as: 'zz-approval-supervisor' });
    expect(seen.status).toBe(200);
    expect((await missing()).map((u) => u.organisationId)).not.toContain('zz-amr');
  });

  it('the designated person decides disputes where no dispute staff acts (fallback)', async () => {
    const raised = await raise('holder-xingjin', { ...challenge, items: ['经营范围'] });
    expect(raised.status).toBe(201);
    const marked = await t.call('POST', `/api/disputes/${raised.body.id}/mark`, {
      as: 'zz-amr-deputy',
      body: {},
    });
    expect(marked.status).toBe(200);
    expect(marked.body.status).toBe('marked');
    // The marker shows on the licence, in the verification report (its own check) and on the public page.
    const view = await t.call('GET', `/api/licenses/${licence.identifier}`, { as: 'holder-xingjin' });
    expect(view.body.disputeMarker).toBe('有异议·核查中');
    // …and in the export, beside the signed content, which still verifies.
    const exported = await t.call('GET', `/api/licenses/${licence.identifier}/export`, {
      as: 'holder-xingjin',
    });
    expect(exported.body.registry).toEqual({ disputeMarker: '有异议·核查中' });
    const checked = await t.call('POST', '/api/verify', { body: { document: exported.body } });
    for (const id of ['FORMAT', 'DATA_HASH', 'SIGNATURE']) {
      expect(checked.body.checks.find((c: { id: string }) => c.id === id)).toMatchObject({ passed: true });
    }
    const report = await t.call('POST', '/api/verify', { body: { identifier: licence.identifier } });
    expect(report.body.checks.find((c: { id: string }) => c.id === 'DISPUTE')).toMatchObject({
      passed: false,
    });
    const withdrawn = await t.call('POST', `/api/disputes/${raised.body.id}/withdraw`, {
      as: 'holder-xingjin',
      body: { reason: '已自行核实' },
    });
    expect(withdrawn.body.status).toBe('withdrawn');
    const after = await t.call('GET', `/api/licenses/${licence.identifier}`, { as: 'holder-xingjin' });
    expect(after.body.disputeMarker).toBeNull();
    const clean = await t.call('GET', `/api/licenses/${licence.identifier}/export`, { as: 'holder-xingjin' });
    expect(clean.body.registry).toBeUndefined();
    expect(await disputeCheck(licence.identifier)).toMatchObject({ passed: true });
  });
});

describe('LM-23 throttling', () => {
  it('a flood from one address is throttled (429) and the refused ones are not stored', async () => {
    let refused = 0;
    for (let i = 0; i < FLOOD_LIMIT + 2; i++) {
      const before = await count();
      const res = await raise(undefined, { ...challenge, contact: { name: '刷单', phone: '13800000000' } });
      if (res.status === 429) {
        refused++;
        expect(res.body.error.code).toBe('TOO_MANY_REQUESTS');
        expect(await count()).toBe(before);
      }
    }
    expect(refused).toBeGreaterThanOrEqual(2);
  });
});
