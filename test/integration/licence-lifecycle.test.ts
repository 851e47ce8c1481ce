/**
 * Issue 12 Build 1, 2 and 4 (LM-8) through the API against the real Temporal server, PostgreSQL and an HTTP
 * receiver standing in for the data-exchange platform: each lifecycle event kind is recorded, signed by the issuing
 * unit's seal (补发 and 延续 making the licence's next version) (the signature verifies with the CA alone, the licence
 * still verifies PASSED), pushed once and listed in the history; illegal transitions are 409 naming the rule; a
 * replayed case id changes nothing; 注销、撤销、吊销、 废止 wait for the unit leader's approval and, rejected, leave the licence
 * valid; the status at any moment answers right before and after each of five events (table test), and the
 * verification report states the status at signing and now.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CertificateAuthority } from '../../db/entities';
import { ExchangeOutbox, Licence, LicenceEvent } from '../../db/licence-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { canonicalEventDocument, LicenceEventDocument } from '../../domain/licence-lifecycle';
import { verifySealSignature } from '../../pki/seal-signer';
import { CA_ID } from '../../usecases/certificate-authority';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  ExchangeReceiver,
  FOOD_BUSINESS_CODE,
  foodBusinessBody,
  grantLicenceSealUse,
  issueLicence,
  startExchangeReceiver,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let receiver: ExchangeReceiver;
let caPem: string;

beforeAll(async () => {
  // Each message fails once before it is taken: delivered once all the same.
  receiver = await startExchangeReceiver({ failFirst: 1 });
  t = await startTestPlatform({ exchangeEndpointUrl: receiver.url });
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  // 食品经营许可证: a type with an end date, for 延续.
  await grantLicenceSealUse(t, { typeCode: FOOD_BUSINESS_CODE });
  caPem = (await t.em().findOneOrFail(CertificateAuthority, { id: CA_ID })).certificatePem;
});
afterAll(async () => {
  await t?.stop();
  await receiver?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A 营业执照 (permanent: no end date). */
async function newLicence(): Promise<string> {
  const { licence } = await issueLicence(t, businessLicenceBody());
  return licence.identifier as string;
}

/** A 食品经营许可证 (fixed term: it has an end date). */
async function newTermLicence(): Promise<string> {
  const { licence } = await issueLicence(t, foodBusinessBody());
  return licence.identifier as string;
}

async function licenceView(identifier: string) {
  const res = await t.call('GET', `/api/licenses/${identifier}`, { as: 'zz-amr-issuer' });
  expect(res.status).toBe(200);
  return res.body;
}

/** The day `years` years after an ISO date (derived from the licence, never from the clock). */
function yearsAfter(date: string, years: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}

type EventBody = Record<string, unknown> & { kind: string };

const basis = { legalBasis: '《中华人民共和国市场主体登记管理条例》', reason: '依申请办理' };

function post(identifier: string, body: EventBody, as = 'zz-amr-system') {
  return t.call('POST', `/api/licenses/${identifier}/events`, {
    as,
    body: { caseId: `EV-${randomUUID()}`, ...basis, ...body },
  });
}

