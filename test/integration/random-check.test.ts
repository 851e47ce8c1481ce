/**
 * Issue 14 Build 3 (LM-28) on a real platform (PostgreSQL, Temporal, SMTP, a real exchange receiver): the checklist
 * of a random check. The supervisor records data complete, face readable and a remark for a sampled licence; the
 * platform fills in verifies (the real verifier's indication) and pushed (the exchange outbox); each failed item
 * becomes a finding of the unit at once. Bad input is a 400 naming the field; only supervisors over the sample's
 * unit record checks.
 */
import { AuditEvent } from '../../db/entities';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  ExchangeReceiver,
  grantLicenceSealUse,
  issueLicence,
  startExchangeReceiver,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let receiver: ExchangeReceiver;
beforeAll(async () => {
  receiver = await startExchangeReceiver();
  t = await startTestPlatform({ exchangeEndpointUrl: receiver.url });
});
afterAll(async () => {
  await t?.stop();
  await receiver?.close().catch(() => undefined);
});

const sql = (query: string, params: unknown[] = []) => t.em().fork().getConnection().execute(query, params);
const checks = async () => Number((await sql(`select count(*) as n from random_check`))[0].n);

async function delivered(identifier: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const rows = await sql(
      `select o.status from exchange_outbox o join licence l on l.id = o.licence_id where l.identifier = ?`,
      [identifier],
    );
    if (rows.length > 0 && rows.every((r) => r.status === 'delivered')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`push of ${identifier} not delivered`);
}

describe('LM-28 the checklist of a random check', () => {
  it('records the checklist with verifies and pushed filled in; failed items are findings; bad input 400; others 403', async () => {
    await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
    // Licence A is pushed to the exchange; then the exchange goes away, so licence B's push stays undelivered.
    const a = (await issueLicence(t, businessLicenceBody())).licence.identifier as string;
    await delivered(a);
    await receiver.close();
    const b = (await issueLicence(t, businessLicenceBody())).licence.identifier as string;

    const sample = await t.call('POST', '/api/supervision/samples', {
      as: 'zz-approval-supervisor',
      body: { organisationId: 'zz-amr', size: 100 },
    });
    expect(sample.status).toBe(201);
    expect(sample.body.licences).toEqual(expect.arrayContaining([a, b]));
    const check = (body: unknown, as = 'zz-approval-supervisor', id = sample.body.id) =>
      t.call('POST', `/api/supervision/samples/${id}/checks`, { as, body });

    // Bad input: a 400 naming the field, in Chinese; nothing stored.
    const good = { licenceIdentifier: a, dataComplete: true, faceReadable: true };
    for (const [body, field] of [
      [{ ...good, dataComplete: 'yes' }, 'dataComplete'],
      [{ licenceIdentifier: a, dataComplete: true }, 'faceReadable'],
      [{ ...good, licenceIdentifier: '1.2.156.3005.2.NOT-SAMPLED' }, 'licenceIdentifier'],
      [{ ...good, remark: '很'.repeat(2001) }, 'remark'],
      // verifies is the platform's to fill in: sent in the body it is refused, naming it.
      [{ ...good, verifies: true }, 'verifies'],
    ] as const) {
      const res = await check(body);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].field).toBe(field);
      expect(res.body.error.details[0].message).toMatch(/[\u4e00-\u9fa5]/);
    }
    expect(await checks()).toBe(0);

    // A passes every item: verifies (PASSED) and pushed come from the platform, not from the body.
    const passed = await check({ ...good, remark: '照面清晰，数据与原件一致' });
    expect(passed.status).toBe(201);
    expect(passed.body).toMatchObject({
      sampleId: sample.body.id,
      organisationId: 'zz-amr',
      licenceIdentifier: a,
      verifies: true,
      verifyIndication: 'PASSED',
      dataComplete: true,
      faceReadable: true,
      pushed: true,
      remark: '照面清晰，数据与原件一致',
      findings: [],
      checkedBy: 'zz-approval-supervisor',
    });
    const audit = await t.em().fork().find(AuditEvent, { action: 'supervision.random_check' });
    expect(audit).toEqual([expect.objectContaining({ targetId: sample.body.id, outcome: 'success' })]);
    expect((await check(good)).status).toBe(409);

    // B: the supervisor finds its data incomplete, and the platform finds it never reached the exchange.
    const failed = await check({
      licenceIdentifier: b,
      dataComplete: false,
      faceReadable: true,
      remark: '缺少住所',
    });
    expect(failed.status).toBe(201);
    expect(failed.body).toMatchObject({ verifies: true, pushed: false, dataComplete: false });
    expect([...failed.body.findings].sort()).toEqual([
      'random_check_data_incomplete',
      'random_check_not_pushed',
    ]);
    const found = await t.call('GET', '/api/supervision/findings?organisationId=zz-amr&kind=sharing', {
      as: 'zz-approval-supervisor',
    });
    const ofB = found.body.items.filter(
      (f: { evidence: { licenceIdentifier?: string } }) => f.evidence.licenceIdentifier === b,
    );
    expect(ofB.map((f: { rule: string }) => f.rule).sort()).toEqual([
      'random_check_data_incomplete',
      'random_check_not_pushed',
    ]);
    expect(ofB[0]).toMatchObject({
      kind: 'sharing',
      state: 'new',
      evidence: expect.objectContaining({
        sampleId: sample.body.id,
        checkId: failed.body.id,
        remark: '缺少住所',
      }),
    });
    const passedFindings = found.body.items.filter(
      (f: { evidence: { licenceIdentifier?: string } }) => f.evidence.licenceIdentifier === a,
    );
    expect(passedFindings).toEqual([]);

    // Only supervisors over the sample's unit: a unit's clerk, and a county supervisor on a city unit's sample.
    expect((await check({ ...good, licenceIdentifier: b }, 'zz-amr-clerk')).status).toBe(403);
    const citySample = await t.call('POST', '/api/supervision/samples', {
      as: 'jc-admin',
      body: { organisationId: 'jc-amr', size: 1 },
    });
    expect(citySample.status).toBe(201);
    expect((await check(good, 'zz-approval-supervisor', citySample.body.id)).status).toBe(403);
    expect((await check(good, 'zz-approval-supervisor', 'no-such-sample')).status).toBe(404);
    expect(await checks()).toBe(2);
  });
});
