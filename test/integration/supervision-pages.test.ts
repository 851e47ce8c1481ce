/**
 * Issue 14 in the browser's terms (HTTP with a session cookie and forms, no API token): the random check's
 * checklist on the sample page (Build 3, LM-28), through the same services as `POST /api/supervision/samples` and
 * `…/checks`; and an announced case's page (Build 1 and 6, LM-9), linked from the SLA dashboard and the
 * late-arrivals list. Bad input is refused on the page in Chinese with nothing written; another jurisdiction's
 * supervisor gets a 403.
 */
import { randomUUID } from 'node:crypto';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { textProblems } from '../support/page-check';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { webLogin } from '../support/web-login';

let t: TestPlatform;
const cookies = new Map<string, string>();

beforeAll(async () => {
  t = await startTestPlatform();
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

async function cookieOf(username: string): Promise<string> {
  if (!cookies.has(username)) cookies.set(username, (await webLogin(t.url, username)).cookie!);
  return cookies.get(username)!;
}

/** A page as `username`'s browser opens it: status and HTML. */
async function open(path: string, username: string) {
  const res = await fetch(`${t.url}${path}`, {
    headers: { cookie: await cookieOf(username) },
    redirect: 'manual',
  });
  const html = await res.text();
  expect(html).not.toContain('[object');
  expect(html).not.toMatch(/>[^<]*\b(undefined|null|NaN)\b/);
  return { status: res.status, html };
}

/** A form posted as `username`'s browser posts it: status, where it redirects, and the HTML. */
async function post(path: string, username: string, fields: Record<string, string>) {
  const res = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: {
      cookie: await cookieOf(username),
      origin: t.url,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/** The page check's rules (test/e2e/page-check.e2e.test.ts) over a page's text outside tags and code elements. */
function expectPlainChinese(html: string) {
  const text = html
    .replace(/<head>[\s\S]*?<\/head>|<script[\s\S]*?<\/script>|<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[#\w]+;/g, ' ');
  expect(textProblems(text)).toEqual([]);
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [r]: Array<{ n: string }> = await t.em().execute(sql, params);
  return Number(r!.n);
}

/** Polls the unit's announced case (the JSON API) until `status`. */
async function caseWhen(caseId: string, status: string) {
  for (let i = 0; i < 300; i++) {
    const res = await t.call('GET', `/api/cases/${encodeURIComponent(caseId)}`, { as: 'zz-amr-system' });
    if (res.body.status === status) return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`case ${caseId} never became ${status}`);
}

describe('the random check on the sample page (LM-28)', () => {
  it('draws a sample, records each licence’s checklist through the form, refuses bad input in Chinese; 403 elsewhere', async () => {
    const a = (await issueLicence(t, businessLicenceBody())).licence.identifier as string;
    const b = (await issueLicence(t, businessLicenceBody())).licence.identifier as string;
    const sup = 'zz-approval-supervisor';

    // The list page, reached from the menu, with the draw form.
    const list = await open('/supervision/samples', sup);
    expect(list.status).toBe(200);
    expect(list.html).toContain('href="/supervision/samples"');
    expect(list.html).toContain('id="draw-form"');

    // A refused draw: shown on the page in Chinese, nothing drawn.
    const samplesBefore = await count(`select count(*) as n from random_sample`);
    const badDraw = await post('/supervision/samples', sup, { organisationId: 'zz-amr', size: '0' });
    expect(badDraw.status).toBe(400);
    expect(badDraw.html).toMatch(/id="sample-errors"><div>抽取份数应为 1 至 100 的整数<\/div><\/div>/);
    expect(await count(`select count(*) as n from random_sample`)).toBe(samplesBefore);

    const drawn = await post('/supervision/samples', sup, { organisationId: 'zz-amr', size: '100' });
    expect(drawn.status).toBe(303);
    const id = /^\/supervision\/samples\/([\w-]+)\?flash=drawn$/.exec(drawn.location ?? '')![1]!;
    let page = await open(`/supervision/samples/${id}`, sup);
    expect(page.status).toBe(200);
    expectPlainChinese(list.html);
    expectPlainChinese(badDraw.html);
    expectPlainChinese(page.html);
    const total = (
      await t.em().execute(`select licence_identifiers from random_sample where id = ?`, [id])
    )[0].licence_identifiers.length as number;
    expect(total).toBeGreaterThanOrEqual(2);
    expect(page.html).toMatch(
      new RegExp(
        `已核查 <strong id="sample-checked">0</strong> / 共 <strong id="sample-total">${total}</strong>`,
      ),
    );
    for (const l of [a, b]) expect(page.html).toContain(`id="licence-${l}"`);

    // Bad input: a missing answer (400) and a licence not in the sample (400), in Chinese; nothing written.
    const checks = () => count(`select count(*) as n from random_check where sample_id = ?`, [id]);
    const missing = await post(`/supervision/samples/${id}/checks`, sup, {
      licenceIdentifier: a,
      dataComplete: 'true',
      remark: '留下的备注',
    });
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('请选择照面是否清晰可读');
    expect(missing.html).toContain('留下的备注'); // the form keeps what was typed
    const notSampled = await post(`/supervision/samples/${id}/checks`, sup, {
      licenceIdentifier: 'NOT-SAMPLED',
      dataComplete: 'true',
      faceReadable: 'true',
    });
    expect(notSampled.status).toBe(400);
    expect(notSampled.html).toContain('该证照不在本次抽取的样本中');
    expect(await checks()).toBe(0);

    // A passes; recorded again it is a 409 shown on the page.
    const ok = await post(`/supervision/samples/${id}/checks`, sup, {
      licenceIdentifier: a,
      dataComplete: 'true',
      faceReadable: 'true',
      remark: '照面清晰',
    });
    expect(ok.status).toBe(303);
    expect(ok.location).toBe(`/supervision/samples/${id}?flash=checked#licence-${encodeURIComponent(a)}`);
    const again = await post(`/supervision/samples/${id}/checks`, sup, {
      licenceIdentifier: a,
      dataComplete: 'false',
      faceReadable: 'false',
    });
    expect(again.status).toBe(409);
    expect(again.html).toContain('该证照已记录抽查结果');
    expect(await checks()).toBe(1);

    // B's data are incomplete: a finding, linked from the page to its row on the findings page.
    expect(
      (
        await post(`/supervision/samples/${id}/checks`, sup, {
          licenceIdentifier: b,
          dataComplete: 'false',
          faceReadable: 'true',
        })
      ).status,
    ).toBe(303);
    page = await open(`/supervision/samples/${id}?flash=checked`, sup);
    expect(page.html).toContain('已记录核查结果');
    expectPlainChinese(page.html);
    expectPlainChinese(missing.html);
    expectPlainChinese(again.html);
    expect(page.html).toContain('<strong id="sample-checked">2</strong>');
    const card = (l: string) => new RegExp(`id="licence-${l}"[\\s\\S]*?</section>`).exec(page.html)![0];
    expect(card(a)).toMatch(/数据是否完整<\/td><td[^>]*>完整[\s\S]*照面清晰[\s\S]*核查合格/);
    expect(card(a)).toContain('核验通过');
    expect(card(a)).not.toContain('check-form');
    const [finding]: Array<{ id: string }> = await t
      .em()
      .execute(`select id from supervision_finding where source_key = ?`, [
        `random-check:${id}:${b}:random_check_data_incomplete`,
      ]);
    expect(card(b)).toContain(`href="/supervision/findings#finding-${finding!.id}"`);
    expect(card(b)).toContain('随机抽查中证照数据不完整');
    expect(card(b)).toMatch(/数据是否完整<\/td><td[^>]*>不完整/);
    const findings = await open('/supervision/findings', sup);
    expect(findings.html).toContain(`id="finding-${finding!.id}"`);
    const listed = await open('/supervision/samples', sup);
    expect(listed.html).toMatch(new RegExp(`data-sample-id="${id}"[\\s\\S]*?已核查 2 / 共 ${total}`));
    expect(
      await count(
        `select count(*) as n from audit_event where action = 'supervision.random_check' and target_id = ?`,
        [id],
      ),
    ).toBe(2);

    // The city draws a sample of a city unit: the county supervisor may neither open it nor record on it.
    const city = await post('/supervision/samples', 'jc-admin', { organisationId: 'jc-amr', size: '1' });
    expect(city.status).toBe(303);
    const cityId = /samples\/([\w-]+)\?/.exec(city.location!)![1]!;
    expect((await open(`/supervision/samples/${cityId}`, sup)).status).toBe(403);
    const foreign = await post(`/supervision/samples/${cityId}/checks`, sup, {
      licenceIdentifier: a,
      dataComplete: 'true',
      faceReadable: 'true',
    });
    expect(foreign.status).toBe(403);
    expect((await open('/supervision/samples', sup)).html).not.toContain(cityId);
    expect((await open('/supervision/samples', 'zz-amr-clerk')).status).toBe(403);
    expect((await open(`/supervision/samples/${randomUUID()}`, sup)).status).toBe(404);
  });
});

describe('an announced case’s page, linked from the SLA dashboard (LM-9)', () => {
  const announce = async (caseId: string, closedAt: Date) => {
    const res = await t.call('POST', '/api/cases', {
      as: 'zz-amr-system',
      body: { caseId, licenceType: BUSINESS_LICENCE_CODE, closedAt: closedAt.toISOString() },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('shows waiting, flagged, issued in time and issued late cases with their licence and finding; 403 elsewhere', async () => {
    const sup = 'zz-approval-supervisor';
    const longAgo = new Date(Date.now() - 10 * 86_400_000);
    // Flagged: closed ten days ago, never issued.
    const flaggedCase = `ZZ-FLAG-${randomUUID()}`;
    const flagged = await announce(flaggedCase, longAgo);
    await caseWhen(flaggedCase, 'flagged');
    // Waiting: closed now.
    const waitingCase = `ZZ-WAIT-${randomUUID()}`;
    const waiting = await announce(waitingCase, new Date());
    // Late: closed ten days ago, issued now.
    const lateCase = `ZZ-LATE-${randomUUID()}`;
    const late = await announce(lateCase, longAgo);
    const lateLicence = (
      await issueLicence(t, businessLicenceBody({ caseId: lateCase, caseClosedAt: longAgo.toISOString() }))
    ).licence.identifier as string;
    await caseWhen(lateCase, 'issued_late');

    // The dashboard links the waiting and the flagged case to their pages.
    const sla = await open('/supervision/sla', sup);
    expect(sla.status).toBe(200);
    expect(sla.html).toContain(`<a href="/supervision/cases/${waiting}">办件 ${waitingCase}</a>`);
    expect(sla.html).toContain(
      `<a href="/supervision/cases/${flagged}">办件 ${flaggedCase}（逾期未归集）</a>`,
    );
    // The late-arrivals list links the late case.
    const lateList = await open('/licences/late', sup);
    expect(lateList.html).toContain(`href="/supervision/cases/${late}"`);

    const flaggedPage = await open(`/supervision/cases/${flagged}`, sup);
    expect(flaggedPage.status).toBe(200);
    expect(flaggedPage.html).toContain(flaggedCase);
    expect(flaggedPage.html).toContain('营业执照');
    expect(flaggedPage.html).toContain('泽州县市场监督管理局');
    expect(flaggedPage.html).toMatch(/id="case-status" class="overdue">逾期未归集/);
    expect(flaggedPage.html).toMatch(/id="case-licence">尚未签发/);
    const [finding]: Array<{ id: string }> = await t
      .em()
      .execute(`select id from supervision_finding where source_key = ?`, [`announced-case:${flagged}`]);
    expect(flaggedPage.html).toContain(`href="/supervision/findings#finding-${finding!.id}"`);
    expect(flaggedPage.html).toContain('办结后次一工作日 24 时前未归集电子证照');

    const waitingPage = await open(`/supervision/cases/${waiting}`, sup);
    expect(waitingPage.html).toMatch(/id="case-status" class="">待归集/);
    expect(waitingPage.html).toMatch(/剩余/);
    expect(waitingPage.html).toMatch(/id="case-finding">无/);

    for (const html of [flaggedPage.html, waitingPage.html]) expectPlainChinese(html);
    const latePage = await open(`/supervision/cases/${late}`, sup);
    expect(latePage.html).toMatch(/id="case-status" class="overdue">逾期归集/);
    expect(latePage.html).toContain(`href="/licences/${lateLicence}"`);

    // Issued in time: the waiting case's licence arrives.
    const inTime = (await issueLicence(t, businessLicenceBody({ caseId: waitingCase }))).licence
      .identifier as string;
    await caseWhen(waitingCase, 'issued');
    const issuedPage = await open(`/supervision/cases/${waiting}`, sup);
    expect(issuedPage.html).toMatch(/id="case-status" class="">已按时归集/);
    expect(issuedPage.html).toContain(`href="/licences/${inTime}"`);
    expect(issuedPage.html).toMatch(/id="case-finding">无/);

    // The unit sees its own case (the finding named, not linked to the supervisors' page).
    const own = await open(`/supervision/cases/${flagged}`, 'zz-amr-issuer');
    expect(own.status).toBe(200);
    expect(own.html).toContain('办结后次一工作日 24 时前未归集电子证照');
    expect(own.html).not.toContain('/supervision/findings#');

    // Another county's case: refused to this county's supervisor and to the unit's staff; unknown is 404.
    const gpCase = randomUUID();
    await t.em().execute(
      `insert into announced_case (id, organisation_id, case_id, type_code, closed_at, deadline_at,
         deadline_provisional, announced_at, announced_by, status, workflow_id)
       values (?, 'gp-amr', ?, ?, now(), now() + interval '1 day', false, now(), 'gp-amr-issuer', 'open', ?)`,
      [gpCase, `GP-${gpCase}`, BUSINESS_LICENCE_CODE, `fixture-${gpCase}`],
    );
    expect((await open(`/supervision/cases/${gpCase}`, sup)).status).toBe(403);
    expect((await open(`/supervision/cases/${flagged}`, 'gp-amr-issuer')).status).toBe(403);
    expect((await open(`/supervision/cases/${gpCase}`, 'jc-admin')).status).toBe(200);
    expect((await open(`/supervision/cases/${randomUUID()}`, sup)).status).toBe(404);
  });
});
