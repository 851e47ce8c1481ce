/**
 * Issue 14 Build 2 on a real platform (PostgreSQL, Temporal, SMTP): the rules of a supervision run beyond those of
 * supervision.test.ts — holders' complaints that paper was demanded (kind 5, LM-28), taken by the API and by the
 * form linked from the verification and licence pages; service items yielding a licence without a licence type
 * (kind 1); usage-list requests left unanswered past their approval step's deadline and licences missing items
 * their type marks as required (kind 4) — and the extension form on a rectification order's page (LM-30).
 */
import { randomUUID } from 'node:crypto';
import { AuditEvent } from '../../db/entities';
import { SupervisionFinding } from '../../db/supervision-entities';
import { runSupervision } from '../../usecases/supervision-run';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { findingFor } from '../support/supervision';
import { webLogin } from '../support/web-login';

// Low, so that the test can show the complaint form's throttle (counted per address, API and form together).
const COMPLAINTS_PER_HOUR = 12;
let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ env: { RATE_LIMIT_DISPUTES_PER_HOUR: String(COMPLAINTS_PER_HOUR) } });
});
afterAll(async () => {
  await t?.stop();
});

const sql = (query: string, params: unknown[] = []) => t.em().fork().getConnection().execute(query, params);
const findingsOf = (rule: string) => t.em().fork().find(SupervisionFinding, { rule });
const runAll = () => runSupervision(t.em().fork(), new Date(), { exchangeConfigured: false });

describe('LM-28 kind 5: complaints that paper was demanded', () => {
  const complaints = async () => Number((await sql(`select count(*) as n from paper_complaint`))[0].n);
  const complain = (body: unknown, as?: string) => t.call('POST', '/api/paper-complaints', { as, body });
  const good = {
    organisationId: 'zz-amr',
    serviceItem: '000141001000',
    description: '在窗口办理企业用电报装时被要求提供营业执照纸质复印件',
    contact: { name: '李四', phone: '13800000000' },
  };
  let sent = 0;

  it('bad input is a 400 naming the field, nothing stored; a good one is stored, audited and found by a run', async () => {
    const before = await complaints();
    for (const [body, field] of [
      [{ ...good, organisationId: 'no-such-unit' }, 'organisationId'],
      [{ ...good, serviceItem: '999999999999' }, 'serviceItem'],
      [{ ...good, serviceItem: 'x' }, 'serviceItem'],
      [{ ...good, description: '纸质' }, 'description'],
      [{ ...good, contact: { name: '李四' } }, 'contact.phone'],
      [{ ...good, licenceIdentifier: '1.2.156.3005.2.NONE' }, 'licenceIdentifier'],
    ] as const) {
      const res = await complain(body);
      sent++;
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].field).toBe(field);
      expect(res.body.error.details[0].message).toMatch(/[\u4e00-\u9fa5]/);
    }
    expect(await complaints()).toBe(before);

    const { licence } = await (async () => {
      await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
      return issueLicence(t, businessLicenceBody());
    })();
    // The holder signs in or not: here anonymous, from the licence's verification page.
    const received = await complain({ ...good, licenceIdentifier: licence.identifier });
    sent++;
    expect(received.status).toBe(201);
    expect(received.body).toMatchObject({
      organisationId: 'zz-amr',
      organisationName: '泽州县市场监督管理局',
      serviceItem: { code: '000141001000', name: '企业用电报装' },
      licenceIdentifier: licence.identifier,
    });
    expect(await complaints()).toBe(before + 1);
    const audit = await t.em().fork().find(AuditEvent, { action: 'supervision.paper_complaint' });
    expect(audit).toContainEqual(
      expect.objectContaining({ targetId: received.body.id, actorUsername: 'anonymous', outcome: 'success' }),
    );

    // The management unit's run makes it a finding of the unit named, the complaint as evidence.
    const run = await t.call('POST', '/api/supervision/runs', { as: 'zz-approval-supervisor' });
    expect(run.body.found.paper_complaint).toBe(1);
    const found = await t.call('GET', '/api/supervision/findings?organisationId=zz-amr&kind=paper', {
      as: 'zz-approval-supervisor',
    });
    expect(found.body.items).toEqual([
      expect.objectContaining({
        rule: 'paper_complaint',
        ruleLabel: '办事群众投诉被要求提供纸质证照',
        state: 'new',
        evidence: expect.objectContaining({
          complaintId: received.body.id,
          serviceItemName: '企业用电报装',
          licenceIdentifier: licence.identifier,
          description: good.description,
        }),
      }),
    ]);
    // The contact stays with the complaint, not in the finding.
    expect(JSON.stringify(found.body.items[0].evidence)).not.toContain('13800000000');
  });

  it('the form: linked from the verification page; a refused form shows each problem beside its field', async () => {
    const identifier = String(
      (await sql(`select identifier from licence where status = 'valid' limit 1`))[0].identifier,
    );
    const verifyPage = await (await fetch(`${t.url}/verify/${encodeURIComponent(identifier)}`)).text();
    expect(verifyPage).toContain(`/complaints/paper/new?licence=${identifier}`);
    const page = await (await fetch(`${t.url}/complaints/paper/new?licence=${identifier}`)).text();
    expect(page).toContain('投诉被要求提供纸质证照');
    expect(page).toContain('泽州县市场监督管理局');

    const post = (fields: Record<string, string>) =>
      fetch(`${t.url}/complaints/paper/new`, {
        method: 'POST',
        headers: { origin: t.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });
    const before = await complaints();
    const refused = await post({
      licence: identifier,
      organisationId: '',
      description: '纸质',
      contactName: '王五',
    });
    sent++;
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toMatch(/id="error-organisationId">请选择要求提供纸质证照的单位</);
    expect(html).toMatch(/id="error-description">请说明被要求提供纸质证照的经过/);
    expect(html).toMatch(/id="error-contactPhone">请留下电话或电子邮箱</);
    expect(html).toContain('value="王五"');
    expect(await complaints()).toBe(before);

    const accepted = await post({
      licence: identifier,
      organisationId: 'zz-amr',
      description: '办理食品经营许可时窗口要求提交营业执照纸质原件',
      contactName: '王五',
      contactEmail: 'wangwu@example.com',
    });
    sent++;
    expect(accepted.status).toBe(201);
    expect(await accepted.text()).toMatch(/投诉已受理[\s\S]*泽州县市场监督管理局/);
    expect(await complaints()).toBe(before + 1);

    // Throttled per address like the dispute forms: past the limit a 429, nothing stored.
    const statuses: number[] = [];
    for (; sent < COMPLAINTS_PER_HOUR + 1; sent++) {
      statuses.push((await complain({ ...good, description: `第 ${sent} 次被窗口要求提供纸质证照` })).status);
    }
    expect(statuses.at(-1)).toBe(429);
    const stored = statuses.filter((s) => s === 201).length;
    expect(statuses.length - stored).toBe(1);
    expect(await complaints()).toBe(before + 1 + stored);
  });
});

