/**
 * Issue 15 Build 1-3: organisations and people kept in the platform, against the real API and PostgreSQL (and the
 * signing worker for the one signing that must succeed). A county's administrator (zz-admin, 泽州县) maintains the
 * units and people of its county only (LM-5); roles follow the unit's functions (SM-2); a person who leaves or
 * moves loses their live seal-use authorisations (SM-12).
 */
import { createHash, randomUUID } from 'node:crypto';
import { AppUser, AuditEvent, Organisation } from '../../db/entities';
import { OrganisationVersion } from '../../db/organisation-entities';
import { SealSignatureRecord, SealUseAuthorisation, SealUseRequest } from '../../db/seal-use-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { Task } from '../../db/entities';
import { approvalHelpers, step } from '../support/approvals';
import { randomUscc, withWrongCheck } from '../support/licences';
import { formPost, startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';

let t: TestPlatform;
const ZEZHOU = '140525';
const GAOPING = '140581';

beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

/** Polls until `probe` answers something (a workflow's projection catching up), at most ~10 s. */
async function waitFor<T>(probe: () => Promise<T | null>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const found = await probe();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

const unitBody = (overrides: Record<string, unknown> = {}) => ({
  name: '泽州县数据局',
  uscc: randomUscc(),
  jurisdictionId: ZEZHOU,
  functions: ['using_unit'],
  ...overrides,
});

describe('organisations (Build 1)', () => {
  it('a county admin creates, edits and closes a unit in its county; another county is 403', async () => {
    const created = await t.call('POST', '/api/organisations', { as: 'zz-admin', body: unitBody() });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ name: '泽州县数据局', jurisdictionId: ZEZHOU, closed: false });

    const edited = await t.call('PATCH', `/api/organisations/${id}`, {
      as: 'zz-admin',
      body: { name: '泽州县数据和政务服务局', functions: ['using_unit', 'issuing_unit'], reason: '机构改革' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      name: '泽州县数据和政务服务局',
      functions: ['using_unit', 'issuing_unit'],
    });

    const closed = await t.call('POST', `/api/organisations/${id}/close`, {
      as: 'zz-admin',
      body: { reason: '职能并入' },
    });
    expect(closed.status).toBe(200);
    expect(closed.body.closed).toBe(true);
    expect(closed.body.history.map((v: { change: string }) => v.change)).toEqual([
      'closed',
      'updated',
      'created',
    ]);
    const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect(closed.body.history[1]).toMatchObject({ version: 2, effectiveFrom: today, changedBy: 'zz-admin' });
    const audited = await t
      .em()
      .find(AuditEvent, { targetType: 'organisation', targetId: id }, { orderBy: { at: 'asc' } });
    expect(audited.map((e) => e.action)).toEqual([
      'organisation.create',
      'organisation.update',
      'organisation.close',
    ]);

    // 高平市 is another county: creating there, editing or closing its unit are all refused.
    const elsewhere = await t.call('POST', '/api/organisations', {
      as: 'zz-admin',
      body: unitBody({ jurisdictionId: GAOPING }),
    });
    expect(elsewhere.status).toBe(403);
    expect(
      (await t.call('PATCH', '/api/organisations/gp-amr', { as: 'zz-admin', body: { name: '改名' } })).status,
    ).toBe(403);
    expect(
      (await t.call('POST', '/api/organisations/gp-amr/close', { as: 'zz-admin', body: { reason: '撤销' } }))
        .status,
    ).toBe(403);
    // The city's administrator reaches every county.
    const city = await t.call('PATCH', `/api/organisations/gp-housing`, {
      as: 'jc-admin',
      body: { effectiveFrom: today, name: '高平市住房和城乡建设管理局' },
    });
    expect(city.status).toBe(200);
    // A seeded unit gets its state before the first change as version 1.
    expect(city.body.history.map((v: { change: string; name: string }) => [v.change, v.name])).toEqual([
      ['updated', '高平市住房和城乡建设管理局'],
      ['baseline', '高平市住房和城乡建设局'],
    ]);
  });

  it('a USCC with a wrong check character is 400 naming the field, and nothing is written', async () => {
    const before = await t.em().count(Organisation, {});
    const res = await t.call('POST', '/api/organisations', {
      as: 'zz-admin',
      body: unitBody({ uscc: withWrongCheck(randomUscc()) }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'uscc', rule: 'uscc_check' })]);
    expect(res.body.error.message).toMatch(/校验位/);
    const onEdit = await t.call('PATCH', '/api/organisations/zz-housing', {
      as: 'zz-admin',
      body: { uscc: withWrongCheck(randomUscc()) },
    });
    expect(onEdit.status).toBe(400);
    expect(await t.em().fork().count(Organisation, {})).toBe(before);
    expect(await t.em().fork().count(OrganisationVersion, { organisationId: 'zz-housing' })).toBe(0);
  });

  it('refuses a future effective date, a parent cycle and a unit’s own staff closing it', async () => {
    const future = await t.call('PATCH', '/api/organisations/zz-housing', {
      as: 'zz-admin',
      body: { name: '泽州县住建局', effectiveFrom: '2999-01-01' },
    });
    expect(future.status).toBe(400);
    expect(future.body.error.details[0]).toMatchObject({ field: 'effectiveFrom' });
    const noSuchDay = await t.call('PATCH', '/api/organisations/zz-housing', {
      as: 'zz-admin',
      body: { name: '泽州县住建局', effectiveFrom: '2026-02-30' },
    });
    expect(noSuchDay.status).toBe(400);
    const control = await t.call('POST', '/api/organisations', {
      as: 'zz-admin',
      body: unitBody({ name: '泽州县\u0000数据局' }),
    });
    expect(control.status).toBe(400);
    expect(control.body.error.details[0]).toMatchObject({ field: 'name' });
    const self = await t.call('PATCH', '/api/organisations/zz-housing', {
      as: 'zz-admin',
      body: { parentId: 'zz-housing' },
    });
    expect(self.status).toBe(400);
    expect(
      (
        await t.call('POST', '/api/organisations/zz-amr/close', {
          as: 'zz-amr-leader',
          body: { reason: 'x' },
        })
      ).status,
    ).toBe(403);
    // A unit with active staff cannot be closed.
    expect(
      (await t.call('POST', '/api/organisations/zz-police/close', { as: 'zz-admin', body: { reason: 'x' } }))
        .status,
    ).toBe(409);
  });

  it('shows the county and its units on the tree', async () => {
    const tree = await t.call('GET', '/api/organisation-tree', { as: 'zz-admin' });
    expect(tree.status).toBe(200);
    expect(tree.body.jurisdictions.map((j: { id: string }) => j.id)).toEqual([ZEZHOU]);
    expect(tree.body.jurisdictions[0].units.map((u: { id: string }) => u.id)).toEqual(
      expect.arrayContaining(['zz-amr', 'zz-approval', 'zz-police']),
    );
    expect((await t.call('GET', '/api/organisation-tree', { as: 'zz-amr-clerk' })).status).toBe(403);
  });
});

