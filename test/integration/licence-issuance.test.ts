/**
 * Licence issuance through the API against the real Temporal server, PostgreSQL, SMTP and an HTTP receiver
 * standing in for the data-exchange platform (LM-7, LM-8, LM-9, SM-12): a request waits for the unit's seal-use
 * authorisation and is woken when it is granted; the business system's issuance is signed at once, idempotent by
 * its case id, refused with 400 naming the field (nothing stored or pushed) or 403; the holder is e-mailed the
 * verification link; the push arrives exactly once although the endpoint fails twice (both by the delivery relay;
 * a run begun before it replays with its delivery activity); late offline generation is
 * listed for the management unit within its jurisdiction; a change makes version 002 linked to 001.
 *
 * The tests run in order: the first obtains the authorisation the others sign under.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { LicenceService } from '../../api/services/licences';
import { AuditEvent } from '../../db/entities';
import { SealSignatureRecord } from '../../db/seal-use-entities';
import { DEMO_CITIZEN_ID } from '../../seed/demo-licensing';
import { ExchangeOutbox, Licence, LicenceIssuance, LicenceType } from '../../db/licence-entities';
import { planIssuance } from '../../domain/licence-issuance';
import { IssueLicenceBody } from '../../domain/licence-issuance-schema';
import { parseLicenceIdentifier } from '../../domain/licence-identifier';
import { checkUscc } from '../../domain/uscc';
import { licenceIssuanceWorkflowId } from '../../workflows/licence-issuance-messages';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  changeBody,
  ExchangeReceiver,
  foodBusinessBody,
  grantLicenceSealUse,
  IDENTITY_CARD_CODE,
  issueLicence,
  randomUscc,
  startExchangeReceiver,
  waitForIssued,
  withWrongCheck,
} from '../support/licences';
import { testServices } from '../support/env';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let receiver: ExchangeReceiver;
let zzAmrUscc: string;

const DAY_MS = 24 * 3600_000;

beforeAll(async () => {
  receiver = await startExchangeReceiver({ failFirst: 2 });
  t = await startTestPlatform({ exchangeEndpointUrl: receiver.url });
  zzAmrUscc = (await t.em().getConnection().execute(`select uscc from organisation where id = 'zz-amr'`))[0]
    .uscc;
});
afterAll(async () => {
  await t?.stop();
  await receiver?.close();
});

const counts = async () => {
  const em = t.em();
  return {
    issuances: await em.count(LicenceIssuance, {}),
    licences: await em.count(Licence, {}),
    outbox: await em.count(ExchangeOutbox, {}),
  };
};

const post = (body: unknown, as = 'zz-amr-system') => t.call('POST', '/api/licenses', { as, body });

/** The field names of a 400's problems. */
const fieldsOf = (res: { body: { error: { details: Array<{ field: string }> } } }) =>
  res.body.error.details.map((p) => p.field);

it('without a seal-use authorisation a request waits (202 awaiting_seal) and is woken when one is granted', async () => {
  const body = businessLicenceBody();
  const res = await post(body);
  expect(res.status).toBe(202);
  expect(res.headers.get('location')).toBe(`/api/licenses/issuances/${body.caseId}`);
  expect(res.body.issuance).toMatchObject({ caseId: body.caseId, kind: 'issue', licenceIdentifier: null });
  let state = res.body.issuance.status as string;
  for (let i = 0; state !== 'awaiting_seal' && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    state = (await t.call('GET', `/api/licenses/issuances/${body.caseId}`, { as: 'zz-amr-system' })).body
      .issuance.status;
  }
  expect(state).toBe('awaiting_seal');
  const waiting = await t.call('GET', `/api/licenses/issuances/${body.caseId}`, { as: 'zz-amr-system' });
  expect(waiting.body.issuance.statusReason).toContain('用印授权');
  expect(waiting.body.licence).toBeNull();

  // The real SM-12 flow: 张丽 asks to use the 证照专用章 for 营业执照, 郭志强 approves; the grant signals the
  // waiting issuance, which would otherwise look again only after an hour.
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  const issued = await waitForIssued(t, body.caseId);
  expect(issued.issuance.status).toBe('issued');
  expect(issued.licence.identifier).toBe(issued.issuance.licenceIdentifier);
});