describe('LM-28 kind 1: a service item yielding a licence that no licence type is compiled for', () => {
  it('is a finding of the item’s unit; one a published type names is not', async () => {
    const [orphan, covered] = [
      'ZZ' + randomUUID().slice(0, 8).toUpperCase(),
      'ZZ' + randomUUID().slice(0, 8).toUpperCase(),
    ];
    for (const code of [orphan, covered]) {
      await sql(
        `insert into service_item (code, name, organisation_id, summary, yields_licence) values (?, ?, 'zz-amr', '', ?)`,
        [code, `测试事项${code}`, '测试许可证'],
      );
    }
    await sql(
      `update licence_type set definition = jsonb_set(definition, '{serviceItems}',
         coalesce(definition->'serviceItems', '[]'::jsonb) || jsonb_build_array(jsonb_build_object('code', ?::text, 'name', '测试')))
        where code = ? and status = 'published'`,
      [covered, BUSINESS_LICENCE_CODE],
    );
    const result = await runAll();
    expect(result.found.service_item_without_type).toBeGreaterThanOrEqual(1);
    const found = (await findingsOf('service_item_without_type')).map((f) => f.evidence.serviceItemCode);
    expect(found).toContain(orphan);
    expect(found).not.toContain(covered);
    const [finding] = (await findingsOf('service_item_without_type')).filter(
      (f) => f.evidence.serviceItemCode === orphan,
    );
    expect(finding).toMatchObject({
      organisationId: 'zz-amr',
      kind: 'catalogue',
      evidence: { serviceItemName: `测试事项${orphan}`, yieldsLicence: '测试许可证' },
    });
  });
});

