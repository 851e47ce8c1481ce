/**
 * Issue 17 Builds 5 and 6 on the real platform (PostgreSQL, Temporal): 已办 and 我的申请 are searched by 办件编号,
 * keyword, unit and date and paged; the approval records, the licence ledger and the late arrivals export Excel
 * files whose rows are the pages' (read back with exceljs); the seal application form picks people by unit and name
 * (staff only), warns of a second active seal of the same name, and shows each error beside its field in Chinese;
 * the calendar is one year of month grids with its holidays and adjusted working days marked.
 */
import ExcelJS from 'exceljs';
import { addCalendarDays, shanghaiDateOf } from '../../domain/calendar';
import { AppUser } from '../../db/entities';
import { applicationBody, pngImprint } from '../support/fixtures';
import { approvalHelpers } from '../support/approvals';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let done: { key: string; caseNumber: string; applicationId: string; startedOn: string };
let lateCaseId: string;

const DAY_MS = 24 * 3600_000;

/** The rows of the table `id`, each a list of its cells' text. */
function tableRows(html: string, id: string): string[][] {
  const table = new RegExp(`<table[^>]*id="${id}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? '';
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return body
    .split(/<tr(?=[\s>])/)
    .slice(1)
    .map((row) =>
      row
        .split(/<td(?=[\s>])/)
        .slice(1)
        .map((cell) =>
          cell
            .replace(/^[^>]*>/, '')
            .replace(/<[^>]+>/g, ' ')
            .replace(/\s+/g, ' ')
            .trim(),
        ),
    );
}

async function page(path: string, as: string, status = 200): Promise<string> {
  const res = await t.call('GET', path, { as });
  expect([path, res.status]).toEqual([path, status]);
  return res.body as string;
}

/** An Excel download read back: the header row and the data rows, as text. */
async function workbook(path: string, as: string): Promise<{ header: string[]; rows: string[][] }> {
  const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${await t.token(as)}` } });
  expect([path, res.status]).toEqual([path, 200]);
  expect(res.headers.get('content-type')).toContain('spreadsheetml');
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ExcelJS.Buffer);
  const sheet = book.worksheets[0]!;
  const all: string[][] = [];
  sheet.eachRow((row) => all.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
  return { header: all[0] ?? [], rows: all.slice(1) };
}