it('the business system issues a 营业执照: 201, a checked identifier of version 001, the holder e-mailed the verification link', async () => {
  const body = businessLicenceBody();
  const res = await post(body);
  expect(res.status).toBe(201);
  const { issuance, licence } = res.body;
  expect(issuance).toMatchObject({ caseId: body.caseId, status: 'issued', late: false });
  const parsed = parseLicenceIdentifier(licence.identifier);
  expect(parsed).toMatchObject({
    ok: true,
    parts: { typeCode: BUSINESS_LICENCE_CODE, issuerCode: zzAmrUscc, version: 1 },
  });
  expect(licence.identifier).toMatch(/\.001\.[0-9A-Z]$/);
  // The check character is part of the identifier: any other one fails the parse.
  const other = licence.identifier.slice(0, -1) + (licence.identifier.endsWith('0') ? '1' : '0');
  expect(parseLicenceIdentifier(other).ok).toBe(false);
  expect(licence).toMatchObject({
    name: '营业执照',
    version: 1,
    previousIdentifier: null,
    masked: false,
    holder: { name: body.holder.name, code: body.holder.code, codeType: '001' },
    data: body.data,
    status: 'valid',
    validTo: null,
    issuer: { id: 'zz-amr', name: '泽州县市场监督管理局', code: zzAmrUscc },
    verifyUrl: `http://localhost:3000/verify/${licence.identifier}`,
  });
  expect(licence.signature.sealName).toBe('泽州县市场监督管理局证照专用章');
  expect(licence.signature.dataHash).toMatch(/^[0-9a-f]{64}$/);
  // Issue 19: the signature record is stored once, in the licence row; the signature row names the licence and
  // reads its record from there.
  const row = await t
    .em()
    .findOneOrFail(Licence, { identifier: licence.identifier }, { disableIdentityMap: true });
  const [stored] = await t
    .em()
    .getConnection()
    .execute(`select record is null as no_copy, licence_id from seal_signature where id = ?`, [
      row.signatureId,
    ]);
  expect(stored).toEqual({ no_copy: true, licence_id: row.id });
  const signing = await t
    .em()
    .findOneOrFail(SealSignatureRecord, { id: row.signatureId }, { disableIdentityMap: true });
  expect(signing.record).toEqual(row.signature);
  // Issue 19 Build 3: the API waited on the workflow's issuanceSettled update (no polling of the row).
  const history = await t.platform.temporal.workflow
    .getHandle(licenceIssuanceWorkflowId(issuance.id))
    .fetchHistory();
  const updates = (history.events ?? []).flatMap((e) => {
    const name = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    return name ? [name] : [];
  });
  expect(updates).toEqual(['issuanceSettled']);
  expect(
    (history.events ?? []).some((e) => e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success),
  ).toBe(true);
  // Issue 19 Build 3: one activity per licence, the signing; the push and the e-mail go by the delivery relay.
  await t.platform.temporal.workflow.getHandle(licenceIssuanceWorkflowId(issuance.id)).result();
  const activities = (
    await t.platform.temporal.workflow.getHandle(licenceIssuanceWorkflowId(issuance.id)).fetchHistory()
  ).events!.flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
  expect(activities).toEqual(['signAndStore']);
  // Issue 19: the answer was made from what the API stored and the licence, without reading the request back;
  // it is what the request's row says (and what the issuing unit's system reads when it polls).
  const polled = await t.call('GET', res.headers.get('location')!, { as: 'zz-amr-system' });
  expect(polled.status).toBe(200);
  expect(polled.body).toEqual(res.body);

  const mail = await t.mailbox.waitFor((m) => m.to.includes(body.holder.email as string));
  expect(mail.subject).toContain('营业执照');
  expect(mail.text).toContain(licence.identifier);
  expect(mail.text).toContain(`http://localhost:3000/verify/${licence.identifier}`);
  expect(mail.html).toContain(`href="http://localhost:3000/verify/${licence.identifier}"`);
});