describe('LM-28 kind 4: data refused, delayed or reduced', () => {
  it('a usage-list request not answered by its approval step’s working-day deadline is a finding of the unit it waited on', async () => {
    const submitted = await t.call('POST', '/api/usage-list-requests', {
      as: 'jc-hrss-verifier',
      body: { typeCode: BUSINESS_LICENCE_CODE, purpose: '工伤保险参保单位核验', fullData: true },
    });
    expect(submitted.status).toBe(201);
    const processKey = submitted.body.approval.workflowId as string;
    // The engine's first step, waiting on the management unit (its task carries the working-day deadline).
    let task: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !task; i++) {
      [task] = await sql(
        `select t.assignee_organisation_id, t.due_at, p.organisation_id, p.jurisdiction_id, p.current_step_name
           from task t join approval_process p on p.id = t.workflow_id
          where t.workflow_id = ? and t.status = 'pending' and t.due_at is not null`,
        [processKey],
      );
      if (!task) await new Promise((r) => setTimeout(r, 100));
    }
    expect(task).toBeDefined();
    // The deadline passes unanswered: the engine records the breach (as approval-deadline workflows do).
    const breachedAt = new Date();
    await sql(
      `insert into deadline_breach (id, process_key, kind, organisation_id, jurisdiction_id, step_index, step_name,
         due_at, breached_at, action, task_ids, assignee_organisation_ids)
       values (?, ?, 'licence_usage', ?, ?, 0, ?, ?, ?, 'notify_supervisor', '[]', array[?])`,
      [
        `${processKey}:s0:r1`,
        processKey,
        task!.organisation_id,
        task!.jurisdiction_id,
        task!.current_step_name,
        task!.due_at,
        breachedAt,
        task!.assignee_organisation_id,
      ],
    );
    expect((await runAll()).found.usage_request_overdue).toBe(1);
    const [finding] = await findingsOf('usage_request_overdue');
    expect(finding).toMatchObject({
      organisationId: task!.assignee_organisation_id,
      kind: 'sharing',
      evidence: {
        usageRequestId: submitted.body.id,
        requestingUnitId: submitted.body.organisationId,
        typeCode: BUSINESS_LICENCE_CODE,
        dueAt: new Date(task!.due_at as string).toISOString(),
        statusWhenFound: 'pending',
      },
    });
  });

  it('a valid licence missing an item its type marks as required is a finding of its issuer', async () => {
    await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
    const { licence } = await issueLicence(t, businessLicenceBody());
    const [item] = await sql(
      `select i->>'key' as key, i->>'label' as label
         from licence_type, jsonb_array_elements(definition->'dataItems') i
        where code = ? and status = 'published' and (i->>'required')::boolean limit 1`,
      [BUSINESS_LICENCE_CODE],
    );
    const before = (await findingsOf('required_items_missing')).length;
    await runAll();
    // Issued complete: nothing to find for it.
    expect(
      (await findingsOf('required_items_missing')).filter(
        (f) => f.evidence.licenceIdentifier === licence.identifier,
      ),
    ).toEqual([]);
    // Its shared data reduced: the required item gone.
    await sql(`update licence set data = data - ? where identifier = ?`, [item.key, licence.identifier]);
    await runAll();
    const found = (await findingsOf('required_items_missing')).filter(
      (f) => f.evidence.licenceIdentifier === licence.identifier,
    );
    expect(found).toEqual([
      expect.objectContaining({
        organisationId: 'zz-amr',
        kind: 'sharing',
        evidence: expect.objectContaining({ missingItems: [item.label], missingKeys: [item.key] }),
      }),
    ]);
    expect((await findingsOf('required_items_missing')).length).toBe(before + 1);
  });
});

describe('LM-30 extension on the order page', () => {
  it('the supervisor extends once with a reason; a missing reason is shown beside its field', async () => {
    const findingId = await findingFor(t.em().fork(), new Date());
    const created = await t.call('POST', '/api/rectification-orders', {
      as: 'zz-approval-supervisor',
      body: {
        organisationId: 'zz-amr',
        findingIds: [findingId],
        requirements: '限期补录逾期未归集的电子证照',
        deadline: { workingDays: 3 },
      },
    });
    expect(created.status).toBe(201);
    const path = `/rectification-orders/${created.body.id}`;
    const supervisor = (await webLogin(t.url, 'zz-approval-supervisor')).cookie!;
    const unit = (await webLogin(t.url, 'zz-amr-leader')).cookie!;
    const page = async (cookie: string) => (await fetch(`${t.url}${path}`, { headers: { cookie } })).text();
    expect(await page(supervisor)).toContain('id="extend-form"');
    expect(await page(unit)).not.toContain('id="extend-form"');
    const post = (fields: Record<string, string>) =>
      fetch(`${t.url}${path}/extend`, {
        method: 'POST',
        headers: { cookie: supervisor, origin: t.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });

    const noReason = await post({ reason: '', workingDays: '10' });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toMatch(/id="extend-error-reason">请填写延期理由</);
    const tooSoon = await post({ reason: '涉及系统改造', workingDays: '1' });
    expect(tooSoon.status).toBe(400);
    const soonHtml = await tooSoon.text();
    expect(soonHtml).toMatch(/id="extend-error-deadline">延长后的期限应晚于原整改期限</);
    expect(soonHtml).toContain('涉及系统改造</textarea>');
    const unchanged = await t.call('GET', `/api/rectification-orders/${created.body.id}`, {
      as: 'zz-approval-supervisor',
    });
    expect(unchanged.body.deadline.dueAt).toBe(created.body.deadline.dueAt);

    const extended = await post({ reason: '涉及系统改造', workingDays: '10' });
    expect(extended.status).toBe(303);
    const after = await t.call('GET', `/api/rectification-orders/${created.body.id}`, {
      as: 'zz-approval-supervisor',
    });
    expect(after.body.extensionReason).toBe('涉及系统改造');
    expect(Date.parse(after.body.deadline.dueAt)).toBeGreaterThan(Date.parse(created.body.deadline.dueAt));
    const html = await page(supervisor);
    expect(html).toContain('涉及系统改造');
    // Once only: the form is gone, and posting again is refused.
    expect(html).not.toContain('id="extend-form"');
    expect((await post({ reason: '再次延期', workingDays: '20' })).status).toBe(409);
    const audited = await t.em().fork().find(AuditEvent, { targetId: created.body.id });
    expect(audited.map((a) => a.action)).toContain('rectification.extend');
  });
});