/** Posts the seal application form (multipart) as `as`; the answer's status and page. */
async function submitForm(as: string, fields: Record<string, string | string[]>, withImprint = true) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) form.append(k, one);
  if (withImprint)
    form.append('imprint', new Blob([new Uint8Array(pngImprint())], { type: 'image/png' }), 'imprint.png');
  const res = await fetch(`${t.url}/seal-applications/new`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await t.token(as)}` },
    body: form,
    redirect: 'manual',
  });
  return { status: res.status, html: await res.text(), location: res.headers.get('location') };
}

const FORM = {
  kind: 'business',
  name: '泽州县市场监督管理局表单测试专用章',
  widthMm: '42',
  heightMm: '42',
  custodianName: '张丽',
  reason: '表单测试',
};

beforeAll(async () => {
  t = await startTestPlatform();
  const h = approvalHelpers(t);
  const res = await t.call('POST', '/api/seal-applications', {
    as: 'zz-amr-clerk',
    body: applicationBody({ name: '泽州县市场监督管理局已办检索专用章' }),
  });
  expect(res.status).toBe(201);
  const key = res.body.approvalWorkflowId as string;
  for (let i = 0; i < 200 && (await h.openTasksOf(key, 'zz-approval-reviewer')).length === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  expect((await h.approve('zz-approval-reviewer', key, '同意')).status).toBe(200);
  const [row] = await t
    .em()
    .fork()
    .getConnection()
    .execute('select case_number, started_at from approval_process where id = ?', [key]);
  done = {
    key,
    caseNumber: row.case_number,
    applicationId: res.body.id,
    startedOn: shanghaiDateOf(new Date(row.started_at)),
  };

  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  await issueLicence(t, businessLicenceBody({ holder: { name: '晋城市台账导出有限公司' } }));
  const late = businessLicenceBody({
    caseClosedAt: new Date(Date.now() - 20 * DAY_MS).toISOString(),
    holder: { name: '晋城市逾期导出贸易有限公司' },
  });
  lateCaseId = late.caseId as string;
  await issueLicence(t, late);
});
afterAll(async () => {
  await t?.stop();
});

describe('已办 (box=done)', () => {
  const found = async (query: string) =>
    tableRows(await page(`/tasks?box=done&${query}`, 'zz-approval-reviewer'), 'task-list').map((c) => c[0]);

  it('finds the decided task by 办件编号, keyword, unit and date, and pages', async () => {
    expect(await found(`q=${encodeURIComponent(done.caseNumber)}`)).toEqual([done.caseNumber]);
    expect(await found(`q=${encodeURIComponent('已办检索')}&unit=zz-amr`)).toEqual([done.caseNumber]);
    expect(await found(`q=${encodeURIComponent('已办检索')}&unit=gp-amr`)).toEqual([]);
    expect(
      await found(`q=${encodeURIComponent('已办检索')}&from=${done.startedOn}&to=${done.startedOn}`),
    ).toEqual([done.caseNumber]);
    const tomorrow = addCalendarDays(done.startedOn, 1);
    expect(await found(`q=${encodeURIComponent('已办检索')}&from=${tomorrow}`)).toEqual([]);
    expect(await page('/tasks?box=done&page=1', 'zz-approval-reviewer')).toMatch(/第 1 \/ \d+ 页/);
  });

  it('exports the approval records with the page’s filter: the Excel rows are the page’s', async () => {
    const query = `box=done&q=${encodeURIComponent(done.caseNumber)}`;
    const rows = tableRows(await page(`/tasks?${query}`, 'zz-approval-reviewer'), 'task-list');
    const book = await workbook(`/tasks/export.xlsx?${query}`, 'zz-approval-reviewer');
    expect(book.header[0]).toBe('办件编号');
    expect(book.rows.map((r) => [r[0], r[1]])).toEqual(rows.map((r) => [r[0], r[1]]));
  });
});

describe('我的申请', () => {
  const found = async (query: string, as = 'zz-amr-clerk') =>
    tableRows(await page(`/seal-applications?${query}`, as), 'application-list').map((c) => c[0]);

  it('finds the unit’s application by 办件编号, keyword and date, and pages', async () => {
    expect(await found(`q=${encodeURIComponent(done.caseNumber)}`)).toEqual([done.caseNumber]);
    expect(await found(`q=${encodeURIComponent('已办检索')}`)).toEqual([done.caseNumber]);
    expect(
      await found(`q=${encodeURIComponent('已办检索')}&from=${done.startedOn}&to=${done.startedOn}`),
    ).toEqual([done.caseNumber]);
    expect(
      await found(`q=${encodeURIComponent('已办检索')}&from=${addCalendarDays(done.startedOn, 1)}`),
    ).toEqual([]);
    // Another unit's applicant sees only their own unit's applications.
    expect(await found(`q=${encodeURIComponent(done.caseNumber)}`, 'gp-amr-clerk')).toEqual([]);
    const bad = await page('/seal-applications?from=2026-02-30', 'zz-amr-clerk');
    expect(bad).toContain('申请日期自“2026-02-30”不是有效日期，已忽略');
    expect(await page('/seal-applications', 'zz-amr-clerk')).toMatch(/共 \d+ 项，第 1 \/ \d+ 页/);
  });
});

describe('Excel exports of the licence pages', () => {
  it('the licence ledger: one row per licence on the page, same numbers', async () => {
    const rows = tableRows(await page('/licences', 'zz-amr-issuer'), 'licence-list');
    const book = await workbook('/licences/export.xlsx', 'zz-amr-issuer');
    expect(book.header).toContain('证照编号');
    expect(book.rows.length).toBe(rows.length);
    expect(book.rows.some((r) => r.includes('晋城市台账导出有限公司'))).toBe(true);
  });

  it('late arrivals: the late case is in the export under its unit, as on the page', async () => {
    expect(await page('/licences/late', 'zz-approval-supervisor')).toContain(lateCaseId);
    const book = await workbook('/licences/late/export.xlsx', 'zz-approval-supervisor');
    const row = book.rows.find((r) => r.includes(lateCaseId));
    expect(row).toBeDefined();
    expect(row).toContain('泽州县市场监督管理局');
  });
});

describe('the seal application form', () => {
  it('picks people by unit and name: staff only, grouped under their units, no usernames shown', async () => {
    const html = await page('/seal-applications/new', 'zz-amr-clerk');
    const cc = /<fieldset class="people-picker" id="cc"[\s\S]*?<\/fieldset>/.exec(html)?.[0] ?? '';
    expect(cc).toContain('<div class="people-unit">泽州县行政审批服务管理局</div>');
    const labels = [...cc.matchAll(/value="([^"]+)"[^>]*>\s*([^<]+)<\/label>/g)].map((m) => ({
      username: m[1]!,
      text: m[2]!.trim(),
    }));
    expect(labels.length).toBeGreaterThan(3);
    for (const l of labels) expect(l.text).not.toContain(l.username);
    // The unit's business-system account is not a person to pick.
    expect(html).not.toContain('value="zz-amr-system"');
    // A city-level applicant's units include the public's: no holder (citizen) is offered.
    const city = await page('/seal-applications/new', 'jc-amr-clerk');
    expect(city).toContain('<div class="people-unit">泽州县市场监督管理局</div>');
    const holders = await t
      .em()
      .fork()
      .find(AppUser, { roles: { $contains: ['licence_holder'] } });
    expect(holders.length).toBeGreaterThan(0);
    for (const holder of holders) expect(city).not.toContain(`value="${holder.username}"`);
  });

  it('shows each problem beside its field, in Chinese, and keeps the values', async () => {
    const res = await submitForm('zz-amr-clerk', { ...FORM, name: 'x', widthMm: '500', cc: 'nobody-here' });
    expect(res.status).toBe(400);
    expect(res.html).toMatch(
      /id="name"[^>]*aria-invalid="true"[^>]*>\s*<div class="field-error" id="name-error">/,
    );
    expect(res.html).toMatch(/id="widthMm-error">[^<]*[\u4e00-\u9fff]/);
    expect(res.html).toMatch(/id="name-error">[^<]*[\u4e00-\u9fff]/);
    expect(res.html).toContain(`value="${FORM.custodianName}"`);
    const noFile = await submitForm('zz-amr-clerk', FORM, false);
    expect(noFile.html).toContain('<div class="field-error" id="imprint-error">请选择印模图片</div>');
  });

  it('warns of an active seal of the unit with the same name, and takes it once confirmed', async () => {
    const seals = (await t.call('GET', '/api/seals', { as: 'zz-amr-clerk' })).body.items as Array<{
      name: string;
      status: string;
    }>;
    const existing = seals.find((s) => s.status === 'active')!;
    const count = async () =>
      (await t.em().fork().getConnection().execute('select count(*)::int as n from seal_application'))[0].n;
    const before = await count();
    const warned = await submitForm('zz-amr-clerk', { ...FORM, name: existing.name });
    expect(warned.status).toBe(409);
    expect(warned.html).toContain('id="duplicate-name"');
    expect(warned.html).toContain(`本单位已有一枚在用的同名印章“${existing.name}”`);
    expect(await count()).toBe(before);
    const other = await submitForm('zz-amr-clerk', { ...FORM, name: '泽州县市场监督管理局从未有过的专用章' });
    expect(other.status).toBe(303);
    const confirmed = await submitForm('zz-amr-clerk', {
      ...FORM,
      name: existing.name,
      confirmDuplicateName: 'yes',
    });
    expect(confirmed.status).toBe(303);
    expect(confirmed.location).toMatch(/^\/seal-applications\/[0-9a-f-]{36}\?flash=submitted$/);
    expect(await count()).toBe(before + 2);
  });
});

describe('the flow editor’s designated person', () => {
  it('is chosen by unit and name, staff only; the rule carries the person’s id', async () => {
    const html = await page('/flows/new', 'jc-admin');
    const picker = /<div class="user-rule-picker"[\s\S]*?<\/select>/.exec(html)?.[0] ?? '';
    const reviewer = await t.em().fork().findOneOrFail(AppUser, { username: 'zz-approval-reviewer' });
    expect(picker).toMatch(
      new RegExp(
        `<optgroup label="泽州县行政审批服务管理局">[^]*?<option value="${reviewer.id}">${reviewer.displayName}</option>`,
      ),
    );
    const others = await t
      .em()
      .fork()
      .find(AppUser, {
        $or: [{ roles: { $contains: ['licence_holder'] } }, { roles: { $contains: ['licence_system'] } }],
      });
    expect(others.length).toBeGreaterThan(0);
    for (const u of others) expect(picker).not.toContain(`value="${u.id}"`);
  });
});

describe('the calendar', () => {
  it('is one year of twelve month grids with holidays (休) and adjusted working days (班) marked', async () => {
    const html = await page('/calendar/2026', 'jc-admin');
    expect(html.match(/<table class="month"/g)).toHaveLength(12);
    expect(html).toMatch(
      /<td class="day holiday" data-date="2026-10-01" title="国庆节">1<small>休<\/small><\/td>/,
    );
    expect(html).toMatch(
      /<td class="day workday" data-date="2026-02-14" title="[^"]+">14<small>班<\/small><\/td>/,
    );
    expect(html).toMatch(/<td class="day weekend" data-date="2026-03-07"\s*>7<\/td>/);
    // 2026-03-01 is a Sunday: six blank cells before it in a week from Monday.
    expect(html).toMatch(
      /<caption>3月<\/caption>[\s\S]*?<tbody>\s*<tr>(<td><\/td>){6}<td class="day weekend" data-date="2026-03-01"\s*>/,
    );
    // One year at a time: a year picker, not a link per year.
    expect((html.match(/href="\/calendar\/\d{4}"/g) ?? []).length).toBeLessThanOrEqual(2);
    const picked = await t.call('GET', '/calendar?year=2027', { as: 'jc-admin' });
    expect(picked.status).toBe(303);
    expect(picked.headers.get('location')).toBe('/calendar/2027');
    expect(html).toContain('src="/static/calendar-grid.js"');
    expect(await page('/calendar/2026', 'zz-amr-clerk')).not.toContain('calendar-grid.js');
  });

  it('shows a mistake beside the list it is in', async () => {
    const res = await t.call('POST', '/calendar/2030', {
      as: 'jc-admin',
      body: new URLSearchParams({ holidays: '2030-01-01 元旦', workdays: '2030-10-08 国庆节' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(
      /id="workdays"[^>]*aria-invalid="true"[^>]*>[^<]*<\/textarea>\s*<div class="field-error">调休上班日 第 1 行/,
    );
  });
});