it('repeating a request returns the same licence and issues nothing; the same case id with other content is a 409', async () => {
  const body = businessLicenceBody();
  const first = await issueLicence(t, body);
  const before = await counts();
  const again = await post(body);
  expect(again.status).toBe(200);
  expect(again.body.licence.identifier).toBe(first.licence.identifier);
  expect(again.body.issuance.id).toBe(first.issuance.id);
  expect(await counts()).toEqual(before);

  const changed = await post({ ...body, licenceNumber: `${body.licenceNumber}-改` });
  expect(changed.status).toBe(409);
  expect(changed.body.error.message).toContain(body.caseId);
  expect(await counts()).toEqual(before);
});

describe('invalid requests are refused naming the field, and nothing is stored or pushed', () => {
  const foodBody = (data: Record<string, unknown> = {}) => foodBusinessBody({ data });

  const cases: Array<[string, () => Record<string, unknown>, string[]]> = [
    [
      'a missing required data item',
      () => businessLicenceBody({ data: { legalRepresentative: undefined } }),
      ['data.legalRepresentative'],
    ],
    [
      'an unknown data item',
      () => businessLicenceBody({ data: { favouriteColour: '红' } }),
      ['data.favouriteColour'],
    ],
    [
      'an enum value outside the list',
      () => businessLicenceBody({ data: { entityType: '外星企业' } }),
      ['data.entityType'],
    ],
    [
      'an impossible date',
      () => businessLicenceBody({ data: { establishedDate: '2026-02-30' } }),
      ['data.establishedDate'],
    ],
    [
      'a pattern violation (食品经营许可证 complaintHotline)',
      () => foodBody({ complaintHotline: '12-315' }),
      ['data.complaintHotline'],
    ],
    [
      'a holder USCC with a wrong check character',
      () => businessLicenceBody({ holder: { code: withWrongCheck(randomUscc()) } }),
      ['holder.code'],
    ],
    ['validTo for a permanent type', () => businessLicenceBody({ validTo: '2036-01-01' }), ['validTo']],
    [
      'an unknown licence type',
      () => businessLicenceBody({ licenceType: '11100000000013338W999' }),
      ['licenceType'],
    ],
    [
      'a malformed licence type code',
      () => businessLicenceBody({ licenceType: '营业执照' }),
      ['licenceType'],
    ],
    [
      'a case closed in the future',
      () => businessLicenceBody({ caseClosedAt: new Date(Date.now() + DAY_MS).toISOString() }),
      ['caseClosedAt'],
    ],
    [
      'several problems at once',
      () =>
        businessLicenceBody({
          holder: { code: withWrongCheck(randomUscc()) },
          data: { address: undefined, extra: 1 },
        }),
      ['data.extra', 'data.address', 'holder.code'],
    ],
  ];

  it.each(cases)('%s → 400', async (_name, make, fields) => {
    const before = await counts();
    const res = await post(make());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(res).sort()).toEqual([...fields].sort());
    expect(await counts()).toEqual(before);
  });

  it('居民身份证: a citizen ID with a wrong check character, or of the wrong shape, is refused naming holder.code', async () => {
    const good = DEMO_CITIZEN_ID;
    const wrongCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const identityCard = (code: string, extra: Record<string, unknown> = {}) => ({
      licenceType: IDENTITY_CARD_CODE,
      caseId: `ZZ-GA-${randomUUID()}`,
      caseClosedAt: new Date().toISOString(),
      licenceNumber: good,
      holder: { name: '张伟', code },
      validTo: '2036-03-15',
      data: {
        gender: '男',
        ethnicity: '汉',
        birthDate: '1990-03-15',
        address: '山西省晋城市泽州县巴公镇东四义村',
      },
      ...extra,
    });
    const before = await counts();
    for (const [code, rule] of [
      [wrongCheck, 'invalid_check_character'],
      [good.slice(0, 17) + 'Y', 'invalid_format'],
      ['14052519900315', 'invalid_format'],
    ] as const) {
      const res = await post(identityCard(code), 'zz-police-issuer');
      expect([code, res.status]).toEqual([code, 400]);
      expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'holder.code', rule })]);
    }
    // The type is valid until a stated date: without one the request is refused too.
    const noEnd = await post(identityCard(good, { validTo: undefined }), 'zz-police-issuer');
    expect(noEnd.status).toBe(400);
    expect(fieldsOf(noEnd)).toEqual(['validTo']);
    expect(await counts()).toEqual(before);
    // And the right code passes validation (it then waits for the police bureau's seal-use authorisation).
    const ok = await post(identityCard(good), 'zz-police-issuer');
    expect(ok.status).toBe(202);
  });

  it('a valid 食品经营许可证 body is not refused for its data (the food type is authorised separately)', async () => {
    // The same body as the pattern case with a valid hotline: only the missing authorisation holds it (202).
    const before = await counts();
    const res = await post(foodBody({ complaintHotline: '12315' }));
    expect(res.status).toBe(202);
    expect((await counts()).issuances).toBe(before.issuances + 1);
  });

  it('a type the unit may not issue is a 403, audited; so is a caller without an issuing role', async () => {
    const before = await counts();
    const construction = await post(
      businessLicenceBody({ licenceType: '11100000000013127D001', data: { principal: '刘建华' } }),
    );
    expect(construction.status).toBe(403);
    const clerk = await post(businessLicenceBody(), 'zz-amr-clerk');
    expect(clerk.status).toBe(403);
    expect(await counts()).toEqual(before);
    const denied = await t.em().find(AuditEvent, { outcome: 'denied', action: 'licence.issue' });
    expect(denied.map((e) => e.actorUsername).sort()).toEqual(['zz-amr-clerk', 'zz-amr-system']);
  });

  it('a legacy USCC failing its check is accepted when the business system confirms it', async () => {
    const legacy = withWrongCheck(randomUscc());
    expect(checkUscc(legacy)).toMatchObject({ valid: true, checkOk: false });
    const { licence } = await issueLicence(
      t,
      businessLicenceBody({ holder: { code: legacy, legacyCodeConfirmed: true } }),
    );
    expect(licence.holder.code).toBe(legacy);
  });
});