describe('people and roles (Build 2)', () => {
  it('adds a person with roles the unit allows, refuses a seal reviewer outside a seal department, moves them', async () => {
    const subject = `sub-${randomUUID()}`;
    const reviewerAtAmr = await t.call('POST', '/api/organisations/zz-amr/people', {
      as: 'zz-admin',
      body: {
        username: 'zz-amr-newcomer',
        displayName: '新同事',
        oidcSubject: subject,
        roles: ['seal_reviewer'],
      },
    });
    expect(reviewerAtAmr.status).toBe(400);
    expect(reviewerAtAmr.body.error.details[0]).toMatchObject({
      field: 'roles',
      rule: 'allowed_by_functions',
    });

    const added = await t.call('POST', '/api/organisations/zz-amr/people', {
      as: 'zz-admin',
      body: {
        username: 'zz-amr-newcomer',
        displayName: '新同事',
        oidcSubject: subject,
        roles: ['seal_applicant'],
      },
    });
    expect(added.status).toBe(201);
    const id = added.body.id as string;
    expect((await t.em().fork().findOneOrFail(AppUser, { id })).oidcSubject).toBe(subject);

    // A unit leader is not an administrator; another county's unit is out of reach.
    expect(
      (await t.call('PATCH', `/api/people/${id}`, { as: 'zz-amr-leader', body: { displayName: 'x' } }))
        .status,
    ).toBe(403);
    const toGaoping = await t.call('PATCH', `/api/people/${id}`, {
      as: 'zz-admin',
      body: { organisationId: 'gp-amr' },
    });
    expect(toGaoping.status).toBe(403);

    const moved = await t.call('PATCH', `/api/people/${id}`, {
      as: 'zz-admin',
      body: { organisationId: 'zz-approval', roles: ['seal_reviewer'], reason: '调岗' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ organisationId: 'zz-approval', roles: ['seal_reviewer'] });
    expect(moved.body.history.map((h: { action: string }) => h.action)).toEqual(['user.move', 'user.create']);
    const staff = await t.call('GET', '/api/organisations/zz-approval/people', { as: 'zz-admin' });
    expect(staff.body.items.map((p: { username: string }) => p.username)).toContain('zz-amr-newcomer');
  });

  it('refuses taking a function away from under its staff’s roles', async () => {
    const res = await t.call('PATCH', '/api/organisations/zz-police', {
      as: 'zz-admin',
      body: { functions: ['using_unit'] },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('秦刚');
  });
});

describe('a person who leaves or moves (Build 3)', () => {
  const CONTRACT = createHash('sha256').update('issue 15 contract').digest('hex');
  let sealId: string;

  beforeAll(async () => {
    sealId = await makeTestSeal(t, 'business', '泽州县市场监督管理局合同专用章');
  });

  async function authorisationFor(username: string): Promise<string> {
    const em = t.em().fork();
    const grantee = await em.findOneOrFail(AppUser, { username });
    const requestId = randomUUID();
    const documents = [{ title: '采购合同', sha256: CONTRACT }];
    const validFrom = new Date(Date.now() - 60_000);
    const validTo = new Date(Date.now() + 3600_000);
    await em.insert(SealUseRequest, {
      id: requestId,
      sealId,
      organisationId: 'zz-amr',
      applicantId: grantee.id,
      documents,
      maxUses: 5,
      validFrom,
      validTo,
      reason: '合同用印',
      status: 'approved',
      approvalWorkflowId: approvalWorkflowId('seal_use', requestId),
      workflowId: `seal-use-${requestId}`,
      createdAt: new Date(),
      decidedAt: new Date(),
    });
    const id = randomUUID();
    await em.insert(SealUseAuthorisation, {
      id,
      requestId,
      sealId,
      granteeId: grantee.id,
      documents,
      maxUses: 5,
      usedCount: 0,
      validFrom,
      validTo,
      approvedBy: [],
      createdAt: new Date(),
      status: 'active',
    });
    return id;
  }
  it('deactivating a reviewer with two pending tasks hands both back to the group, noted in each timeline', async () => {
    const h = approvalHelpers(t);
    await h.saveFlow([step('a', { mode: 'all' })]);
    const processes = [await h.start(), await h.start()];
    for (const p of processes) expect(await h.openTasksOf(p.key, 'zz-approval-reviewer2')).toHaveLength(1);

    const res = await t.call('POST', '/api/people/user-zz-approval-reviewer2/deactivate', {
      as: 'zz-admin',
      body: { reason: '退休' },
    });
    expect(res.status).toBe(200);

    for (const p of processes) {
      const timeline = await waitFor(async () => {
        const v = await h.view(p.key);
        return v.history.find((e: { action: string }) => e.action === 'reassigned') ? v : null;
      });
      expect(timeline.history.at(-1)).toMatchObject({
        action: 'reassigned',
        label: '人员变动改派',
        comment: '杨帆已停用，任务改由泽州县行政审批服务管理局同岗位人员办理',
      });
      // The inbox projection follows the workflow's state once the workflow has written it.
      const tasks = await waitFor(async () => {
        const rows = await t
          .em()
          .fork()
          .find(Task, { workflowId: p.key }, { orderBy: { createdAt: 'asc' } });
        const old = rows.find((x) => x.assigneeUserId === 'user-zz-approval-reviewer2');
        return old?.status === 'transferred' ? rows : null;
      });
      expect(tasks.filter((x) => x.status === 'pending' && x.assigneeUserId === null)).toEqual([
        expect.objectContaining({ assigneeOrganisationId: 'zz-approval', assigneeRole: 'seal_reviewer' }),
      ]);
      // The group's members see it in their inbox and may decide it.
      expect((await h.openTasksOf(p.key, 'zz-approval-reviewer3')).length).toBe(2);
    }
  });

  const sign = (as: string, authorisationId: string) =>
    t.call('POST', `/api/seals/${sealId}/sign`, { as, body: { authorisationId, documentHash: CONTRACT } });

  it('moving a person revokes their authorisation (audited) and signing with it is refused', async () => {
    const authorisationId = await authorisationFor('zz-amr-clerk');
    expect((await sign('zz-amr-clerk', authorisationId)).status).toBe(201);
    const moved = await t.call('PATCH', '/api/people/user-zz-amr-clerk', {
      as: 'zz-admin',
      body: { organisationId: 'zz-police' },
    });
    expect(moved.status).toBe(200);
    const row = await t.em().fork().findOneOrFail(SealUseAuthorisation, { id: authorisationId });
    expect(row.status).toBe('revoked');
    expect(
      await t
        .em()
        .fork()
        .findOne(AuditEvent, { action: 'seal_use.authorisation_revoke', targetId: authorisationId }),
    ).toMatchObject({ actorUsername: 'zz-admin', details: expect.objectContaining({ because: 'moved' }) });
    // In another unit the seal is not theirs; back in the unit, the authorisation stays revoked.
    expect((await sign('zz-amr-clerk', authorisationId)).status).toBe(403);
    const back = await t.call('PATCH', '/api/people/user-zz-amr-clerk', {
      as: 'zz-admin',
      body: { organisationId: 'zz-amr' },
    });
    expect(back.status).toBe(200);
    const refused = await sign('zz-amr-clerk', authorisationId);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.reason).toBe('AUTHORISATION_REVOKED');
    expect(await t.em().fork().count(SealSignatureRecord, { authorisationId })).toBe(1);
  });

  it('a deactivated person loses their authorisation and their account signs no more', async () => {
    const authorisationId = await authorisationFor('zz-amr-deputy');
    await t.token('zz-amr-deputy'); // signed in before leaving
    const res = await t.call('POST', '/api/people/user-zz-amr-deputy/deactivate', {
      as: 'zz-admin',
      body: { reason: '离职' },
    });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect((await t.em().fork().findOneOrFail(SealUseAuthorisation, { id: authorisationId })).status).toBe(
      'revoked',
    );
    expect((await sign('zz-amr-deputy', authorisationId)).status).toBe(401);
    expect(await t.em().fork().count(SealSignatureRecord, { authorisationId })).toBe(0);
    const again = await t.call('POST', '/api/people/user-zz-amr-deputy/deactivate', {
      as: 'zz-admin',
      body: { reason: '离职' },
    });
    expect(again.status).toBe(409);
  });
});

describe('the 机构与人员 pages’ forms', () => {
  const post = (path: string, fields: Array<[string, string]>) =>
    t.call<string>('POST', path, { as: 'zz-admin', ...formPost(fields) });

  it('each form posts through the services and goes 303 to the unit’s or the person’s page', async () => {
    const uscc = randomUscc();
    const created = await post('/organisations', [
      ['name', '泽州县政务数据中心'],
      ['uscc', uscc],
      ['jurisdictionId', ZEZHOU],
      ['functions', 'using_unit'],
    ]);
    expect(created.status).toBe(303);
    const unitUrl = created.headers.get('location')!;
    expect(unitUrl).toMatch(/^\/organisations\/[^/]+$/);
    const unitId = decodeURIComponent(unitUrl.split('/').pop()!);
    expect((await t.em().fork().findOneOrFail(Organisation, { id: unitId })).name).toBe('泽州县政务数据中心');

    // The unit page's edit form sends the name and the USCC as they stand, changed or not.
    const edited = await post(`${unitUrl}/edit`, [
      ['name', '泽州县政务数据服务中心'],
      ['uscc', uscc],
      ['functions', 'using_unit'],
      ['functions', 'issuing_unit'],
      ['reason', '更名'],
    ]);
    expect([edited.status, edited.headers.get('location')]).toEqual([303, unitUrl]);
    const unit = (await t.call('GET', `/api/organisations/${unitId}`, { as: 'zz-admin' })).body;
    expect(unit).toMatchObject({ name: '泽州县政务数据服务中心', functions: ['using_unit', 'issuing_unit'] });

    const added = await post(`${unitUrl}/people`, [
      ['username', 'zz-data-clerk'],
      ['displayName', '数据中心经办人'],
      ['oidcSubject', `sub-${randomUUID()}`],
      ['roles', 'licence_verifier'],
    ]);
    expect(added.status).toBe(303);
    const personUrl = added.headers.get('location')!;
    expect(personUrl).toMatch(/^\/people\/[^/]+$/);
    const personId = decodeURIComponent(personUrl.split('/').pop()!);

    const moved = await post(`${personUrl}/edit`, [
      ['organisationId', 'zz-amr'],
      ['roles', 'seal_applicant'],
      ['reason', '调岗'],
    ]);
    expect([moved.status, moved.headers.get('location')]).toEqual([303, personUrl]);
    const deactivated = await post(`${personUrl}/deactivate`, [['reason', '离职']]);
    expect([deactivated.status, deactivated.headers.get('location')]).toEqual([303, personUrl]);
    const person = await t.em().fork().findOneOrFail(AppUser, { id: personId });
    expect([person.organisationId, person.active]).toEqual(['zz-amr', false]);

    const closed = await post(`${unitUrl}/close`, [['reason', '职能并入']]);
    expect([closed.status, closed.headers.get('location')]).toEqual([303, unitUrl]);
    expect((await t.call('GET', `/api/organisations/${unitId}`, { as: 'zz-admin' })).body.closed).toBe(true);
  });

  it('a refused form shows the reason in Chinese on the error page, and nothing is written', async () => {
    const before = await t.em().fork().count(Organisation, {});
    const refused = await post('/organisations', [
      ['name', '泽州县政务数据中心'],
      ['uscc', withWrongCheck(randomUscc())],
      ['jurisdictionId', ZEZHOU],
      ['functions', 'using_unit'],
    ]);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
    expect(refused.body).toMatch(/校验位/);
    expect(await t.em().fork().count(Organisation, {})).toBe(before);

    const elsewhere = await post('/organisations/gp-amr/close', [['reason', '职能并入']]);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body).toContain('无权访问');
  });
});
