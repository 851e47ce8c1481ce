/**
 * Fault drills (issue 11, Build 8): a stream of licence issuances (and a seal-use approval) runs while a fault is
 * injected with real processes; afterwards every request has exactly one licence, one exchange push, one outcome
 * per approval, and each e-mail arrived at most twice with one Message-ID. Also: an issuance whose authorisation
 * runs out takes another live one for its type at once (SM-12).
 *
 * One platform serves every drill of the file. Its PostgreSQL server and its Temporal dev server (history in a
 * file, as `npm start` runs it) are the file's own, so that drills (a) and (b) can kill them with SIGKILL and start
 * them again on the same data and port; its worker is a separate process (as production runs it) that drill (d)
 * kills and starts again.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Licence, LicenceIssuance, LicenceType } from '../../db/licence-entities';
import { ExchangeOutbox } from '../../db/licence-entities';
import { SealUseAuthorisation, SealUseRequest } from '../../db/seal-use-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { licenceSealDocumentTitle } from '../../domain/licence';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  ExchangeReceiver,
  grantLicenceSealUse,
  startExchangeReceiver,
  waitForIssued,
} from '../support/licences';
import {
  CrashableService,
  startCrashablePostgres,
  startCrashableTemporal,
} from '../support/crashable-services';
import { HttpResult, startTestPlatform, TestPlatform } from '../support/platform';
import { startTcpProxy, TcpProxy } from '../support/tcp-proxy';
import { kill9, startWorkerProcess } from '../support/worker-process';

jest.setTimeout(240_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestPlatform;
let receiver: ExchangeReceiver;
let worker: ChildProcess | null = null;
/** The file's own servers, which drills (a) and (b) kill and restart, and the directory of their data. */
let dataDir: string;
let postgres: CrashableService;
let temporal: CrashableService;
/** The API's way to Temporal, which a drill cuts (the worker process goes to Temporal directly). */
let apiToTemporal: TcpProxy;
/** The API's way to PostgreSQL, which a drill cuts (migrations and the worker process go to it directly). */
let apiToPostgres: TcpProxy;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'elicense-drills-'));
  chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as the `postgres` user, which must reach its data directory
  // Each kept as soon as it runs, so that afterAll stops it even if another fails to start.
  await Promise.all([
    startCrashablePostgres(dataDir).then((s) => (postgres = s)),
    startCrashableTemporal(dataDir).then((s) => (temporal = s)),
    startExchangeReceiver().then((r) => (receiver = r)),
  ]);
  apiToTemporal = await startTcpProxy({ host: '127.0.0.1', port: temporal.port });
  apiToPostgres = await startTcpProxy({ host: '127.0.0.1', port: postgres.port });
  t = await startTestPlatform({
    runWorker: false,
    exchangeEndpointUrl: receiver.url,
    services: { postgresAdminUrl: postgres.address, temporalAddress: temporal.address },
    temporalAddress: apiToTemporal.address,
    apiPostgresAddress: apiToPostgres.address,
  });
  worker = await startWorkerProcess(t.workerEnv);
  // Signed in before any fault (a sign-in needs the database).
  for (const user of ['zz-amr-system', 'zz-amr-clerk', 'zz-amr-leader']) await t.token(user);
});
afterAll(async () => {
  if (worker) await kill9(worker);
  await t?.stop();
  await receiver?.close();
  await apiToTemporal?.close();
  await apiToPostgres?.close();
  await temporal?.stop();
  await postgres?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** How long each 503 of POST /api/licenses took to come, in ms (a drill clears it first). */
const unavailableAfterMs: number[] = [];

/** POST /api/licenses, answered without a 500 whatever the fault: 201/200 (done), 202 (accepted) or 503 + Retry-After. */
async function submit(body: ReturnType<typeof businessLicenceBody>): Promise<number[]> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 60; attempt++) {
    const sent = Date.now();
    const res = await t.call('POST', '/api/licenses', { as: 'zz-amr-system', body });
    statuses.push(res.status);
    if (res.status === 503) unavailableAfterMs.push(Date.now() - sent);
    if ([200, 201, 202].includes(res.status)) return statuses;
    if (res.status !== 503) throw new Error(`POST /api/licenses: ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    await sleep(1000);
  }
  throw new Error(`POST /api/licenses kept answering 503: ${statuses.join(',')}`);
}

/**
 * Issues `count` licences, `parallel` at a time, runs `fault` once the stream is under way, and waits for every
 * licence. Answers the case ids and every status the API gave.
 */
async function stream(
  count: number,
  fault: () => Promise<void>,
  parallel = 5,
  faultAfterMs = 1500,
): Promise<{ caseIds: string[]; statuses: number[] }> {
  const bodies = Array.from({ length: count }, () => businessLicenceBody());
  const statuses: number[] = [];
  let next = 0;
  const lanes = Array.from({ length: parallel }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      statuses.push(...(await submit(body)));
    }
  });
  const faulted = (async () => {
    await sleep(faultAfterMs);
    await fault();
  })();
  await Promise.all([...lanes, faulted]);
  for (const body of bodies) await waitForIssued(t, body.caseId);
  return { caseIds: bodies.map((b) => b.caseId), statuses };
}

/** Exactly one licence, one push (one message, delivered, received with one key) and e-mail at most twice each. */
async function expectExactlyOnce(caseIds: string[]): Promise<void> {
  const em = t.em();
  const issuances = await em.find(
    LicenceIssuance,
    { caseId: { $in: caseIds } },
    { disableIdentityMap: true },
  );
  expect(issuances).toHaveLength(caseIds.length);
  expect(issuances.every((i) => i.status === 'issued')).toBe(true);
  const licences = await em.find(
    Licence,
    { issuanceId: { $in: issuances.map((i) => i.id) } },
    { disableIdentityMap: true },
  );
  expect(licences).toHaveLength(caseIds.length);
  expect(new Set(licences.map((l) => l.issuanceId)).size).toBe(caseIds.length);

  // The pushes: one outbox message per licence, delivered; the receiver got exactly that key with a 2xx.
  await receiver.waitForDeliveries(0);
  const deadline = Date.now() + 60_000;
  let messages: ExchangeOutbox[] = [];
  while (Date.now() < deadline) {
    messages = await em.find(
      ExchangeOutbox,
      { licenceId: { $in: licences.map((l) => l.id) } },
      { disableIdentityMap: true },
    );
    if (messages.length === licences.length && messages.every((m) => m.status === 'delivered')) break;
    await sleep(200);
  }
  expect(messages).toHaveLength(licences.length);
  expect(messages.filter((m) => m.status !== 'delivered')).toEqual([]);
  for (const message of messages) {
    const delivered = receiver.attemptsOf(message.id).filter((a) => a.status === 200);
    expect(delivered.length).toBeGreaterThanOrEqual(1);
    // A repeat (a worker killed between the 2xx and its record) carries the same key: one push for the receiver.
    expect(new Set(delivered.map((d) => d.idempotencyKey))).toEqual(new Set([message.id]));
    expect(delivered.every((d) => d.body?.licence?.metadata?.identifier ?? true)).toBe(true);
  }
  const keys = new Set(receiver.deliveries().map((d) => d.idempotencyKey));
  for (const message of messages) expect(keys.has(message.id)).toBe(true);

  // E-mails: each holder's arrived at least once, at most twice, always under one Message-ID.
  for (const licence of licences) {
    const mailDeadline = Date.now() + 60_000;
    let mails = t.mailbox.messages.filter((m) => m.to.includes(licence.holderEmail!));
    while (mails.length === 0 && Date.now() < mailDeadline) {
      await sleep(200);
      mails = t.mailbox.messages.filter((m) => m.to.includes(licence.holderEmail!));
    }
    expect(mails.length).toBeGreaterThanOrEqual(1);
    expect(mails.length).toBeLessThanOrEqual(2);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(1);
  }
}

/**
 * The standing authorisation the drills issue under, granted once, after the failover test (which needs its two
 * small authorisations to be the only ones); each drill asks for it, so that a drill runs alone too.
 */
let standing: ReturnType<typeof grantLicenceSealUse> | undefined;
const ensureStanding = () =>
  (standing ??= grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: 1000 }));

/** A call retried after each 503 (which must carry Retry-After) until the API answers otherwise. */
async function retrying(
  method: string,
  url: string,
  options: { as: string; body?: unknown; headers?: Record<string, string> },
): Promise<HttpResult> {
  for (let attempt = 0; attempt < 90; attempt++) {
    const res = await t.call(method, url, options);
    if (res.status !== 503) return res;
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    await sleep(1000);
  }
  throw new Error(`${method} ${url} kept answering 503`);
}

/**
 * A seal-use request for the business-licence seal, submitted and approved by the unit leader while a fault runs:
 * every call is retried after a 503 (the submission under one Idempotency-Key, so the retry finds a request already
 * stored). Answers the request id.
 */
async function approvalThroughFaults(maxUses: number): Promise<string> {
  const type = await t
    .em()
    .findOneOrFail(
      LicenceType,
      { code: BUSINESS_LICENCE_CODE, status: 'published' },
      { disableIdentityMap: true },
    );
  const seals = await retrying('GET', '/api/seals', { as: 'zz-amr-clerk' });
  const seal = (seals.body.items as Array<{ id: string; name: string; status: string }>).find(
    (s) => s.name.endsWith('证照专用章') && s.status === 'active',
  )!;
  const submitted = await retrying('POST', '/api/seal-use-requests', {
    as: 'zz-amr-clerk',
    headers: { 'idempotency-key': `drill-${randomUUID()}` },
    body: {
      sealId: seal.id,
      documents: [{ title: licenceSealDocumentTitle(type.definition) }],
      maxUses,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + 300 * 24 * 3600_000).toISOString(),
      reason: `签发${type.name}（故障演练）`,
    },
  });
  expect([200, 201]).toContain(submitted.status);
  const requestId = submitted.body.id as string;
  const processKey = approvalWorkflowId('seal_use', requestId);
  for (let i = 0; i < 600; i++) {
    const view = await retrying('GET', `/api/seal-use-requests/${requestId}`, { as: 'zz-amr-clerk' });
    if (view.body.status === 'approved' && view.body.authorisation) return requestId;
    expect(view.body.status).toBe('pending');
    const inbox = await retrying('GET', '/api/tasks?box=pending', { as: 'zz-amr-leader' });
    const task = (inbox.body.items as Array<{ taskId: string | null; processKey: string }>).find(
      (x) => x.processKey === processKey && x.taskId,
    );
    if (task) {
      const approved = await retrying('POST', `/api/tasks/${task.taskId}/approve`, {
        as: 'zz-amr-leader',
        body: { comment: '同意签发证照用印' },
      });
      // 409: already decided (a retry of an approval that went through before the fault cut its answer).
      expect([200, 409]).toContain(approved.status);
    }
    await sleep(200);
  }
  throw new Error(`seal-use request ${requestId} was not approved`);
}

/** A seal-use approval run during a drill has exactly one outcome: approved, with one authorisation. */
async function expectOneOutcome(requestId: string): Promise<void> {
  const em = t.em();
  const request = await em.findOneOrFail(SealUseRequest, { id: requestId }, { disableIdentityMap: true });
  expect(request.status).toBe('approved');
  expect(await em.count(SealUseAuthorisation, { requestId })).toBe(1);
}

it('two authorisations for one type serve 60 concurrent issuances: none waits, exactly 60 licences (SM-12)', async () => {
  // Granted one after the other, so the first ends first and is used first; 40 + 40 uses for 60 issuances.
  const first = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: 40 });
  const second = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: 40 });
  const bodies = Array.from({ length: 60 }, () => businessLicenceBody());
  await t.token('zz-amr-system'); // one login, not sixty at once
  const answers = await Promise.all(
    bodies.map((body) => t.call('POST', '/api/licenses', { as: 'zz-amr-system', body })),
  );
  expect(answers.filter((a) => ![200, 201, 202].includes(a.status)).map((a) => a.status)).toEqual([]);
  for (const body of bodies) await waitForIssued(t, body.caseId);

  const em = t.em();
  const issuances = await em.find(
    LicenceIssuance,
    { caseId: { $in: bodies.map((b) => b.caseId) } },
    { disableIdentityMap: true },
  );
  expect(issuances.filter((i) => i.status !== 'issued')).toEqual([]);
  expect(await em.count(Licence, { issuanceId: { $in: issuances.map((i) => i.id) } })).toBe(60);
  // Never parked, not even for a moment: no issuance of the 60 was recorded as awaiting a seal.
  const parked: Array<{ n: string }> = await em.execute(
    `select count(*) as n from audit_event where action = 'licence.awaiting_seal' and target_id in (?)`,
    [issuances.map((i) => i.id)],
  );
  expect(Number(parked[0]!.n)).toBe(0);
  const used = await em.find(
    SealUseAuthorisation,
    { id: { $in: [first.authorisationId, second.authorisationId] } },
    { disableIdentityMap: true, orderBy: { createdAt: 'asc' } },
  );
  expect(used.map((a) => a.usedCount)).toEqual([40, 20]);
});

it('drill (a): the Temporal server killed (SIGKILL) and restarted on its history file during a stream of 16 issuances and an approval: exactly once', async () => {
  await ensureStanding();
  // Submitted just before the kill, so that its approval runs through the outage.
  const approval = sleep(1200).then(() => approvalThroughFaults(5));
  const { caseIds, statuses } = await stream(16, () => temporal.crashAndRestart(2000));
  // No 500: 202 (or 200/201), or 503 with Retry-After whose retry under the same case id found the request.
  expect(statuses.filter((s) => ![200, 201, 202, 503].includes(s))).toEqual([]);
  await expectExactlyOnce(caseIds);
  await expectOneOutcome(await approval);
});

it('drill (b): PostgreSQL killed (SIGKILL, postmaster and backends) and restarted on its data directory during a stream of 16 issuances and an approval: exactly once', async () => {
  await ensureStanding();
  const approval = sleep(1200).then(() => approvalThroughFaults(5));
  const { caseIds, statuses } = await stream(16, () => postgres.crashAndRestart(2000));
  expect(statuses.filter((s) => ![200, 201, 202, 503].includes(s))).toEqual([]);
  await expectExactlyOnce(caseIds);
  await expectOneOutcome(await approval);
});

it('drill (d): the worker killed (SIGKILL) during a stream of 20 issuances: exactly once', async () => {
  await ensureStanding();
  const approval = grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: 5 });
  const started = Date.now();
  const { caseIds, statuses } = await stream(20, async () => {
    await kill9(worker!);
    worker = null;
    await sleep(2000);
    worker = await startWorkerProcess(t.workerEnv);
  });
  expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
  await expectExactlyOnce(caseIds);
  await expectOneOutcome((await approval).requestId);
  // Activities caught mid-run are retried after a heartbeat or a short start-to-close, not a minute.
  expect(Date.now() - started).toBeLessThan(120_000);
});

it('drill (c): the exchange endpoint down for a while: every push delivered once after it comes back', async () => {
  await ensureStanding();
  const { caseIds } = await stream(20, async () => {
    await receiver.down();
    await sleep(6000);
    await receiver.up();
  });
  await expectExactlyOnce(caseIds);
});

it('no stored request is answered 500: the API cut off from Temporal answers 503 with Retry-After, the retry finds it', async () => {
  await ensureStanding();
  // Longer than an issuance's whole attempt to start while Temporal is unreachable, which has one deadline: the
  // start-with-update waits up to 10 s (ISSUE_WAIT_MS), then a plain start settles whether it started within
  // SETTLING_START_MS (4 s) more, not through the Temporal client's own retries (about 20 s). So starts fail after
  // their rows were stored.
  unavailableAfterMs.length = 0;
  const { caseIds, statuses } = await stream(
    10,
    async () => {
      await apiToTemporal.down();
      await sleep(25_000);
      await apiToTemporal.up();
    },
    5,
    300,
  );
  // submit() retried every 503 (each with a Retry-After) under the same case id; none was a 500.
  expect(statuses.filter((s) => ![200, 201, 202, 503].includes(s))).toEqual([]);
  expect(statuses).toContain(503);
  // Each 503 came within the attempt's deadline (14 s, with room for a loaded machine), not after ~30 s.
  expect(Math.max(...unavailableAfterMs)).toBeLessThan(20_000);
  await expectExactlyOnce(caseIds);
});

it('no stored request is answered 500: the API cut off from PostgreSQL answers 503 with Retry-After, the retry finds it', async () => {
  await ensureStanding();
  const { caseIds, statuses } = await stream(
    20,
    async () => {
      await apiToPostgres.down();
      await sleep(4000);
      await apiToPostgres.up();
    },
    5,
    500,
  );
  expect(statuses.filter((s) => ![200, 201, 202, 503].includes(s))).toEqual([]);
  expect(statuses).toContain(503);
  await expectExactlyOnce(caseIds);
});
