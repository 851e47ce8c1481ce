/**
 * Issue 9 (Build 5): flow definitions are scoped and safe to change, against the real PostgreSQL and Temporal.
 * Who may save what (a county's administrator only its own units' flows; level and platform defaults only the
 * city's top management unit); no auto_approve on seal use (SM-12); drafts change nothing until published;
 * publishing and restoring run a dry run that refuses a step without approvers, naming the step and the
 * organisation; restoring a superseded version makes the next request follow it.
 */
import { ApprovalProcess, FlowDefinition } from '../../db/approval-entities';
import { AuditEvent, Seal } from '../../db/entities';
import { approvalWorkflowId } from '../../domain/approval';
import { saveAndPublishFlow } from '../support/flows';
import { webLogin as signIn } from '../support/web-login';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let sealId: string;

beforeAll(async () => {
  t = await startTestPlatform();
  // 泽州县市场监督管理局's licence-issuing seal, registered by the seed.
  sealId = (await t.em().findOneOrFail(Seal, { organisationId: 'zz-amr', status: 'active' })).id;
});
afterAll(async () => {
  await t?.stop();
});

const leaderStep = (key: string, name: string, extra: Record<string, unknown> = {}) => ({
  key,
  name,
  approvers: [{ type: 'department_leader' }],
  mode: 'single',
  ...extra,
});

/** A seal_use flow whose only step goes to whoever verifies licences in the initiator's unit: nobody, mostly. */
const nobodyStep = {
  key: 'verifiers',
  name: '证照核验人员会签',
  approvers: [{ type: 'role', role: 'licence_verifier' }],
  mode: 'all',
};

const countFlows = () => t.em().count(FlowDefinition, {});

async function activeSealUseFor(scope: { organisationId: string | null; jurisdictionLevel: null }) {
  return t.em().findOne(FlowDefinition, { kind: 'seal_use', ...scope, status: 'active' });
}

/** Submits a seal-use request as 张丽 (泽州县市场监督管理局) and reads its approval process once it has started. */
async function submitSealUse(): Promise<{ key: string; view: any; process: ApprovalProcess }> {
  const res = await t.call('POST', '/api/seal-use-requests', {
    as: 'zz-amr-clerk',
    body: {
      sealId,
      documents: [{ title: `流程定义测试文件 ${Date.now()}` }],
      maxUses: 1,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + 24 * 3600_000).toISOString(),
      reason: '验证流程定义的生效版本',
    },
  });
  expect(res.status).toBe(201);
  const key = approvalWorkflowId('seal_use', res.body.id);
  for (let i = 0; i < 100; i++) {
    const process = await t.em().findOne(ApprovalProcess, { id: key });
    const view = await t.call('GET', `/api/approvals/${key}`, { as: 'zz-amr-clerk' });
    if (process && view.status === 200 && view.body.tasks?.length) return { key, view: view.body, process };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`approval process ${key} did not start`);
}