it('the exchange push is delivered exactly once although the endpoint fails the first two attempts', async () => {
  const body = businessLicenceBody();
  const { issuance, licence } = await issueLicence(t, body);
  await t.platform.temporal.workflow.getHandle(licenceIssuanceWorkflowId(issuance.id)).result();
  const stored = await t.em().findOneOrFail(Licence, { identifier: licence.identifier });
  // The delivery relay retries the push after 1 s, then 2 s (activities/delivery-relay.ts).
  const outbox = () =>
    t.em().findOneOrFail(ExchangeOutbox, { licenceId: stored.id }, { disableIdentityMap: true });
  let row = await outbox();
  for (let i = 0; row.status !== 'delivered' && i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    row = await outbox();
  }
  expect(row.event).toBe('licence.issued');
  expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
  expect(row.deliveredAt).toBeInstanceOf(Date);

  const attempts = receiver.attemptsOf(row.id);
  expect(attempts.map((a) => a.status)).toEqual([500, 500, 200]);
  // The push and the e-mail are separate rows of the relay (issue 19 Build 3): the push's retries sent no e-mail.
  await t.mailbox.waitFor((m) => m.text.includes(licence.identifier));
  expect(t.mailbox.messages.filter((m) => m.text.includes(licence.identifier))).toHaveLength(1);
  const delivered = attempts.filter((a) => a.status === 200);
  expect(delivered).toHaveLength(1);
  expect(delivered[0]!.body).toMatchObject({
    event: 'licence.issued',
    messageId: row.id,
    format: 'jincheng-elicence/1',
    licence: { metadata: { identifier: licence.identifier, version: 1 }, data: body.data },
    signature: { dataHash: { value: licence.signature.dataHash } },
  });

  // The same request again attaches to the finished process: no new delivery (the relay claims pending rows only).
  const again = await post(body);
  expect(again.status).toBe(200);
  expect(receiver.attemptsOf(row.id)).toHaveLength(3);
  const after = await t.em().findOneOrFail(ExchangeOutbox, { id: row.id }, { disableIdentityMap: true });
  expect(after.attempts).toBe(3);
  expect(await t.em().count(ExchangeOutbox, { licenceId: stored.id })).toBe(1);
});

