/**
 * Issue 17 Build 3 and 5 on the real platform (PostgreSQL, Temporal, SMTP): each process gets a 办件编号 once, when
 * it starts; 待办 finds the task by 办件编号 and by keyword, pages and filters by date; 督办 exports an Excel file
 * whose rows are the page's (read back with exceljs); the deadline reads the same on the approval page and in the
 * task's e-mail, which links to the item; 督办 pages the engine's tasks and a dispute's as one list.
 */
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { Dispute } from '../../db/dispute-entities';
import { addCalendarDays, shanghaiDateOf } from '../../domain/calendar';
import { applicationBody } from '../support/fixtures';
import { BUSINESS_LICENCE_CODE } from '../support/licences';
import { approvalHelpers } from '../support/approvals';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
const started: Array<{ key: string; name: string; caseNumber: string }> = [];

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

async function caseNumberOf(key: string): Promise<{ case_number: string; started_at: Date }> {
  const [row] = await t
    .em()
    .fork()
    .getConnection()
    .execute('select case_number, started_at from approval_process where id = ?', [key]);
  return row as { case_number: string; started_at: Date };
}

/** Waits until the process's task is in the person's 待办 (the projection is asynchronous). */
async function openTask(key: string, username: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const ids = await approvalHelpers(t).openTasksOf(key, username);
    if (ids.length === 1) return ids[0]!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no open task of ${username} in ${key}`);
}

beforeAll(async () => {
  t = await startTestPlatform({ reachablePublicUrl: true });
  for (const name of ['泽州县市场监督管理局检索甲专用章', '泽州县市场监督管理局检索乙专用章']) {
    const res = await t.call('POST', '/api/seal-applications', {
      as: 'zz-amr-clerk',
      body: applicationBody({ name }),
    });
    expect(res.status).toBe(201);
    const key = res.body.approvalWorkflowId as string;
    await openTask(key, 'zz-approval-reviewer');
    started.push({ key, name, caseNumber: (await caseNumberOf(key)).case_number });
  }
});
afterAll(async () => {
  await t?.stop();
});

describe('办件编号', () => {
  it('is the kind, the Shanghai year of the start and the next number of that year, allocated once', async () => {
    const [a, b] = started;
    const first = await caseNumberOf(a!.key);
    const year = shanghaiDateOf(new Date(first.started_at)).slice(0, 4);
    expect(a!.caseNumber).toMatch(new RegExp(`^YZ-${year}-\\d{6}$`));
    expect(Number(b!.caseNumber.slice(-6))).toBe(Number(a!.caseNumber.slice(-6)) + 1);
    // The projection runs again on every change; the number stays.
    await approvalHelpers(t).approve('zz-approval-reviewer', b!.key, '同意');
    await openTask(b!.key, 'jc-approval-reviewer');
    expect((await caseNumberOf(b!.key)).case_number).toBe(b!.caseNumber);
    const view = await t.call('GET', `/approvals/${b!.key}`, { as: 'zz-amr-clerk' });
    expect(view.body).toContain(`<dd id="case-number">${b!.caseNumber}</dd>`);
  });
});

describe('待办 search', () => {
  const found = async (query: string) => {
    const res = await t.call('GET', `/tasks?${query}`, { as: 'zz-approval-reviewer' });
    expect(res.status).toBe(200);
    return tableRows(res.body, 'task-list').map((cells) => cells[0]);
  };

  it('finds the task by its 办件编号 and by a keyword of its title, and nothing for another keyword', async () => {
    const a = started[0]!;
    expect(await found(`q=${encodeURIComponent(a.caseNumber)}`)).toEqual([a.caseNumber]);
    expect(await found(`q=${encodeURIComponent(a.caseNumber.toLowerCase())}`)).toEqual([a.caseNumber]);
    expect(await found(`q=${encodeURIComponent('检索甲')}`)).toEqual([a.caseNumber]);
    expect(await found(`q=${encodeURIComponent('没有这样的事项')}`)).toEqual([]);
    // A LIKE wildcard is a character to look for, not "anything".
    expect(await found(`q=${encodeURIComponent('%')}`)).toEqual([]);
  });

  it('filters by start date and unit, pages, and the JSON API answers the same with a total', async () => {
    const a = started[0]!;
    const today = shanghaiDateOf(new Date((await caseNumberOf(a.key)).started_at));
    const tomorrow = addCalendarDays(today, 1);
    expect(await found(`q=${encodeURIComponent('检索')}&from=${today}&to=${today}&unit=zz-amr`)).toContain(
      a.caseNumber,
    );
    expect(await found(`q=${encodeURIComponent('检索')}&from=${tomorrow}`)).toEqual([]);
    const bad = await t.call('GET', '/tasks?from=2026-02-30', { as: 'zz-approval-reviewer' });
    expect(bad.body).toContain('申请日期自“2026-02-30”不是有效日期，已忽略');

    const api = await t.call(
      'GET',
      `/api/tasks?box=pending&q=${encodeURIComponent('检索')}&page=1&pageSize=1`,
      {
        as: 'zz-approval-reviewer',
      },
    );
    expect(api.status).toBe(200);
    expect(api.body.items).toHaveLength(1);
    expect(api.body.items[0].caseNumber).toBe(a.caseNumber);
    expect(api.body.total).toBe(1);
    const badApi = await t.call('GET', '/api/tasks?from=yesterday', { as: 'zz-approval-reviewer' });
    expect(badApi.status).toBe(400);
    expect(JSON.stringify(badApi.body)).toContain('from');
  });
});

describe('督办 export', () => {
  it('the Excel rows are the page rows, in order, under the same filter', async () => {
    const query = `q=${encodeURIComponent('检索')}`;
    const page = await t.call('GET', `/supervision?${query}`, { as: 'zz-approval-supervisor' });
    expect(page.status).toBe(200);
    const rows = tableRows(page.body, 'supervision-list');
    expect(rows.map((r) => r[0]).sort()).toEqual(started.map((s) => s.caseNumber).sort());
    const href = /id="supervision-export" href="([^"]+)"/.exec(page.body)![1]!.replace(/&amp;/g, '&');
    const res = await fetch(`${t.url}${href}`, {
      headers: { authorization: `Bearer ${await t.token('zz-approval-supervisor')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('督办待办清单.xlsx'));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 4)).toEqual(['办件编号', '事项', '类型', '环节']);
    const cell = (r: number, name: string) =>
      String(sheet.getRow(r).getCell(header.indexOf(name) + 1).value ?? '');
    expect(sheet.rowCount - 1).toBe(rows.length);
    rows.forEach((pageRow, i) => {
      // Page columns: 办件编号, 事项, 类型, 环节, 当前办理人, 发起人 / 单位, 到期时间, 剩余时间.
      expect(cell(i + 2, '办件编号')).toBe(pageRow[0]);
      expect(cell(i + 2, '事项')).toBe(pageRow[1]);
      expect(cell(i + 2, '类型')).toBe(pageRow[2]);
      expect(cell(i + 2, '当前办理人')).toBe(pageRow[4]);
      expect(pageRow[6]).toContain(cell(i + 2, '到期时间'));
    });
    const refused = await fetch(`${t.url}/supervision/export.xlsx`, {
      headers: { authorization: `Bearer ${await t.token('zz-amr-clerk')}` },
    });
    expect(refused.status).toBe(403);
  });
});

