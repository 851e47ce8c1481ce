/**
 * Issue 10 build item 1 against the running approval workflow, through the API: a conditional gateway takes each
 * branch for the matching data (and the default), parallel nodes join all or any, the no-approver rule (reject by
 * default, the management unit's administrator on request, never one lacking the role the process requires,
 * SM-12), per-step actions, required reasons and the handwritten signature (stored, served, refused when bad).
 */
import { PNG } from 'pngjs';
import { approvalWorkflowId } from '../../domain/approval';
import { AppUser } from '../../db/entities';
import { approvalHelpers, ApprovalHelpers, step } from '../support/approvals';
import { applicationBody } from '../support/fixtures';
import { saveActiveFlow } from '../support/flows';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';

let t: TestPlatform;
let h: ApprovalHelpers;

beforeAll(async () => {
  t = await startTestPlatform();
  h = approvalHelpers(t);
});
afterAll(async () => {
  await t?.stop();
});

const userId = async (username: string) => (await t.em().findOneOrFail(AppUser, { username })).id;
const byUser = async (username: string) => ({ type: 'user' as const, userId: await userId(username) });

async function submit(as: string, body = applicationBody()): Promise<string> {
  const res = await t.call('POST', '/api/seal-applications', { as, body });
  if (res.status !== 201) throw new Error(`submitting: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.approvalWorkflowId;
}

/** The keys of the steps the process has run or is running, in order, as its history shows them. */
async function stepsRun(key: string, as: string): Promise<string[]> {
  const view = await h.view(key, as);
  const names = view.history.filter((e: any) => e.action === 'step_started').map((e: any) => e.stepName);
  return names.map((n: string) => view.steps.find((s: any) => s.name === n)?.key);
}

const pngDataUrl = (width = 60, height = 24) => {
  const png = new PNG({ width, height });
  png.data.fill(0);
  for (let x = 5; x < width - 5; x++)
    png.data.writeUInt32BE(0x000000ff, (Math.floor(height / 2) * width + x) * 4);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
};

describe('issue 10: a conditional branch takes each branch for the matching data', () => {
  const gatewayFlow = () => [
    {
      type: 'condition' as const,
      key: 'route',
      name: '按印章与层级分流',
      branches: [
        {
          name: '法定名称章',
          when: { variable: 'sealKind', op: 'eq' as const, value: 'legal_name' },
          steps: [step('legal', { name: '法定名称章审核' })],
        },
        {
          name: '县级单位',
          when: { variable: 'applicantLevel', op: 'eq' as const, value: 'county' },
          steps: [step('county', { name: '县级审核' })],
        },
      ],
      otherwise: [step('city', { name: '市级审核' })],
    },
    step('final', { name: '终审' }),
  ];

  beforeAll(async () => {
    for (const org of ['zz-amr', 'gp-amr', 'jc-amr']) await h.saveFlow(gatewayFlow() as never, org);
  });

  it.each([
    [
      '法定名称章',
      'gp-amr-clerk',
      applicationBody({ kind: 'legal_name', name: '高平市市场监督管理局', custodian: { name: '吴涛' } }),
      'legal',
    ],
    ['县级单位', 'zz-amr-clerk', applicationBody(), 'county'],
    ['默认分支', 'jc-amr-clerk', applicationBody({ name: '晋城市市场监督管理局合同专用章' }), 'city'],
  ])('the branch %s (a seal application of %s)', async (branchName, clerk, body, branchStep) => {
    const key = await submit(clerk, body);
    let view = await h.view(key, clerk);
    expect(view.history.find((e: any) => e.action === 'branch_taken')).toMatchObject({
      targets: [branchName],
      comment: `按印章与层级分流：进入“${branchName}”`,
    });
    expect(view.steps.map((s: any) => s.key)).toEqual([branchStep, 'final']);
    await h.approve('zz-approval-reviewer', key);
    await h.waitForStatus(key, 'running', clerk);
    for (let i = 0; i < 50 && (await h.openTasksOf(key, 'zz-approval-reviewer')).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await h.approve('zz-approval-reviewer', key);
    view = await h.waitForStatus(key, 'approved', clerk);
    expect(await stepsRun(key, clerk)).toEqual([branchStep, 'final']);
  });
});

describe('issue 10: parallel branches', () => {
  const parallelFlow = async (join: 'all' | 'any') => [
    {
      type: 'parallel' as const,
      key: 'joint',
      name: '联合审核',
      join,
      branches: [
        {
          key: 'legal',
          name: '法务审核',
          approvers: [await byUser('zz-approval-reviewer')],
          mode: 'single' as const,
        },
        {
          key: 'finance',
          name: '财务审核',
          approvers: [await byUser('zz-approval-reviewer2')],
          mode: 'single' as const,
        },
      ],
    },
  ];

  it('an all-join waits for both branches', async () => {
    await h.saveFlow((await parallelFlow('all')) as never);
    const key = await submit('zz-amr-clerk');
    const view = await h.view(key);
    expect(view.tasks.map((x: any) => [x.branchKey, x.status])).toEqual([
      ['legal', 'pending'],
      ['finance', 'pending'],
    ]);
    await h.approve('zz-approval-reviewer', key);
    const waiting = await h.view(key);
    expect(waiting.status).toBe('running');
    expect(await h.openTasksOf(key, 'zz-approval-reviewer2')).toHaveLength(1);
    await h.approve('zz-approval-reviewer2', key);
    await h.waitForStatus(key, 'approved');
  });

  it('with an any-join the first branch decides and the other branch’s task is cancelled', async () => {
    await h.saveFlow((await parallelFlow('any')) as never);
    const key = await submit('zz-amr-clerk');
    await h.approve('zz-approval-reviewer2', key);
    const view = await h.waitForStatus(key, 'approved');
    expect(view.tasks.map((x: any) => [x.branchKey, x.status])).toEqual([
      ['legal', 'cancelled'],
      ['finance', 'approved'],
    ]);
    const late = await t.call('GET', '/api/tasks?box=pending', { as: 'zz-approval-reviewer' });
    expect(late.body.items.filter((i: any) => i.processKey === key)).toEqual([]);
  });
});

describe('issue 10: no approver found', () => {
  // Nobody at 泽州县市场监督管理局 is an auditor: the countersign step finds no one.
  const nobody = (extra: object = {}) =>
    step('nobody', {
      name: '审计会签',
      approvers: [{ type: 'role', role: 'auditor', organisationId: 'zz-amr' }],
      mode: 'all',
      ...extra,
    });

  it('reject (the default) ends the process with a clear reason', async () => {
    // The API's dry run refuses to publish such a flow; a flow whose people left since is the real case.
    await saveActiveFlow(t.em(), {
      kind: 'seal_application',
      name: '无人审批的流程',
      organisationId: 'zz-amr',
      steps: [nobody()],
    } as never);
    const key = await submit('zz-amr-clerk');
    const view = await h.waitForStatus(key, 'rejected');
    expect(view.outcomeReason).toBe(
      '步骤“审计会签”找不到审批人，流程终止，请联系平台管理员检查流程定义或人员配置',
    );
  });

  it('assign_admin gives the task to the management unit’s administrator', async () => {
    await h.saveFlow([nobody({ noApprover: 'assign_admin' })] as never);
    const key = await submit('zz-amr-clerk');
    const view = await h.view(key);
    expect(view.history.find((e: any) => e.action === 'step_started').comment).toBe(
      '本步骤找不到审批人，按流程规定交由泽州县行政审批服务管理局管理员办理',
    );
    await h.approve('zz-admin', key);
    await h.waitForStatus(key, 'approved');
  });

  it('assign_admin never where the process requires a role the administrator lacks (legal-name seal use, SM-12)', async () => {
    await h.saveFlow([nobody({ noApprover: 'assign_admin' })] as never, 'zz-amr', 'seal_use');
    const legal = await makeTestSeal(t, 'legal_name', '泽州县市场监督管理局');
    const business = await makeTestSeal(t, 'business', '泽州县市场监督管理局合同专用章');
    const useBody = (sealId: string) => ({
      sealId,
      documents: [{ title: '政府采购合同（甲方）' }],
      maxUses: 1,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + 24 * 3600_000).toISOString(),
      reason: '签订政府采购合同',
    });
    const legalRes = await t.call('POST', '/api/seal-use-requests', {
      as: 'zz-amr-clerk',
      body: useBody(legal),
    });
    expect(legalRes.status).toBe(201);
    const legalView = await h.waitForStatus(approvalWorkflowId('seal_use', legalRes.body.id), 'rejected');
    expect(legalView.outcomeReason).toBe(
      '步骤“审计会签”找不到审批人；管理单位管理员不具备本流程要求的审批权限（法定名称章的用印只能由单位负责人批准），不能代为审批，流程终止',
    );
    // The same flow for a business seal, which needs no such role, goes to the administrator.
    const bizRes = await t.call('POST', '/api/seal-use-requests', {
      as: 'zz-amr-clerk',
      body: useBody(business),
    });
    expect(bizRes.status).toBe(201);
    const bizKey = approvalWorkflowId('seal_use', bizRes.body.id);
    expect(await h.openTasksOf(bizKey, 'zz-admin')).toHaveLength(1);
  });
});

describe('issue 10: per-step actions, required reasons and the handwritten signature', () => {
  let key: string;
  let taskId: string;

  beforeAll(async () => {
    await h.saveFlow([
      step('sign', {
        name: '签批',
        actions: ['approve', 'reject', 'cc'],
        reasonRequired: { approve: true },
        signature: 'required',
      }),
    ] as never);
    key = await submit('zz-amr-clerk');
    taskId = await h.openTaskOf(key, 'zz-approval-reviewer');
  });

  it('a step without 转办 and 加签 does not offer them and the API refuses them', async () => {
    const view = await h.view(key, 'zz-approval-reviewer');
    expect(view.tasks.find((x: any) => x.id === taskId).actions).toEqual(['approve', 'reject', 'cc']);
    const transfer = await h.act('zz-approval-reviewer', taskId, 'transfer', { to: 'zz-approval-reviewer2' });
    expect(transfer.status).toBe(403);
    expect(transfer.body.error.message).toBe('本步骤不提供“转办”操作');
    const add = await h.act('zz-approval-reviewer', taskId, 'add-signer', {
      signer: 'zz-approval-reviewer2',
      position: 'before',
    });
    expect(add.status).toBe(403);
  });

  it('approving without the required comment or signature is 400 naming the field; a bad PNG is 400', async () => {
    const noComment = await h.act('zz-approval-reviewer', taskId, 'approve', { signature: pngDataUrl() });
    expect(noComment.status).toBe(400);
    expect(noComment.body.error.details).toEqual([
      expect.objectContaining({ field: 'comment', message: '本步骤同意时必须填写审批意见' }),
    ]);
    const noSignature = await h.act('zz-approval-reviewer', taskId, 'approve', { comment: '同意' });
    expect(noSignature.status).toBe(400);
    expect(noSignature.body.error.details).toEqual([
      expect.objectContaining({ field: 'signature', message: '本步骤同意时须手写签名' }),
    ]);
    const notPng = await h.act('zz-approval-reviewer', taskId, 'approve', {
      comment: '同意',
      signature: `data:image/png;base64,${Buffer.from('not a png at all').toString('base64')}`,
    });
    expect(notPng.status).toBe(400);
    expect(notPng.body.error.details).toEqual([
      expect.objectContaining({ field: 'signature', message: '签名不是有效的 PNG 图片' }),
    ]);
    const huge = await h.act('zz-approval-reviewer', taskId, 'approve', {
      comment: '同意',
      signature: pngDataUrl(3000, 10),
    });
    expect(huge.status).toBe(400);
    expect((await h.view(key)).status).toBe('running');
  });

  it('a signed approval records the signature, served to who may see the process', async () => {
    const signature = pngDataUrl();
    const res = await h.act('zz-approval-reviewer', taskId, 'approve', { comment: '同意', signature });
    expect(res.status).toBe(200);
    const view = await h.waitForStatus(key, 'approved');
    const approved = view.history.find((e: any) => e.action === 'approved');
    expect(approved.signatureId).toEqual(expect.any(String));
    // The initiator, who did not upload it, reads the very bytes drawn.
    const image = await fetch(`${t.url}/api/attachments/${approved.signatureId}`, {
      headers: { authorization: `Bearer ${await t.token('zz-amr-clerk')}` },
    });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toContain('image/png');
    const bytes = Buffer.from(await image.arrayBuffer());
    expect(bytes.equals(Buffer.from(signature.split(',')[1]!, 'base64'))).toBe(true);
    const stranger = await t.call('GET', `/api/attachments/${approved.signatureId}`, { as: 'gp-amr-clerk' });
    expect(stranger.status).toBe(403);
  });
});

describe('issue 10: flow definitions with branches are checked at the edge and by the dry run', () => {
  const save = (steps: unknown[]) =>
    t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: { kind: 'seal_application', name: '分支校验', organisationId: 'zz-amr', steps },
    });
  const gateway = (branches: unknown[]) => ({
    type: 'condition',
    key: 'g',
    name: '分流',
    branches,
    otherwise: [],
  });
  const fields = (res: { body: any }) => res.body.error.details.map((d: any) => `${d.field}: ${d.message}`);

  it('bad branch structure is 400 naming the path', async () => {
    expect(fields(await save([gateway([]), step('a')]))).toEqual([
      'steps.0.branches: 条件分支至少需要一个分支',
    ]);
    const unknown = await save([
      gateway([{ name: '大额', when: { variable: 'amount', op: 'gt', value: 5 }, steps: [step('x')] }]),
      step('a'),
    ]);
    expect(unknown.status).toBe(400);
    expect(fields(unknown)).toEqual([
      'steps.0.branches.0.when.variable: 未知的流程变量 amount，可用：sealKind、applicantLevel',
    ]);
    const mismatch = await save([
      gateway([
        { name: '分支', when: { variable: 'sealKind', op: 'lt', value: 'business' }, steps: [step('x')] },
      ]),
      step('a'),
    ]);
    expect(fields(mismatch)).toEqual(['steps.0.branches.0.when.op: 印章类型只能用等于、不等于或属于比较']);
    const duplicate = await save([
      gateway([
        { name: '分支', when: { variable: 'sealKind', op: 'eq', value: 'business' }, steps: [step('a')] },
      ]),
      step('a'),
    ]);
    expect(fields(duplicate)).toEqual(['steps.1.key: 步骤标识 a 重复']);
  });

  it('the dry run resolves the steps inside branches and names the path of one that finds nobody', async () => {
    const saved = await save([
      gateway([
        {
          name: '分支',
          when: { variable: 'sealKind', op: 'eq', value: 'business' },
          steps: [
            step('x', {
              approvers: [{ type: 'role', role: 'auditor', organisationId: 'zz-amr' }],
              mode: 'all',
            }),
          ],
        },
      ]),
      step('a'),
    ]);
    expect(saved.status).toBe(201);
    const published = await t.call('POST', `/api/flow-definitions/${saved.body.id}/publish`, {
      as: 'jc-admin',
    });
    expect(published.status).toBe(400);
    expect(published.body.error.details.map((d: any) => d.field)).toContain(
      'steps.0.branches.0.steps.0.approvers',
    );
  });
});