describe('offline generation (LM-9)', () => {
  it('a licence whose case closed days ago is late and listed for its unit to the management unit', async () => {
    const closedAt = new Date(Date.now() - 20 * DAY_MS).toISOString();
    const late = await issueLicence(t, businessLicenceBody({ caseClosedAt: closedAt }));
    expect(late.issuance).toMatchObject({ late: true, deadlineProvisional: false });
    expect(new Date(late.issuance.deadlineAt).getTime()).toBeGreaterThan(new Date(closedAt).getTime());
    expect(new Date(late.issuance.deadlineAt).getTime()).toBeLessThan(Date.now());
    expect(late.licence.late).toBe(true);

    const onTime = await issueLicence(t, businessLicenceBody());
    expect(onTime.issuance.late).toBe(false);
    expect(new Date(onTime.issuance.deadlineAt).getTime()).toBeGreaterThan(Date.now());

    // 高平市 is another county: its late request is not 泽州县's supervisor's to see. It waits for a seal-use
    // authorisation, but its lateness is recorded on arrival.
    const gp = await post(businessLicenceBody({ caseClosedAt: closedAt }), 'gp-amr-issuer');
    expect(gp.status).toBe(202);
    expect(gp.body.issuance.late).toBe(true);

    const list = await t.call('GET', '/api/licenses/late', { as: 'zz-approval-supervisor' });
    expect(list.status).toBe(200);
    expect(list.body.units.map((u: { organisationId: string }) => u.organisationId)).toEqual(['zz-amr']);
    const zz = list.body.units[0];
    expect(zz.organisationName).toBe('泽州县市场监督管理局');
    expect(zz.count).toBe(zz.items.length);
    const item = zz.items.find((i: { caseId: string }) => i.caseId === late.issuance.caseId);
    expect(item).toMatchObject({
      typeName: '营业执照',
      status: 'issued',
      licenceIdentifier: late.licence.identifier,
      deadlineAt: late.issuance.deadlineAt,
    });
    expect(zz.items.map((i: { caseId: string }) => i.caseId)).not.toContain(onTime.issuance.caseId);

    const city = await t.call('GET', '/api/licenses/late', { as: 'jc-admin' });
    expect(city.status).toBe(200);
    expect(city.body.units.map((u: { organisationId: string }) => u.organisationId).sort()).toEqual([
      'gp-amr',
      'zz-amr',
    ]);

    const outside = await t.call('GET', '/api/licenses/late?organisationId=gp-amr', {
      as: 'zz-approval-supervisor',
    });
    expect(outside.status).toBe(403);
    const notSupervisor = await t.call('GET', '/api/licenses/late', { as: 'zz-amr-system' });
    expect(notSupervisor.status).toBe(403);
  });
});

describe('changes make versions', () => {
  it('a change issues version 002 linked to 001, which is superseded; the history lists both; 001 cannot change again', async () => {
    const body = businessLicenceBody();
    const v1 = (await issueLicence(t, body)).licence;
    const change = changeBody(body);
    const res = await t.call('POST', `/api/licenses/${v1.identifier}/versions`, {
      as: 'zz-amr-system',
      body: change,
    });
    expect(res.status).toBe(201);
    const v2 = res.body.licence;
    expect(res.body.issuance.kind).toBe('change');
    expect(v2).toMatchObject({
      version: 2,
      previousIdentifier: v1.identifier,
      licenceNumber: v1.licenceNumber,
      data: change.data,
      status: 'valid',
    });
    const parsed = parseLicenceIdentifier(v2.identifier);
    expect(parsed.ok && parsed.parts.version).toBe(2);
    expect(v2.identifier.split('.').slice(0, 8)).toEqual(v1.identifier.split('.').slice(0, 8));

    const old = await t.call('GET', `/api/licenses/${v1.identifier}`, { as: 'zz-amr-system' });
    expect(old.body.status).toBe('superseded');

    const versions = await t.call('GET', `/api/licenses/${v2.identifier}/versions`, { as: 'zz-amr-issuer' });
    expect(versions.status).toBe(200);
    expect(versions.body.items).toEqual([
      expect.objectContaining({
        identifier: v1.identifier,
        version: 1,
        status: 'superseded',
        previousIdentifier: null,
        changeKind: null,
      }),
      expect.objectContaining({
        identifier: v2.identifier,
        version: 2,
        status: 'valid',
        previousIdentifier: v1.identifier,
        changeKind: 'change',
        reason: '法定代表人变更',
      }),
    ]);

    // Repeating the change is a repeat, not a conflict; changing the superseded 001 again is.
    const repeat = await t.call('POST', `/api/licenses/${v1.identifier}/versions`, {
      as: 'zz-amr-system',
      body: change,
    });
    expect(repeat.status).toBe(200);
    expect(repeat.body.licence.identifier).toBe(v2.identifier);
    const again = await t.call('POST', `/api/licenses/${v1.identifier}/versions`, {
      as: 'zz-amr-system',
      body: { ...change, caseId: `${body.caseId}-BG2` },
    });
    expect(again.status).toBe(409);

    const bad = await t.call('POST', `/api/licenses/${v2.identifier}/versions`, {
      as: 'zz-amr-system',
      body: { ...change, caseId: `${body.caseId}-BG3`, data: { ...change.data, entityType: '外星企业' } },
    });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['data.entityType']);

    const search = await t.call('GET', `/api/licenses?holderCode=${body.holder.code}`, {
      as: 'zz-amr-issuer',
    });
    expect(search.status).toBe(200);
    expect(search.body.items.map((l: { identifier: string }) => l.identifier)).toEqual([v2.identifier]);
  });
});

