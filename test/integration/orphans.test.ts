/**
 * A server that crashed between storing a request and starting its process loses nothing: at start it finds the
 * pending records without a process and starts them, once (workflow ids come from the record ids).
 */
import { randomUUID } from 'node:crypto';
import { createSigningActivities } from '../../activities/signing';
import { SealApplication } from '../../db/entities';
import { SealUseRequest } from '../../db/seal-use-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { ApprovalService } from '../../api/services/approvals';
import { SealApplicationService } from '../../api/services/seal-applications';
import { SealUseService } from '../../api/services/seal-use';
import { TEST_PKI_MASTER_KEY } from '../support/env';
import { sealApplicationRow } from '../support/seals';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let approvals: ApprovalService;
beforeAll(async () => {
  t = await startTestPlatform();
  approvals = new ApprovalService(t.platform.ctx);
});
afterAll(async () => {
  await t?.stop();
});

const twoMinutesAgo = () => new Date(Date.now() - 120_000);

async function inboxHas(username: string, processId: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const items = (await t.call('GET', '/api/tasks', { as: username })).body.items as Array<{
      processId: string;
    }>;
    if (items.some((x) => x.processId === processId)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function applicationRow(id: string, name: string) {
  return {
    ...sealApplicationRow(id, name),
    approvalWorkflowId: approvalWorkflowId('seal_application', id),
    createdAt: twoMinutesAgo(),
  };
}

it('a seal application stored without its process gets one at start, and only one', async () => {
  const id = randomUUID();
  await t.em().insert(SealApplication, applicationRow(id, '泽州县市场监督管理局合同专用章'));
  const service = new SealApplicationService(t.platform.ctx, approvals);
  expect(await service.resumeOrphans()).toBe(1);
  expect(await inboxHas('zz-approval-reviewer', id)).toBe(true);
  expect(await service.resumeOrphans()).toBe(0);
});

it('a seal-use request stored without its process gets one at start, and only one', async () => {
  // A seal to use, made directly by the seal-making activity.
  const applicationId = randomUUID();
  await t.em().insert(SealApplication, {
    ...applicationRow(applicationId, '泽州县市场监督管理局'),
    kind: 'legal_name',
  });
  await t.em().nativeUpdate(SealApplication, { id: applicationId }, { status: 'approved' });
  const seal = await createSigningActivities({
    orm: t.platform.orm,
    pkiMasterKey: TEST_PKI_MASTER_KEY,
    publicUrl: t.workerEnv.PUBLIC_URL!,
  }).makeSeal({
    applicationId,
  });

  const id = randomUUID();
  await t.em().insert(SealUseRequest, {
    id,
    sealId: seal.sealId,
    organisationId: 'zz-amr',
    applicantId: 'user-zz-amr-clerk',
    documents: [{ title: '采购合同' }],
    maxUses: 1,
    validFrom: new Date(),
    validTo: new Date(Date.now() + 86_400_000),
    reason: '签订采购合同',
    status: 'pending',
    approvalWorkflowId: approvalWorkflowId('seal_use', id),
    workflowId: `seal-use-${id}`,
    createdAt: twoMinutesAgo(),
  });
  const service = new SealUseService(t.platform.ctx, approvals);
  expect(await service.resumeOrphans()).toBe(1);
  expect(await inboxHas('zz-amr-leader', id)).toBe(true);
  expect(await service.resumeOrphans()).toBe(0);
});
