/**
 * Fault drills (issue 11, Build 8): a stream of licence issuances (and a seal-use approval) runs while a fault is
 * injected with real processes; afterwards every request has exactly one licence, one exchange push, one outcome
 * per approval, and each e-mail arrived at most twice with one Message-ID. Also: an issuance whose authorisation
 * runs out takes another live one for its type at once (SM-12).
 *
 * One platform serves every drill of the file; its worker is a separate process (as production runs it) that the
 * drills kill and start again.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Licence, LicenceIssuance } from '../../db/licence-entities';
import { ExchangeOutbox } from '../../db/licence-entities';
import { SealUseAuthorisation, SealUseRequest } from '../../db/seal-use-entities';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  ExchangeReceiver,
  grantLicenceSealUse,
  startExchangeReceiver,
  waitForIssued,
} from '../support/licences';
import { testServices } from '../support/env';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { startTcpProxy, TcpProxy } from '../support/tcp-proxy';

jest.setTimeout(240_000);

const ROOT = path.join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestPlatform;
let receiver: ExchangeReceiver;
let worker: ChildProcess | null = null;
/** The API's way to Temporal, which a drill cuts (the worker process goes to Temporal directly). */
let apiToTemporal: TcpProxy;
/** The API's way to PostgreSQL, which a drill cuts (migrations and the worker process go to it directly). */
let apiToPostgres: TcpProxy;

beforeAll(async () => {
  receiver = await startExchangeReceiver();
  const [host, port] = testServices().temporalAddress.split(':');
  apiToTemporal = await startTcpProxy({ host: host!, port: Number(port) });
  const postgres = new URL(testServices().postgresAdminUrl);
  apiToPostgres = await startTcpProxy({ host: postgres.hostname, port: Number(postgres.port) });
  t = await startTestPlatform({
    runWorker: false,
    exchangeEndpointUrl: receiver.url,
    temporalAddress: apiToTemporal.address,
    apiPostgresAddress: apiToPostgres.address,
  });
  worker = await startWorkerProcess();
});
afterAll(async () => {
  if (worker) await kill9(worker);
  await t?.stop();
  await receiver?.close();
  await apiToTemporal?.close();
  await apiToPostgres?.close();
});

/** A real worker process, as production runs it (`node --import tsx` keeps it one process, so SIGKILL reaches it). */
function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    // `worker running` is logged at info; under NODE_ENV=test the default level is warn.
    env: { ...process.env, ...t.workerEnv, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker did not start: ${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker running')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}): ${output}`));
    });
  });
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** POST /api/licenses, answered without a 500 whatever the fault: 201/200 (done), 202 (accepted) or 503 + Retry-After. */
async function submit(body: ReturnType<typeof businessLicenceBody>): Promise<number[]> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 60; attempt++) {
    const res = await t.call('POST', '/api/licenses', { as: 'zz-amr-system', body });
    statuses.push(res.status);
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

it('drill (d): the worker killed (SIGKILL) during a stream of 20 issuances: exactly once', async () => {
  await ensureStanding();
  const approval = grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: 5 });
  const started = Date.now();
  const { caseIds, statuses } = await stream(20, async () => {
    await kill9(worker!);
    worker = null;
    await sleep(2000);
    worker = await startWorkerProcess();
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
  // Longer than the Temporal client's own retries of an unavailable server (10 attempts, about 20 s), so that
  // starts fail after their rows were stored.
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