describe('one deadline format', () => {
  it('the approval page and the task e-mail write the same deadline, 12月9日 24:00 style, and link to the item', async () => {
    const a = started[0]!;
    const mail = await t.mailbox.waitFor(
      (m) => m.to.includes('zz-approval-reviewer@jincheng.example') && m.text.includes('检索甲'),
    );
    const mailDue = /办理时限：(.+)/.exec(mail.text)![1]!.trim();
    expect(mailDue).toMatch(/^\d{1,2}月\d{1,2}日 24:00$/);
    const page = await t.call('GET', `/approvals/${a.key}`, { as: 'zz-approval-reviewer' });
    const pageDue = /<dd id="step-due">([^<]+)/.exec(page.body)![1]!.trim();
    expect(pageDue).toBe(mailDue);
    expect(tableRows(page.body, 'current-tasks')[0]![3]).toContain(mailDue);
    expect(mail.text).toContain(`${t.url}/approvals/${a.key}`);
    expect(mail.html).toContain(`href="${t.url}/approvals/${a.key}"`);
  });
});

describe('督办 paging over both kinds of task', () => {
  it('a dispute due after every engine task is on a later page; each page holds one, every task once', async () => {
    const em = t.em().fork();
    const id = randomUUID();
    const due = new Date(Date.now() + 400 * 86_400_000);
    em.create(Dispute, {
      id,
      licenceIdentifier: `FIXTURE-${id}`,
      licenceSeriesId: id,
      typeCode: BUSINESS_LICENCE_CODE,
      issuerOrganisationId: 'zz-amr',
      challengerKind: 'public',
      challengerName: '王五',
      ground: 'accuracy',
      items: ['住所'],
      description: '住所有误',
      status: 'marked',
      receivedAt: new Date(),
      markerDueAt: new Date(),
      markerProvisional: false,
      outcomeDueAt: due,
      outcomeProvisional: false,
      workflowId: `dispute-${id}`,
    });
    await em.flush();
    const page = async (n: number) => {
      const res = await t.call('GET', `/api/supervision/pending-tasks?unit=zz-amr&page=${n}&pageSize=1`, {
        as: 'zz-approval-supervisor',
      });
      expect(res.status).toBe(200);
      return res.body as {
        items: Array<{ processId: string; kind: string; dueAt: string | null }>;
        total: number;
      };
    };
    const first = await page(1);
    expect(first.items).toHaveLength(1);
    expect(first.items[0]!.kind).not.toBe('dispute');
    const seen = [first.items[0]!];
    for (let n = 2; n <= first.total; n++) {
      const next = await page(n);
      expect(next.total).toBe(first.total);
      expect(next.items).toHaveLength(1);
      seen.push(next.items[0]!);
    }
    expect((await page(first.total + 1)).items).toEqual([]);
    const at = seen.findIndex((i) => i.processId === id);
    expect(at).toBeGreaterThan(0);
    expect(seen.filter((i) => i.processId === id)).toHaveLength(1);
    // Every engine task ahead of it is due earlier (least time left first, across the pages).
    for (const ahead of seen.slice(0, at)) expect(Date.parse(ahead.dueAt!)).toBeLessThan(due.getTime());
  });
});