describe('scope: who may save which flows (issue 9)', () => {
  it('a county admin saving a platform or city default gets 403, audited as denied, and nothing is stored', async () => {
    const before = await countFlows();
    const platformDefault = await t.call('POST', '/api/flow-definitions', {
      as: 'zz-admin',
      body: { kind: 'seal_use', name: '县里改的全平台用印流程', steps: [leaderStep('leader', '负责人审批')] },
    });
    expect(platformDefault.status).toBe(403);
    expect(platformDefault.body.error.code).toBe('FORBIDDEN');
    expect(platformDefault.body.error.message).toContain(
      '全平台默认流程只有晋城市管理单位的平台管理员可以维护',
    );

    const cityDefault = await t.call('POST', '/api/flow-definitions', {
      as: 'zz-admin',
      body: {
        kind: 'seal_use',
        name: '县里改的市级默认流程',
        jurisdictionLevel: 'city',
        steps: [leaderStep('leader', '负责人审批')],
      },
    });
    expect(cityDefault.status).toBe(403);
    expect(cityDefault.body.error.message).toContain('市级默认流程适用于全市');

    // Even its own level's default applies city-wide: only the city's top management unit sets level defaults.
    const countyDefault = await t.call('POST', '/api/flow-definitions', {
      as: 'zz-admin',
      body: {
        kind: 'seal_use',
        name: '县里改的县级默认流程',
        jurisdictionLevel: 'county',
        steps: [leaderStep('leader', '负责人审批')],
      },
    });
    expect(countyDefault.status).toBe(403);

    // Another county's unit is outside 泽州县.
    const otherCounty = await t.call('POST', '/api/flow-definitions', {
      as: 'zz-admin',
      body: {
        kind: 'seal_use',
        name: '给高平市定的流程',
        organisationId: 'gp-amr',
        steps: [leaderStep('leader', '负责人审批')],
      },
    });
    expect(otherCounty.status).toBe(403);
    expect(otherCounty.body.error.message).toBe('只能为本辖区内的单位定制审批流程');

    // The city may not set the province's default: it lies above the platform's city.
    const province = await t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: {
        kind: 'seal_use',
        name: '省级默认流程',
        jurisdictionLevel: 'province',
        steps: [leaderStep('leader', '负责人审批')],
      },
    });
    expect(province.status).toBe(403);
    expect(province.body.error.message).toContain('不能维护高于本级（市级）的省级默认流程');

    expect(await countFlows()).toBe(before);
    const denied = await t.em().find(AuditEvent, {
      action: 'flow_definition.save',
      outcome: 'denied',
      actorUsername: 'zz-admin',
    });
    expect(denied).toHaveLength(4);
    expect(denied.map((d) => d.details.jurisdictionLevel)).toEqual(
      expect.arrayContaining([null, 'city', 'county']),
    );
  });

  it('a county admin saves and publishes a flow of a unit in its county; the city admin saves a county default', async () => {
    const own = await saveAndPublishFlow(
      t,
      {
        kind: 'seal_application',
        name: '泽州县住建局印章申请',
        organisationId: 'zz-housing',
        steps: [
          {
            key: 'county',
            name: '县审批局审核',
            approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'zz-approval' }],
            mode: 'single',
          },
        ],
      },
      'zz-admin',
    );
    expect(own).toMatchObject({ status: 'active', organisationId: 'zz-housing', publishedBy: 'zz-admin' });

    const level = await t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: {
        kind: 'seal_application',
        name: '县级默认印章申请',
        jurisdictionLevel: 'county',
        steps: [
          {
            key: 'county',
            name: '本级审核',
            approvers: [
              {
                type: 'management_unit',
                function: 'seal_management_department',
                role: 'seal_reviewer',
                levelsUp: 0,
              },
            ],
            mode: 'single',
          },
        ],
      },
    });
    expect(level.status).toBe(201);
    expect(level.body.status).toBe('draft');
    // The county admin may not publish (or even preview) the city's level default either.
    const publishByCounty = await t.call('POST', `/api/flow-definitions/${level.body.id}/publish`, {
      as: 'zz-admin',
    });
    expect(publishByCounty.status).toBe(403);
    expect(
      (await t.call('GET', `/api/flow-definitions/${level.body.id}/preview`, { as: 'zz-admin' })).status,
    ).toBe(403);
    expect(await t.em().count(AuditEvent, { action: 'flow_definition.publish', outcome: 'denied' })).toBe(1);
  });
});

describe('SM-12: no auto approval of seal use (issue 9)', () => {
  it('auto_approve on a seal_use step is 400 naming steps.N.onBreach, and nothing is stored', async () => {
    const before = await countFlows();
    const res = await t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: {
        kind: 'seal_use',
        name: '超期自动通过的用印流程',
        organisationId: 'zz-amr',
        steps: [
          leaderStep('leader', '负责人审批', { due: { workingDays: 1 } }),
          leaderStep('again', '负责人复核', { due: { workingDays: 1 }, onBreach: 'auto_approve' }),
        ],
      },
    });
    expect(res.status).toBe(400);
    const problem = res.body.error.details.find((d: { field: string }) => d.field === 'steps.1.onBreach');
    expect(problem.message).toContain('法定名称章的用印须由单位负责人决定');
    expect(res.body.error.message).toContain('steps.1.onBreach');
    expect(await countFlows()).toBe(before);

    // Other kinds keep auto_approve.
    const application = await t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: {
        kind: 'seal_application',
        name: '超期自动通过的印章申请',
        organisationId: 'zz-amr',
        steps: [
          {
            key: 'county',
            name: '县审批局审核',
            approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'zz-approval' }],
            mode: 'single',
            due: { workingDays: 1 },
            onBreach: 'auto_approve',
          },
        ],
      },
    });
    expect(application.status).toBe(201);
  });
});

