/**
 * A request stored but answered 503 is set going by its retry (issue 11, Build 8: "503 with Retry-After, and the
 * retry finds it"). The API is cut off from Temporal (a TCP relay) while a seal application and a seal-use request
 * are submitted; once their rows are stored it is cut off from PostgreSQL too, so that the undo after the failed
 * workflow start fails and the rows stay without their processes. After both come back, the same Idempotency-Key
 * submitted again answers the stored request and starts its process — once (SM-5, SM-12).
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Task } from '../../db/entities';
import { approvalWorkflowId } from '../../domain/approval';
import { sealApplicationWorkflowId } from '../../domain/seal-application';
import { sealUseWorkflowId } from '../../domain/seal-use';
import { runtimeUrl, testServices } from '../support/env';
import { applicationBody } from '../support/fixtures';
import { HttpResult, startTestPlatform, TestPlatform } from '../support/platform';
import { startTcpProxy, TcpProxy } from '../support/tcp-proxy';
import { kill9, startWorkerProcess } from '../support/worker-process';
import type { ChildProcess } from 'node:child_process';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestPlatform;
let worker: ChildProcess;
let apiToTemporal: TcpProxy;
let apiToPostgres: TcpProxy;
/** The test's own way to the database, past the relay the test cuts. */
let direct: Client;

beforeAll(async () => {
  const [host, port] = testServices().temporalAddress.split(':');
  apiToTemporal = await startTcpProxy({ host: host!, port: Number(port) });
  const postgres = new URL(testServices().postgresAdminUrl);
  apiToPostgres = await startTcpProxy({ host: postgres.hostname, port: Number(postgres.port) });
  t = await startTestPlatform({
    runWorker: false,
    temporalAddress: apiToTemporal.address,
    apiPostgresAddress: apiToPostgres.address,
  });
  worker = await startWorkerProcess(t.workerEnv);
  direct = new Client({ connectionString: runtimeUrl(testServices().postgresAdminUrl, t.databaseName) });
  await direct.connect();
  for (const user of ['zz-amr-clerk', 'zz-amr-leader']) await t.token(user);
});
afterAll(async () => {
  if (worker) await kill9(worker);
  await direct?.end();
  await t?.stop();
  await apiToTemporal?.close();
  await apiToPostgres?.close();
});

async function storedId(table: string, key: string): Promise<string | null> {
  const rows = await direct.query<{ id: string }>(`select id from ${table} where client_request_id = $1`, [
    key,
  ]);
  expect(rows.rowCount).toBeLessThanOrEqual(1);
  return rows.rows[0]?.id ?? null;
}

/** The tasks of an approval process, once it has any (at most 60 s), counted again a moment later. */
async function tasksOnceStarted(processKey: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  while ((await t.em().count(Task, { workflowId: processKey })) === 0 && Date.now() < deadline) {
    await sleep(200);
  }
  await sleep(1000);
  return t.em().count(Task, { workflowId: processKey });
}

it('a seal application and a seal-use request stored without their processes (503) are started by the retry under the same Idempotency-Key, once (issue 11 Build 8, SM-5, SM-12)', async () => {
  const seals = await t.call('GET', '/api/seals', { as: 'zz-amr-clerk' });
  const seal = (seals.body.items as Array<{ id: string; name: string; status: string }>).find(
    (s) => s.status === 'active',
  )!;
  const applicationKey = `resubmit-${randomUUID()}`;
  const useKey = `resubmit-${randomUUID()}`;
  const submitApplication = () =>
    t.call('POST', '/api/seal-applications', {
      as: 'zz-amr-clerk',
      headers: { 'idempotency-key': applicationKey },
      body: applicationBody({ name: '泽州县市场监督管理局重试专用章' }),
    });
  const useBody = {
    sealId: seal.id,
    documents: [{ title: '故障后重试的用印文件' }],
    maxUses: 3,
    validFrom: new Date(Date.now() - 60_000).toISOString(),
    validTo: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(),
    reason: '故障后按原幂等键重试提交的用印申请',
  };
  const submitUse = () =>
    t.call('POST', '/api/seal-use-requests', {
      as: 'zz-amr-clerk',
      headers: { 'idempotency-key': useKey },
      body: useBody,
    });

  // Temporal unreachable: the rows are stored, the starts fail (after the client's own retries, about 20 s).
  await apiToTemporal.down();
  const answers: Promise<HttpResult[]> = Promise.all([submitApplication(), submitUse()]);
  const deadline = Date.now() + 20_000;
  while (
    (!(await storedId('seal_application', applicationKey)) ||
      !(await storedId('seal_use_request', useKey))) &&
    Date.now() < deadline
  ) {
    await sleep(100);
  }
  // The database gone too: the undo fails, the rows stay, waiting for their processes.
  await apiToPostgres.down();
  const [application, use] = await answers;
  await apiToPostgres.up();
  await apiToTemporal.up();
  for (const res of [application, use]) {
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  }
  const applicationId = (await storedId('seal_application', applicationKey))!;
  const useId = (await storedId('seal_use_request', useKey))!;
  expect(applicationId).toBeTruthy();
  expect(useId).toBeTruthy();

  // The retry under the same key answers the stored request and starts its process.
  const [applicationAgain, useAgain] = await Promise.all([submitApplication(), submitUse()]);
  expect([applicationAgain.status, useAgain.status]).toEqual([200, 200]);
  expect(applicationAgain.body.id).toBe(applicationId);
  expect(useAgain.body.id).toBe(useId);
  const described = await Promise.all(
    [sealApplicationWorkflowId(applicationId), sealUseWorkflowId(useId)].map((id) =>
      t.platform.temporal.workflow.getHandle(id).describe(),
    ),
  );
  expect(described.map((d) => d.status.name)).toEqual(['RUNNING', 'RUNNING']);
  // Once: one review task each, and a third submission changes nothing.
  const again = await Promise.all([submitApplication(), submitUse()]);
  expect(again.map((r) => [r.status, r.body.id])).toEqual([
    [200, applicationId],
    [200, useId],
  ]);
  expect(await tasksOnceStarted(approvalWorkflowId('seal_application', applicationId))).toBe(1);
  expect(await tasksOnceStarted(approvalWorkflowId('seal_use', useId))).toBe(1);
  const rows = await direct.query(
    `select (select count(*) from seal_application where client_request_id = $1) as applications,
            (select count(*) from seal_use_request where client_request_id = $2) as uses`,
    [applicationKey, useKey],
  );
  expect(rows.rows[0]).toEqual({ applications: '1', uses: '1' });
});