it("stores each record without the seal and certificate, held once for the seal's licences; read back whole, it verifies (issue 19)", async () => {
  const issued = [
    (await issueLicence(t, businessLicenceBody())).licence,
    (await issueLicence(t, businessLicenceBody())).licence,
  ];
  const rows: Array<{ identifier: string; material: string; whole: boolean; bytes: number }> = await t
    .em()
    .execute(
      `select identifier, signature_material as material, signature->'seal' is not null as whole,
              pg_column_size(signature)::int as bytes from licence where identifier in (?, ?) order by identifier`,
      issued.map((l) => l.identifier),
    );
  expect(rows.map((r) => r.whole)).toEqual([false, false]);
  expect(rows[0]!.material).toMatch(/^[0-9a-f]{64}$/);
  expect(rows[1]!.material).toBe(rows[0]!.material);
  for (const r of rows) expect(r.bytes).toBeLessThan(2_500);
  const [material] = await t
    .em()
    .execute<Array<{ n: number }>>(`select count(*)::int as n from signature_material where id = ?`, [
      rows[0]!.material,
    ]);
  expect(material!.n).toBe(1);

  for (const { identifier } of issued) {
    const licence = await t.em().findOneOrFail(Licence, { identifier }, { disableIdentityMap: true });
    expect(licence.signature.seal.sealInfo.esId).toBe(licence.signature.seal.esId);
    expect(licence.signature.signerCertificate).toContain('BEGIN CERTIFICATE');
    const report = await t.call('POST', '/api/verify', { body: { identifier } });
    expect(report.body.indication).toBe('PASSED');
  }
  // The material is append-only for the platform's own database role.
  const runtime = t.em().getConnection();
  await expect(
    runtime.execute(`update signature_material set signer_certificate = '' where id = ?`, [
      rows[0]!.material,
    ]),
  ).rejects.toThrow(/permission denied/);
  await expect(runtime.execute(`delete from signature_material`)).rejects.toThrow(/permission denied/);
});

it('a request stored without its workflow (a crash between insert and start) gets one at the next start, once', async () => {
  const body = IssueLicenceBody.parse(businessLicenceBody());
  const type = await t.em().findOneOrFail(LicenceType, { code: BUSINESS_LICENCE_CODE, status: 'published' });
  const planned = planIssuance(type.definition, body);
  if (!('plan' in planned)) throw new Error('the body should be valid');
  const id = randomUUID();
  const receivedAt = new Date(Date.now() - 120_000);
  await t.em().insert(LicenceIssuance, {
    id,
    organisationId: 'zz-amr',
    caseId: body.caseId,
    kind: 'issue',
    typeId: type.id,
    typeCode: type.code,
    previousLicenceId: null,
    request: { ...body, plan: planned.plan },
    requestFingerprint: 'f'.repeat(64),
    workflowId: licenceIssuanceWorkflowId(id),
    status: 'pending',
    statusReason: null,
    licenceId: null,
    requestedBy: 'user-zz-amr-system',
    receivedAt,
    caseClosedAt: receivedAt,
    deadlineAt: new Date(Date.now() + DAY_MS),
    deadlineProvisional: false,
    late: false,
    completedAt: null,
  });
  const service = new LicenceService(t.platform.ctx);
  expect(await service.resumeOrphans()).toBe(1);
  expect(await service.resumeOrphans()).toBe(0);
  const { licence } = await waitForIssued(t, body.caseId);
  expect(licence.holder.code).toBe(body.holder.code);
});