describe('drafts, dry run, publish and restore (issue 9)', () => {
  it('publishing a version whose step finds no approver for an organisation is 400 naming the step and the organisation; nothing changes', async () => {
    const activeBefore = await activeSealUseFor({ organisationId: null, jurisdictionLevel: null });
    // The incident of issue 9: a platform default whose step resolves nobody in most units.
    const draft = await t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: { kind: 'seal_use', name: '用印审批（核验人员会签）', steps: [nobodyStep] },
    });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: 'draft', publishedAt: null });

    const preview = await t.call('GET', `/api/flow-definitions/${draft.body.id}/preview`, { as: 'jc-admin' });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ ok: false, scope: 'platform', sampled: false });
    // Every organisation without a seal_use flow of its own or of its level: all of them here.
    expect(preview.body.organisationsInScope).toBe(preview.body.organisations.length);
    const gp = preview.body.organisations.find(
      (o: { organisationName: string }) => o.organisationName === '高平市市场监督管理局',
    );
    expect(gp.steps[0].problem).toContain(
      '步骤“证照核验人员会签”（verifiers）在高平市市场监督管理局找不到审批人',
    );
    const hrss = preview.body.organisations.find(
      (o: { organisationName: string }) => o.organisationName === '晋城市人力资源和社会保障局',
    );
    expect(hrss.steps[0]).toMatchObject({ problem: null, approvers: ['冯磊（晋城市人力资源和社会保障局）'] });

    const published = await t.call('POST', `/api/flow-definitions/${draft.body.id}/publish`, {
      as: 'jc-admin',
    });
    expect(published.status).toBe(400);
    expect(published.body.error.code).toBe('VALIDATION_FAILED');
    const problems = published.body.error.details as Array<{ field: string; message: string }>;
    expect(problems.map((p) => p.field)).toContain('steps.0.approvers');
    expect(problems.map((p) => p.message)).toContainEqual(
      expect.stringMatching(/步骤“证照核验人员会签”（verifiers）在高平市市场监督管理局找不到审批人/),
    );

    // Nothing changed: the draft is still a draft, the active default still active.
    expect((await t.em().findOneOrFail(FlowDefinition, { id: draft.body.id })).status).toBe('draft');
    const activeAfter = await activeSealUseFor({ organisationId: null, jurisdictionLevel: null });
    expect(activeAfter?.id).toBe(activeBefore?.id);
    expect(
      await t.em().count(AuditEvent, {
        action: 'flow_definition.publish',
        targetId: draft.body.id,
        outcome: 'rejected',
      }),
    ).toBe(1);

    // The organisation's own flow is checked for that organisation only.
    const ownDraft = await t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: {
        kind: 'seal_use',
        name: '人社局用印（核验人员会签）',
        organisationId: 'jc-hrss',
        steps: [nobodyStep],
      },
    });
    const ownPreview = await t.call('GET', `/api/flow-definitions/${ownDraft.body.id}/preview`, {
      as: 'jc-admin',
    });
    expect(ownPreview.body).toMatchObject({ ok: true, scope: 'organisation', organisationsInScope: 1 });
  });

  it('a draft changes no new process until published (the request follows the active flow)', async () => {
    const draft = await t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: {
        kind: 'seal_use',
        name: '泽州县市场监管局用印（未发布）',
        organisationId: 'zz-amr',
        steps: [nobodyStep],
      },
    });
    expect(draft.status).toBe(201);
    const active = await activeSealUseFor({ organisationId: null, jurisdictionLevel: null });

    const { view, process } = await submitSealUse();
    expect(process.definitionId).toBe(active!.id);
    expect(view.status).toBe('running');
    expect(view.steps.map((s: { name: string }) => s.name)).toEqual(['单位负责人审批']);
    expect(view.tasks[0].assignee).toMatchObject({ displayName: '郭志强' });
  });

  it('restoring the previous version makes the next request use it: a new version with v1’s steps', async () => {
    const v1 = await saveAndPublishFlow(t, {
      kind: 'seal_use',
      name: '泽州县市场监管局用印（第一版）',
      organisationId: 'zz-amr',
      steps: [leaderStep('leader-v1', '局长审批（第一版）')],
    });
    const v2 = await saveAndPublishFlow(t, {
      kind: 'seal_use',
      name: '泽州县市场监管局用印（第二版）',
      organisationId: 'zz-amr',
      steps: [
        leaderStep('leader-v2', '局长审批（第二版）', { due: { workingDays: 2 } }),
        leaderStep('leader-v2b', '局长复核（第二版）'),
      ],
    });
    expect(v2.version).toBe(v1.version + 1);
    expect((await t.em().findOneOrFail(FlowDefinition, { id: v1.id })).status).toBe('superseded');
    const underV2 = await submitSealUse();
    expect(underV2.view.definition).toMatchObject({ id: v2.id, version: v2.version });

    // 泽州县's own administrator may restore a flow of a unit in 泽州县.
    const restored = await t.call('POST', `/api/flow-definitions/${v1.id}/restore`, { as: 'zz-admin' });
    expect(restored.status).toBe(201);
    expect(restored.headers.get('location')).toBe(`/api/flow-definitions/${restored.body.id}`);
    expect(restored.body).toMatchObject({
      status: 'active',
      version: v2.version + 1,
      name: v1.name,
      steps: v1.steps,
      restoredFromId: v1.id,
      publishedBy: 'zz-admin',
    });
    expect((await t.em().findOneOrFail(FlowDefinition, { id: v2.id })).status).toBe('superseded');

    const next = await submitSealUse();
    expect(next.process).toMatchObject({ definitionId: restored.body.id, definitionVersion: v2.version + 1 });
    expect(next.view.steps.map((s: { name: string }) => s.name)).toEqual(['局长审批（第一版）']);
    // The process started before keeps v2.
    expect((await t.em().findOneOrFail(ApprovalProcess, { id: underV2.key })).definitionId).toBe(v2.id);

    const audit = await t.em().findOneOrFail(AuditEvent, {
      action: 'flow_definition.restore',
      targetId: restored.body.id,
      outcome: 'success',
    });
    expect(audit.details).toMatchObject({ restoredFrom: { id: v1.id, version: v1.version } });

    // Conflicts: publishing or restoring the active version; restoring a draft; publishing a draft older than the
    // active version (it would silently undo a later decision).
    const r = restored.body.id as string;
    expect((await t.call('POST', `/api/flow-definitions/${r}/publish`, { as: 'jc-admin' })).status).toBe(409);
    expect((await t.call('POST', `/api/flow-definitions/${r}/restore`, { as: 'jc-admin' })).status).toBe(409);
    const stale = await t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: {
        kind: 'seal_use',
        name: '泽州县市场监管局用印（草稿）',
        organisationId: 'zz-amr',
        steps: v1.steps,
      },
    });
    expect(stale.status).toBe(201);
    expect(
      (await t.call('POST', `/api/flow-definitions/${stale.body.id}/restore`, { as: 'jc-admin' })).status,
    ).toBe(409);
    expect((await t.call('POST', `/api/flow-definitions/${v2.id}/restore`, { as: 'jc-admin' })).status).toBe(
      201,
    );
    const late = await t.call('POST', `/api/flow-definitions/${stale.body.id}/publish`, { as: 'jc-admin' });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain('草稿已过时');
    expect(
      await t.call('POST', '/api/flow-definitions/no-such-version/restore', { as: 'jc-admin' }),
    ).toMatchObject({
      status: 404,
    });
  });
});