/** Records an event that needs no approval; throws unless 201 recorded. */
async function record(identifier: string, body: EventBody) {
  const res = await post(identifier, body);
  if (res.status !== 201) throw new Error(`${body.kind}: ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.body.event.status).toBe('recorded');
  return res.body.event;
}

async function waitForEvent(eventId: string, statuses: string[]): Promise<LicenceEvent> {
  for (let i = 0; i < 300; i++) {
    const row = await t.em().findOneOrFail(LicenceEvent, { id: eventId }, { disableIdentityMap: true });
    if (statuses.includes(row.status)) return row;
    await sleep(100);
  }
  throw new Error(`event ${eventId} did not reach ${statuses.join('/')}`);
}

/** The unit leader decides the event's approval task (default licence_revocation flow: one step). */
async function decide(eventId: string, decision: 'approve' | 'reject') {
  const processKey = approvalWorkflowId('licence_revocation', eventId);
  for (let i = 0; i < 300; i++) {
    const inbox = await t.call('GET', '/api/tasks?box=pending', { as: 'zz-amr-leader' });
    const task = (inbox.body.items as Array<{ taskId: string | null; processKey: string }>).find(
      (x) => x.processKey === processKey && x.taskId,
    );
    if (task) {
      const body = decision === 'approve' ? { comment: '同意' } : { reason: '证据不足，不予办理' };
      const res = await t.call('POST', `/api/tasks/${task.taskId}/${decision}`, {
        as: 'zz-amr-leader',
        body,
      });
      expect(res.status).toBe(200);
      return;
    }
    await sleep(100);
  }
  throw new Error(`no task for ${processKey}`);
}

async function status(identifier: string, at?: string) {
  const q = at ? `?at=${encodeURIComponent(at)}` : '';
  const res = await t.call('GET', `/api/licenses/${identifier}/status${q}`, { as: 'zz-amr-issuer' });
  expect(res.status).toBe(200);
  return res.body;
}

/** The event's exchange message: delivered exactly once (one 2xx) with a signature that verifies. */
async function expectPushedOnce(eventId: string, kind: string) {
  const event = await t.em().findOneOrFail(LicenceEvent, { id: eventId }, { disableIdentityMap: true });
  const rows = await t
    .em()
    .find(
      ExchangeOutbox,
      { licenceId: event.licenceId, event: `licence.lifecycle.${kind}` },
      { disableIdentityMap: true },
    );
  expect(rows).toHaveLength(1);
  const message = rows[0]!;
  for (let i = 0; i < 300 && !receiver.attemptsOf(message.id).some((a) => a.status === 200); i++)
    await sleep(100);
  const delivered = receiver.attemptsOf(message.id).filter((a) => a.status === 200);
  expect(delivered).toHaveLength(1);
  const body = delivered[0]!.body as {
    document: LicenceEventDocument;
    signature: NonNullable<LicenceEvent['signature']>;
    event: string;
  };
  expect(body.event).toBe(`licence.lifecycle.${kind}`);
  expect(body.document).toMatchObject({ kind, caseId: event.caseId });
  // The signature covers exactly the pushed event document and verifies with the CA certificate alone.
  const hash = createHash('sha256').update(canonicalEventDocument(body.document), 'utf8').digest('hex');
  expect(body.signature.dataHash.value).toBe(hash);
  expect(verifySealSignature(body.signature, caPem).valid).toBe(true);
  expect(body.signature.purpose).toMatchObject({ purpose: 'licence.lifecycle', event: kind });
  return body as typeof body & { newVersion?: { licence: { metadata: { identifier: string } } } };
}

async function expectInHistory(identifier: string, eventId: string) {
  const res = await t.call('GET', `/api/licenses/${identifier}/events`, { as: 'zz-amr-issuer' });
  expect(res.status).toBe(200);
  const item = (res.body.items as Array<{ id: string }>).find((e) => e.id === eventId);
  expect(item).toMatchObject({
    status: 'recorded',
    legalBasis: basis.legalBasis,
    signature: expect.any(Object),
  });
}

async function verifyPasses(identifier: string) {
  const res = await t.call('POST', '/api/verify', { body: { identifier } });
  expect(res.status).toBe(200);
  expect(res.body.indication).toBe('PASSED');
  return res.body;
}

// Each kind that needs no approval, after the events that make it legal (issue 12 Build 1, LM-8).
// 补发 and 延续 make a new version (`newVersion`): the checks after the event are on it.
const DIRECT: Array<{
  kind: string;
  before: EventBody[];
  body: EventBody | ((licence: { validTo: string }) => EventBody);
  status: string;
  suspensions: string[];
  issue?: () => Promise<string>;
  newVersion?: { oldSuspensions: string[] };
}> = [
  {
    kind: 'inspection_passed',
    before: [],
    body: { kind: 'inspection_passed', nextDueDate: '2027-12-01' },
    status: 'valid',
    suspensions: [],
  },
  {
    kind: 'inspection_failed',
    before: [],
    body: { kind: 'inspection_failed', consequences: '责令限期整改' },
    status: 'valid',
    suspensions: [],
  },
  {
    kind: 'loss_reported',
    before: [],
    body: { kind: 'loss_reported' },
    status: 'suspended',
    suspensions: ['lost'],
  },
  {
    kind: 'loss_withdrawn',
    before: [{ kind: 'loss_reported' }],
    body: { kind: 'loss_withdrawn' },
    status: 'valid',
    suspensions: [],
  },
  {
    kind: 'pledge',
    before: [],
    body: { kind: 'pledge', pledgee: '晋城银行' },
    status: 'suspended',
    suspensions: ['pledged'],
  },
  {
    kind: 'pledge_release',
    before: [{ kind: 'pledge', pledgee: '晋城银行' }],
    body: { kind: 'pledge_release' },
    status: 'valid',
    suspensions: [],
  },
  {
    kind: 'withholding',
    before: [],
    body: { kind: 'withholding', authority: '泽州县市场监督管理局' },
    status: 'suspended',
    suspensions: ['withheld'],
  },
  {
    kind: 'withholding_return',
    before: [{ kind: 'withholding', authority: '泽州县市场监督管理局' }],
    body: { kind: 'withholding_return' },
    status: 'valid',
    suspensions: [],
  },
  {
    kind: 'reissue',
    before: [{ kind: 'loss_reported' }],
    body: { kind: 'reissue' },
    status: 'valid',
    suspensions: [],
    newVersion: { oldSuspensions: ['lost'] },
  },
  {
    kind: 'extension',
    before: [],
    body: ({ validTo }) => ({ kind: 'extension', validTo: yearsAfter(validTo, 5) }),
    status: 'valid',
    suspensions: [],
    issue: newTermLicence,
    newVersion: { oldSuspensions: [] },
  },
];

/**
 * 补发 and 延续 (issue 12 Build 1): the event made the licence's next version (same serial); the event's version is
 * superseded, keeps its suspensions (the lost one stays marked 挂失) and takes no further event; the pushed message
 * carries the new version's export. Returns the new identifier.
 */
async function expectNewVersion(
  identifier: string,
  event: { newIdentifier: string | null; fields: Record<string, string> },
  pushed: { newVersion?: { licence: { metadata: { identifier: string } } } },
  oldSuspensions: string[],
): Promise<string> {
  const newIdentifier = event.newIdentifier!;
  expect(newIdentifier).toEqual(expect.any(String));
  const [oldView, newView] = [await licenceView(identifier), await licenceView(newIdentifier)];
  expect(newView).toMatchObject({ version: oldView.version + 1, previousIdentifier: identifier });
  expect(newIdentifier.split('.').slice(0, 8)).toEqual(identifier.split('.').slice(0, 8));
  expect(newView.validTo).toBe(event.fields.validTo ?? oldView.validTo);
  expect(oldView.status).toBe('superseded');
  const old = await status(identifier);
  expect(old.status).toBe('superseded');
  expect(old.suspensions.map((s: { kind: string }) => s.kind)).toEqual(oldSuspensions);
  expect(pushed.newVersion?.licence.metadata.identifier).toBe(newIdentifier);
  const stale = await post(identifier, { kind: 'inspection_passed', nextDueDate: '2027-12-01' });
  expect(stale.status).toBe(409);
  expect(stale.body.error.details.rule).toBe('superseded');
  return newIdentifier;
}

it.each(DIRECT)(
  'issue 12 Build 1: $kind is recorded, signed, pushed once and in the history; the licence verifies PASSED',
  async ({ kind, before, body, status: expected, suspensions, issue, newVersion }) => {
    const identifier = await (issue ?? newLicence)();
    for (const b of before) await record(identifier, b);
    const event = await record(
      identifier,
      typeof body === 'function' ? body(await licenceView(identifier)) : body,
    );
    expect(event.signature.sealName).toBe('泽州县市场监督管理局证照专用章');
    await expectInHistory(identifier, event.id);
    const pushed = await expectPushedOnce(event.id, kind);
    const current = newVersion
      ? await expectNewVersion(identifier, event, pushed, newVersion.oldSuspensions)
      : identifier;
    const now = await status(current);
    expect(now.status).toBe(expected);
    expect(now.suspensions.map((s: { kind: string }) => s.kind)).toEqual(suspensions);
    const licence = await t.call('GET', `/api/licenses/${current}`, { as: 'zz-amr-issuer' });
    expect(licence.body.status).toBe(expected);
    const report = await verifyPasses(current);
    expect(report.lifecycle.now.status).toBe(expected);
  },
);

it.each(['cancellation', 'revocation', 'withdrawal', 'abolition'])(
  'issue 12 Build 1/2: %s waits for the unit leader, then is recorded, signed, pushed once',
  async (kind) => {
    const identifier = await newLicence();
    const res = await post(identifier, {
      kind,
      ...(kind === 'withdrawal' ? { authority: '泽州县市场监督管理局' } : {}),
    });
    expect(res.status).toBe(202);
    const eventId = res.body.event.id as string;
    await waitForEvent(eventId, ['awaiting_approval']);
    expect((await status(identifier)).status).toBe('valid');
    await decide(eventId, 'approve');
    await waitForEvent(eventId, ['recorded']);
    const ended = {
      cancellation: 'cancelled',
      revocation: 'revoked',
      withdrawal: 'withdrawn',
      abolition: 'abolished',
    }[kind];
    expect((await status(identifier)).status).toBe(ended);
    await expectInHistory(identifier, eventId);
    await expectPushedOnce(eventId, kind);
    // Still validly signed: the state is reported beside the indication, never changing it.
    const report = await verifyPasses(identifier);
    expect(report.lifecycle.now.status).toBe(ended);
    expect(report.lifecycle.atSigning.status).toBe('valid');
  },
);

it('issue 12 Build 2: a rejected revocation leaves the licence valid, and nothing is signed or pushed', async () => {
  const identifier = await newLicence();
  const res = await post(identifier, { kind: 'revocation' });
  expect(res.status).toBe(202);
  const eventId = res.body.event.id as string;
  await waitForEvent(eventId, ['awaiting_approval']);
  await decide(eventId, 'reject');
  const row = await waitForEvent(eventId, ['rejected']);
  expect(row.signature).toBeNull();
  expect((await status(identifier)).status).toBe('valid');
  expect(
    await t.em().count(ExchangeOutbox, { licenceId: row.licenceId, event: 'licence.lifecycle.revocation' }),
  ).toBe(0);
  // And the licence takes further events.
  await record(identifier, { kind: 'pledge', pledgee: '晋城银行' });
});

it('issue 12 Build 1: illegal transitions are 409 naming the rule; bad input 400 naming the field', async () => {
  const identifier = await newLicence();
  const release = await post(identifier, { kind: 'pledge_release' });
  expect(release.status).toBe(409);
  expect(release.body.error.details.rule).toBe('not_pledged');
  expect(release.body.error.message).toContain('质押');

  await record(identifier, { kind: 'pledge', pledgee: '晋城银行' });
  const twice = await post(identifier, { kind: 'pledge', pledgee: '另一银行' });
  expect(twice.status).toBe(409);
  expect(twice.body.error.details.rule).toBe('already_pledged');
  const returned = await post(identifier, { kind: 'withholding_return' });
  expect(returned.status).toBe(409);
  expect(returned.body.error.details.rule).toBe('not_withheld');

  const noPledgee = await post(identifier, { kind: 'pledge' });
  expect(noPledgee.status).toBe(400);
  expect(noPledgee.body.error.details).toEqual([
    expect.objectContaining({ field: 'pledgee', rule: 'required' }),
  ]);
  const expiry = await post(identifier, { kind: 'expiry' });
  expect(expiry.status).toBe(400);
  expect(expiry.body.error.details[0]).toMatchObject({ field: 'kind', rule: 'platform_only' });

  // 补发 only under 挂失; 延续 never of a permanent licence, only to a later end date, and names it.
  const reissue = await post(identifier, { kind: 'reissue' });
  expect(reissue.status).toBe(409);
  expect(reissue.body.error.details.rule).toBe('not_lost');
  expect(reissue.body.error.message).toContain('挂失');
  const permanent = await post(identifier, { kind: 'extension', validTo: '2099-12-31' });
  expect(permanent.status).toBe(409);
  expect(permanent.body.error.details.rule).toBe('permanent_licence');
  expect(permanent.body.error.message).toContain('长期有效');
  const noEnd = await post(identifier, { kind: 'extension' });
  expect(noEnd.status).toBe(400);
  expect(noEnd.body.error.details).toEqual([expect.objectContaining({ field: 'validTo', rule: 'required' })]);
  const term = await newTermLicence();
  const { validTo } = await licenceView(term);
  for (const earlier of [validTo, yearsAfter(validTo, -1)]) {
    const res = await post(term, { kind: 'extension', validTo: earlier });
    expect(res.status).toBe(409);
    expect(res.body.error.details.rule).toBe('not_later_than_current_end');
  }

  // Any event on a revoked licence.
  const revoke = await post(identifier, { kind: 'revocation' });
  await waitForEvent(revoke.body.event.id, ['awaiting_approval']);
  const during = await post(identifier, { kind: 'inspection_passed', nextDueDate: '2027-12-01' });
  expect(during.status).toBe(409);
  expect(during.body.error.details.rule).toBe('event_in_progress');
  await decide(revoke.body.event.id, 'approve');
  await waitForEvent(revoke.body.event.id, ['recorded']);
  for (const body of [
    { kind: 'pledge_release' },
    { kind: 'inspection_passed', nextDueDate: '2027-12-01' },
    { kind: 'cancellation' },
  ]) {
    const res = await post(identifier, body);
    expect(res.status).toBe(409);
    expect(res.body.error.details.rule).toBe('licence_not_in_force');
    expect(res.body.error.message).toContain('撤销');
  }

  // Only the issuing unit's issuing roles.
  const other = await post(identifier, { kind: 'pledge', pledgee: 'x' }, 'zz-amr-clerk');
  expect(other.status).toBe(403);
});

it('issue 12 Build 1: a replayed case id changes nothing; the same case id with other content is 409', async () => {
  const identifier = await newLicence();
  const body = { caseId: `EV-${randomUUID()}`, ...basis, kind: 'pledge', pledgee: '晋城银行' };
  const first = await t.call('POST', `/api/licenses/${identifier}/events`, { as: 'zz-amr-system', body });
  expect(first.status).toBe(201);
  const count = async () => ({
    events: await t.em().count(LicenceEvent, {}),
    outbox: await t.em().count(ExchangeOutbox, {}),
    signatures: Number(
      (await t.em().getConnection().execute(`select count(*) as n from seal_signature`))[0].n,
    ),
  });
  const before = await count();
  const again = await t.call('POST', `/api/licenses/${identifier}/events`, { as: 'zz-amr-system', body });
  expect(again.status).toBe(200);
  expect(again.body.event.id).toBe(first.body.event.id);
  expect(await count()).toEqual(before);
  const other = await t.call('POST', `/api/licenses/${identifier}/events`, {
    as: 'zz-amr-system',
    body: { ...body, pledgee: '另一银行' },
  });
  expect(other.status).toBe(409);
  expect(other.body.error.details.rule).toBe('case_id_reused');
  expect(await count()).toEqual(before);
});

it('issue 12 Build 1: a replayed 补发 case id makes no second version, signature or message', async () => {
  const identifier = await newLicence();
  await record(identifier, { kind: 'loss_reported' });
  const body = { caseId: `EV-${randomUUID()}`, ...basis, kind: 'reissue' };
  const first = await t.call('POST', `/api/licenses/${identifier}/events`, { as: 'zz-amr-system', body });
  expect(first.status).toBe(201);
  const count = async () => ({
    licences: await t.em().count(Licence, {}),
    outbox: await t.em().count(ExchangeOutbox, {}),
    signatures: Number(
      (await t.em().getConnection().execute(`select count(*) as n from seal_signature`))[0].n,
    ),
  });
  const before = await count();
  const again = await t.call('POST', `/api/licenses/${identifier}/events`, { as: 'zz-amr-system', body });
  expect(again.status).toBe(200);
  expect(again.body.event).toMatchObject({
    id: first.body.event.id,
    newIdentifier: first.body.event.newIdentifier,
  });
  expect(await count()).toEqual(before);
});

it('issue 12 Build 4: status?at= answers right before and after each of five events; the report states signing and now', async () => {
  const identifier = await newLicence();
  const issued = await status(identifier);
  const steps: Array<{ body: EventBody; after: string; suspensions: string[] }> = [
    { body: { kind: 'inspection_passed', nextDueDate: '2027-12-01' }, after: 'valid', suspensions: [] },
    { body: { kind: 'pledge', pledgee: '晋城银行' }, after: 'suspended', suspensions: ['pledged'] },
    {
      body: { kind: 'withholding', authority: '泽州县市场监督管理局' },
      after: 'suspended',
      suspensions: ['pledged', 'withheld'],
    },
    { body: { kind: 'pledge_release' }, after: 'suspended', suspensions: ['withheld'] },
    { body: { kind: 'withholding_return' }, after: 'valid', suspensions: [] },
  ];
  const recorded: Array<{ effectiveAt: string }> = [];
  for (const s of steps) recorded.push(await record(identifier, s.body));

  const before = (iso: string) => new Date(Date.parse(iso) - 1).toISOString();
  expect((await status(identifier, before(issued.since))).status).toBe('not_issued');
  const table = steps.flatMap((s, i) => [
    {
      at: before(recorded[i]!.effectiveAt),
      status: i === 0 ? 'valid' : steps[i - 1]!.after,
      suspensions: i === 0 ? [] : steps[i - 1]!.suspensions,
    },
    { at: recorded[i]!.effectiveAt, status: s.after, suspensions: s.suspensions },
  ]);
  for (const row of table) {
    const answer = await status(identifier, row.at);
    expect({
      at: row.at,
      status: answer.status,
      suspensions: answer.suspensions.map((x: { kind: string }) => x.kind),
    }).toEqual(row);
  }
  const pledged = await status(identifier, recorded[1]!.effectiveAt);
  expect(pledged.since).toBe(recorded[1]!.effectiveAt);
  expect(pledged.suspensions[0]).toMatchObject({
    kind: 'pledged',
    since: recorded[1]!.effectiveAt,
    reason: basis.reason,
  });

  const report = await t.call('POST', '/api/verify', { body: { identifier, at: recorded[2]!.effectiveAt } });
  expect(report.status).toBe(200);
  expect(report.body.indication).toBe('PASSED');
  expect(report.body.lifecycle.atSigning.status).toBe('valid');
  expect(report.body.lifecycle.now.status).toBe('valid');
  expect(report.body.lifecycle.at.status).toBe('suspended');
  expect(report.body.lifecycle.at.suspensionLabels).toEqual(['质押', '暂扣']);

  const bad = await t.call('GET', `/api/licenses/${identifier}/status?at=yesterday`, { as: 'zz-amr-issuer' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0].field).toBe('at');
});
