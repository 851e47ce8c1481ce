/**
 * Issue 11 Build 5 acceptance: the keys are decrypted only by the signing worker. The API (with the platform worker)
 * runs here configured apart, with no key-encryption secret in its environment or configuration; the signing worker
 * runs as its own process (`worker/signing-main.ts`, as `npm run worker:signing` runs it) with PKI_MASTER_KEY.
 * While that process is down, nothing can be signed (the sign endpoint answers 503, an issuance waits), so the API
 * does not sign by itself; once it runs, issuance, seal signing (SM-12) and verification all work.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { CA_ID } from '../../usecases/certificate-authority';
import { CertificateAuthority } from '../../db/entities';
import { SealUseAuthorisation } from '../../db/seal-use-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { verifySealSignature } from '../../pki/seal-signer';
import { TEST_PKI_MASTER_KEY } from '../support/env';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  GrantedSealUse,
  waitForIssued,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

const ROOT = path.join(__dirname, '..', '..');
const CONTRACT = createHash('sha256').update('2026 年度政府采购合同（签字版）').digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestPlatform;
let signer: ChildProcess | undefined;
let licenceUse: GrantedSealUse;
let contractAuthorisationId: string;
let pendingCaseId: string;

beforeAll(async () => {
  // The API and the platform worker in this process, without a signing worker (issue 11 Build 5).
  t = await startTestPlatform({ runSigningWorker: false });
});
afterAll(async () => {
  if (signer && signer.exitCode === null) {
    const exited = new Promise((resolve) => signer!.once('exit', resolve));
    signer.kill('SIGTERM');
    await exited;
  }
  await t?.stop();
});

/** `npm run worker:signing` as its own process, given the key-encryption secret; resolves once it serves. */
function startSigningProcess(): Promise<ChildProcess> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    DATABASE_URL: t.workerEnv.DATABASE_URL,
    TEMPORAL_ADDRESS: t.workerEnv.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: t.workerEnv.TEMPORAL_TASK_QUEUE,
    PKI_MASTER_KEY: TEST_PKI_MASTER_KEY,
    LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/signing-main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('signing task queue served')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`signing worker exited (${code}): ${output}`)));
  });
}

/** An authorisation to sign one stated contract, twice at most, approved by the unit leader (SM-12). */
async function grantContractUse(sealId: string): Promise<string> {
  const submitted = await t.call('POST', '/api/seal-use-requests', {
    as: 'zz-amr-clerk',
    body: {
      sealId,
      documents: [{ title: '政府采购合同（甲方）', sha256: CONTRACT }],
      maxUses: 2,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + 24 * 3600_000).toISOString(),
      reason: '签订2026年度政府采购合同',
    },
  });
  expect(submitted.status).toBe(201);
  const requestId = submitted.body.id as string;
  const processKey = approvalWorkflowId('seal_use', requestId);
  for (let i = 0; i < 300; i++) {
    const view = await t.call('GET', `/api/seal-use-requests/${requestId}`, { as: 'zz-amr-clerk' });
    if (view.body.status === 'approved' && view.body.authorisation) return view.body.authorisation.id;
    const inbox = await t.call('GET', '/api/tasks?box=pending', { as: 'zz-amr-leader' });
    const task = (inbox.body.items as Array<{ taskId: string | null; processKey: string }>).find(
      (x) => x.processKey === processKey && x.taskId,
    );
    if (task) {
      await t.call('POST', `/api/tasks/${task.taskId}/approve`, {
        as: 'zz-amr-leader',
        body: { comment: '同意' },
      });
    }
    await sleep(100);
  }
  throw new Error(`seal-use request ${requestId} was not approved`);
}

const signContract = () =>
  t.call('POST', `/api/seals/${licenceUse.sealId}/sign`, {
    as: 'zz-amr-clerk',
    body: { authorisationId: contractAuthorisationId, documentHash: CONTRACT },
  });

const usedCount = async (id: string) =>
  (await t.em().findOneOrFail(SealUseAuthorisation, { id }, { disableIdentityMap: true })).usedCount;

describe('issue 11 Build 5: keys only in the signing worker', () => {
  it('the API runs with no key-encryption secret in its environment or configuration', () => {
    expect(process.env.PKI_MASTER_KEY).toBeUndefined();
    const config = t.platform.ctx.config;
    expect(Object.keys(config)).not.toContain('pkiMasterKey');
    expect(JSON.stringify(config)).not.toContain(TEST_PKI_MASTER_KEY);
  });

  it('without the signing worker nothing is signed: the sign endpoint and a tree head answer 503, an issuance waits', async () => {
    licenceUse = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
    contractAuthorisationId = await grantContractUse(licenceUse.sealId);

    const started = Date.now();
    const [refused, treeHead] = await Promise.all([
      signContract(),
      t.call('POST', '/api/transparency-log/tree-heads', { as: 'jc-admin' }),
    ]);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    // Issue 20: nothing waits to be appended, so the round's signing runs out of its 15 s within the request's 20.
    expect(treeHead.status).toBe(503);
    expect(treeHead.body.error.message).toBe('日志签名服务暂时不可用，请稍后重试');
    expect(Date.now() - started).toBeLessThan(30_000);

    const body = businessLicenceBody();
    pendingCaseId = body.caseId;
    const accepted = await t.call('POST', '/api/licenses', { as: 'zz-amr-system', body });
    expect(accepted.status).toBe(202);
    await sleep(2_000);
    const view = await t.call('GET', `/api/licenses/issuances/${encodeURIComponent(pendingCaseId)}`, {
      as: 'zz-amr-system',
    });
    expect(view.body.issuance.status).toBe('pending');
    expect(view.body.licence ?? null).toBeNull();
    expect(await usedCount(contractAuthorisationId)).toBe(0);
    expect(await usedCount(licenceUse.authorisationId)).toBe(0);
  });

  it('with the signing worker running apart, issuance, seal signing and verification work', async () => {
    signer = await startSigningProcess();

    // The waiting issuance is signed by the signing worker and verifies PASSED.
    const issued = await waitForIssued(t, pendingCaseId);
    const verified = await t.call('POST', '/api/verify', { body: { identifier: issued.licence.identifier } });
    expect(verified.body.indication).toBe('PASSED');
    expect(await usedCount(licenceUse.authorisationId)).toBe(1);

    // The sign endpoint signs through the signing worker; the signature verifies against the CA (public part only).
    const signed = await signContract();
    expect(signed.status).toBe(201);
    expect(signed.body).toMatchObject({ usedCount: 1, maxUses: 2, remainingUses: 1 });
    const ca = await t.em().findOneOrFail(CertificateAuthority, { id: CA_ID });
    expect(verifySealSignature(signed.body.signature, ca.certificatePem)).toMatchObject({
      valid: true,
      problem: null,
    });
    // The refused attempt while the worker was down consumed no use.
    expect(await usedCount(contractAuthorisationId)).toBe(1);
  });
});