describe('the flow page (issue 9)', () => {
  async function webLogin(username: string): Promise<string> {
    const res = await signIn(t.url, username);
    expect(res.status).toBe(303);
    return res.cookie!;
  }

  it('shows a draft’s dry run; 发布 refused shows the problems in Chinese; a cross-site POST is refused', async () => {
    const draft = await t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: {
        kind: 'seal_use',
        name: '高平市市场监管局用印（核验人员）',
        organisationId: 'gp-amr',
        steps: [nobodyStep],
      },
    });
    const cookie = await webLogin('jc-admin');
    const html = await (await fetch(`${t.url}/flows/${draft.body.id}`, { headers: { cookie } })).text();
    expect(html).toContain('草稿（未生效）');
    expect(html).toContain('id="flow-preview-table"');
    expect(html).toContain('在高平市市场监督管理局找不到审批人');
    expect(html).toContain('id="publish-flow"');

    const crossSite = await fetch(`${t.url}/flows/${draft.body.id}/publish`, {
      method: 'POST',
      headers: {
        cookie,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      redirect: 'manual',
    });
    expect(crossSite.status).toBe(403);

    const refused = await fetch(`${t.url}/flows/${draft.body.id}/publish`, {
      method: 'POST',
      headers: { cookie, origin: t.url, 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    expect(refused.status).toBe(400);
    const page = await refused.text();
    expect(page).toContain('id="flow-action-errors"');
    expect(page).toContain('步骤“证照核验人员会签”（verifiers）在高平市市场监督管理局找不到审批人');
    expect((await t.em().findOneOrFail(FlowDefinition, { id: draft.body.id })).status).toBe('draft');

    // A publishable draft: 发布 redirects to the page of the now active version.
    const good = await t.call('POST', '/api/flow-definitions', {
      as: 'jc-admin',
      body: {
        kind: 'seal_use',
        name: '高平市市场监管局用印（局长）',
        organisationId: 'gp-amr',
        steps: [leaderStep('leader', '局长审批')],
      },
    });
    const ok = await fetch(`${t.url}/flows/${good.body.id}/publish`, {
      method: 'POST',
      headers: { cookie, origin: t.url, 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/flows/${good.body.id}?flash=published`);
    const after = await (
      await fetch(`${t.url}${ok.headers.get('location')}`, { headers: { cookie } })
    ).text();
    expect(after).toContain('生效中');
    expect(after).toContain('已发布并生效');
  });
});
