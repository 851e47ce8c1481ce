/**
 * Issue 19 Build 5: the platform scaled out as production runs it — one API-only process (no worker inside it) and
 * two worker processes (`npm run worker`, each with its platform and signing worker) on one Temporal server and one
 * PostgreSQL database. Licences issued at once through the API are each signed and stored exactly once, verify
 * PASSED, and the work was shared: the workflows' histories name both worker processes and never the API's.
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { Licence } from '../../db/licence-entities';
import { licenceIssuanceWorkflowId } from '../../workflows/licence-issuance-messages';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { kill9, startWorkerProcess } from '../support/worker-process';

const LICENCES = 12;
// Two worker processes start from the prebuilt workflow bundle; on a loaded machine that alone takes minutes.
jest.setTimeout(600_000);
let t: TestPlatform;
let workers: ChildProcess[] = [];

beforeAll(async () => {
  // runWorker false: neither the platform worker nor the signing worker runs in this (the API's) process.
  t = await startTestPlatform({ runWorker: false });
  workers = await Promise.all([
    startWorkerProcess(t.workerEnv, 300_000),
    startWorkerProcess(t.workerEnv, 300_000),
  ]);
});

afterAll(async () => {
  await Promise.all(workers.map(kill9));
  await t?.stop();
});

/** The identities (`pid@host`) of the workers that ran the workflow's and its activities' tasks. */
async function identitiesOf(workflowId: string): Promise<string[]> {
  const history = await t.platform.temporal.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const identity =
      e.workflowTaskStartedEventAttributes?.identity ?? e.activityTaskStartedEventAttributes?.identity;
    return identity ? [identity] : [];
  });
}

it('two worker processes and an API-only process issue every licence once, sharing the work', async () => {
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE, maxUses: LICENCES });
  const issued = await Promise.all(
    Array.from({ length: LICENCES }, () => issueLicence(t, businessLicenceBody())),
  );

  const identifiers = issued.map((r) => r.licence.identifier as string);
  expect(new Set(identifiers).size).toBe(LICENCES);
  expect(await t.em().count(Licence, { identifier: { $in: identifiers } })).toBe(LICENCES);
  for (const identifier of [identifiers[0], identifiers[LICENCES - 1]]) {
    const verified = await t.call('POST', '/api/verify', { body: { identifier } });
    expect(verified.status).toBe(200);
    expect(verified.body.indication).toBe('PASSED');
  }

  const seen = new Set(
    (
      await Promise.all(issued.map((r) => identitiesOf(licenceIssuanceWorkflowId(r.issuance.id as string))))
    ).flat(),
  );
  const host = os.hostname();
  const workerIdentities = workers.map((w) => `${w.pid}@${host}`);
  expect([...seen].sort()).toEqual([...workerIdentities].sort());
  expect(seen.has(`${process.pid}@${host}`)).toBe(false);
});