it('a use lost while the licence is stored rolls the licence back, and the refusal stays in the audit log', async () => {
  // SM-12, issue 19 Build 3: the use is taken last. Hold the unit's authorisations, let the signing reach its
  // use, then use them up: the signing's conditional UPDATE matches nothing once the rows are released.
  const since = new Date();
  const knex = t.em().getKnex();
  const holder = await knex.transaction();
  let released = false;
  try {
    const held: Array<{ id: string; used_count: number }> = (
      await holder.raw(
        `select a.id, a.used_count from seal_use_authorisation a join seal s on s.id = a.seal_id
          where s.organisation_id = 'zz-amr' and a.status = 'active' and a.used_count < a.max_uses for update of a`,
      )
    ).rows;
    expect(held.length).toBeGreaterThan(0);
    const holderPid = (await holder.raw('select pg_backend_pid() as pid')).rows[0].pid as number;
    const body = businessLicenceBody();
    const answer = post(body);
    // The platform's connections run under another role, whose queries we may not read: ask who waits on us.
    const waiting = async () =>
      (await knex.raw('select 1 from pg_stat_activity where ? = any(pg_blocking_pids(pid))', [holderPid]))
        .rows.length > 0;
    for (let i = 0; !(await waiting()); i++) {
      if (i > 600) throw new Error('the signing never reached its use');
      await new Promise((r) => setTimeout(r, 50));
    }
    await holder.raw(`update seal_use_authorisation set used_count = max_uses where id = any(?)`, [
      held.map((a) => a.id),
    ]);
    await holder.commit();
    released = true;
    await expectLostUse(body.caseId, held, since, answer);
  } finally {
    if (!released) await holder.rollback();
  }
});

async function expectLostUse(
  caseId: string,
  held: Array<{ id: string; used_count: number }>,
  since: Date,
  answer: ReturnType<typeof post>,
): Promise<void> {
  const knex = t.em().getKnex();
  try {
    expect((await answer).status).toBe(202);
    const state = async () =>
      (await t.call('GET', `/api/licenses/issuances/${caseId}`, { as: 'zz-amr-system' })).body;
    let now = await state();
    for (let i = 0; now.issuance.status !== 'awaiting_seal' && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await state();
    }
    expect(now.issuance.status).toBe('awaiting_seal');
    expect(now.licence).toBeNull();
    // Nothing of the licence's transaction stayed: no licence, no signature record, no successful signing.
    const stored = {
      licences: await t.em().count(Licence, { issuanceId: now.issuance.id }),
      signatures: await t.em().count(SealSignatureRecord, {
        authorisationId: { $in: held.map((a) => a.id) },
        createdAt: { $gte: since },
      }),
    };
    expect(stored).toEqual({ licences: 0, signatures: 0 });
    // The refusal's audit row, written after the rollback.
    const refusals = await t.em().find(AuditEvent, { action: 'seal.sign', at: { $gte: since } });
    const lost = refusals.filter((e) => e.outcome === 'rejected');
    expect(lost).toHaveLength(1);
    expect(lost[0]!.details).toMatchObject({ code: 'AUTHORISATION_USED_UP' });
    expect(held.map((a) => a.id)).toContain(lost[0]!.details.authorisationId);
    expect(refusals.filter((e) => e.outcome === 'success')).toHaveLength(0);
  } finally {
    for (const a of held)
      await knex.raw(`update seal_use_authorisation set used_count = ? where id = ?`, [a.used_count, a.id]);
  }
}

it("an issuance recorded before the delivery relay (its own delivery activity) replays with today's code", async () => {
  const json = JSON.parse(
    readFileSync(path.join(__dirname, '../support/workflows/issuance-history-before-relay.json'), 'utf8'),
  );
  const history = temporal.api.history.v1.History.fromObject(json);
  const scheduled = (history.events ?? []).flatMap(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
  );
  expect(scheduled).toEqual(['signAndStore', 'deliverIssuedLicence']);
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: testServices().workflowBundlePath } },
    history,
    'licence-issuance-before-relay',
  );
});
