/**
 * Issue 12 Build 6 (LM-8) against the real Temporal server, PostgreSQL and an HTTP receiver standing in for the
 * data-exchange platform: messages stored while no endpoint is configured (an issuance and a lifecycle event) are
 * delivered, once each, when the platform starts with one; the day's reconciliation lists them with the digest of
 * exactly the body sent; a resend over a range delivers each again with its original idempotency key; both are
 * for the management unit only.
 */
import { createHash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { ExchangeOutbox, Licence } from '../../db/licence-entities';
import { shanghaiDateOf } from '../../domain/calendar';
import { licenceExport } from '../../pki/licence-document';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  ExchangeReceiver,
  grantLicenceSealUse,
  issueLicence,
  startExchangeReceiver,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let receiver: ExchangeReceiver;
let first: TestPlatform | undefined;
let t: TestPlatform;
let licenceId: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  receiver = await startExchangeReceiver();
  first = await startTestPlatform();
});
afterAll(async () => {
  await first?.stop();
  await t?.stop();
  await receiver?.close();
});

it('issue 12 Build 6: messages stored while no endpoint is set are delivered, once each, when one is set', async () => {
  const p = first!;
  await grantLicenceSealUse(p, { typeCode: BUSINESS_LICENCE_CODE });
  const { licence } = await issueLicence(p, businessLicenceBody());
  const event = await p.call('POST', `/api/licenses/${licence.identifier}/events`, {
    as: 'zz-amr-system',
    body: {
      caseId: `EV-${randomUUID()}`,
      kind: 'pledge',
      pledgee: '晋城银行',
      legalBasis: '《民法典》',
      reason: '贷款质押',
    },
  });
  expect(event.status).toBe(201);
  licenceId = (await p.em().findOneOrFail(Licence, { identifier: licence.identifier })).id;
  const pending = await p.em().find(ExchangeOutbox, { licenceId }, { disableIdentityMap: true });
  expect(pending.map((m) => m.status)).toEqual(['pending', 'pending']);
  expect(receiver.attempts).toHaveLength(0);

  // The platform restarts with the endpoint configured.
  const databaseName = p.databaseName;
  await p.stop();
  first = undefined;
  t = await startTestPlatform({ existingDatabase: databaseName, exchangeEndpointUrl: receiver.url });
  for (let i = 0; i < 300; i++) {
    const left = await t.em().count(ExchangeOutbox, { licenceId, status: 'pending' });
    if (left === 0) break;
    await sleep(100);
  }
  for (const m of pending) {
    const got = receiver.attemptsOf(m.id);
    expect(got).toHaveLength(1);
    expect(got[0]!.body).toMatchObject({ messageId: m.id, event: m.event });
  }
  expect(
    receiver
      .deliveries()
      .map((d) => d.body.event)
      .sort(),
  ).toEqual(['licence.issued', 'licence.lifecycle.pledge']);
  // Issue 19: an issued licence's message stores no payload; what is pushed is its export, built from its row.
  const issued = pending.find((m) => m.event === 'licence.issued')!;
  expect(issued.payload).toBeNull();
  const row = await t.em().findOneOrFail(Licence, { id: licenceId }, { disableIdentityMap: true });
  const { event: _event, messageId: _id, ...pushed } = receiver.attemptsOf(issued.id)[0]!.body;
  expect(pushed).toEqual(licenceExport(row));
});

it('issue 12 Build 6: the reconciliation lists the day with digests; resend delivers each again with its original key', async () => {
  const today = shanghaiDateOf(new Date());
  const denied = await t.call('GET', `/api/exchange/reconciliation?date=${today}`, { as: 'zz-amr-issuer' });
  expect(denied.status).toBe(403);
  const bad = await t.call('GET', '/api/exchange/reconciliation?date=2026-13-01', { as: 'jc-admin' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0].field).toBe('date');

  const rec = await t.call('GET', `/api/exchange/reconciliation?date=${today}`, { as: 'jc-admin' });
  expect(rec.status).toBe(200);
  const mine = (rec.body.items as Array<{ messageId: string; digest: string; licenceId: string }>).filter(
    (i) => i.licenceId === licenceId,
  );
  expect(mine).toHaveLength(2);
  for (const item of mine) {
    const sent = receiver.attemptsOf(item.messageId)[0]!;
    expect(item.digest).toBe(createHash('sha256').update(JSON.stringify(sent.body), 'utf8').digest('hex'));
  }
  expect(rec.body.count).toBe(rec.body.items.length);
  expect(rec.body.digest).toMatch(/^[0-9a-f]{64}$/);

  const before = receiver.deliveries().length;
  const rows = await t.em().find(ExchangeOutbox, { status: 'delivered' }, { disableIdentityMap: true });
  const from = new Date(Math.min(...rows.map((r) => r.createdAt.getTime()))).toISOString();
  const to = new Date(Math.max(...rows.map((r) => r.createdAt.getTime())) + 1).toISOString();
  const wrong = await t.call('POST', '/api/exchange/resend', {
    as: 'jc-admin',
    body: { from: to, to: from },
  });
  expect(wrong.status).toBe(400);
  expect(wrong.body.error.details[0].field).toBe('to');
  const res = await t.call('POST', '/api/exchange/resend', { as: 'jc-admin', body: { from, to } });
  expect(res.status).toBe(202);
  expect(res.body.count).toBe(rows.length);
  await receiver.waitForDeliveries(before + rows.length);
  for (const row of rows) {
    const got = receiver.attemptsOf(row.id).filter((a) => a.status === 200);
    expect(got).toHaveLength(2);
    expect(got[1]!.body).toEqual(got[0]!.body);
    expect(got[1]!.idempotencyKey).toBe(row.id);
  }
});

it('issue 19 Build 3: two messages of one licence written in the same instant are pushed in the order written', async () => {
  // Written in one transaction with one created_at; the second's id sorts first, so only the order of writing
  // (exchange_outbox.seq) can put the first one first.
  const at = new Date();
  const firstId = `ffffffff-${randomUUID().slice(9)}`;
  const secondId = `00000000-${randomUUID().slice(9)}`;
  await t
    .em()
    .getConnection()
    .execute(
      `insert into exchange_outbox (id, licence_id, event, payload, status, attempts, created_at)
       values (?, ?, 'licence.lifecycle.order-1', '{"order": 1}'::jsonb, 'pending', 0, ?),
              (?, ?, 'licence.lifecycle.order-2', '{"order": 2}'::jsonb, 'pending', 0, ?)`,
      [firstId, licenceId, at, secondId, licenceId, at],
    );
  for (let i = 0; i < 300; i++) {
    const left = await t.em().count(ExchangeOutbox, { id: { $in: [firstId, secondId] }, status: 'pending' });
    if (left === 0) break;
    await sleep(100);
  }
  const order = receiver
    .deliveries()
    .map((d) => d.idempotencyKey)
    .filter((k) => k === firstId || k === secondId);
  expect(order).toEqual([firstId, secondId]);
});
