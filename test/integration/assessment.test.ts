/**
 * LM-29 assessment on a real platform: a fixture of known counts for 泽州县市场监督管理局 in March 2025 (cases,
 * issuances, licences, their use by other units, disputes, rectification orders), the annual targets set by the
 * management unit; the JSON figures equal the hand-computed rates, the Excel workbook read back with exceljs holds
 * the same, the PDF's text (pdftotext) holds each chart's title and figures; only supervisors of the jurisdiction
 * get them. The SLA dashboard (Build 6) on the same platform: every deadline kind with its counts before and after
 * new deadlines, breaches this month and links.
 */
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEvent } from '../../db/entities';
import { Dispute, DisputeBreach } from '../../db/dispute-entities';
import { RectificationOrder } from '../../db/supervision-entities';
import { pdfText } from '../support/documents';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  const { licence } = await issueLicence(t, businessLicenceBody());
  await seedFixture(t.em().fork(), licence.identifier);
});
afterAll(async () => {
  await t?.stop();
});

const at = (s: string) => new Date(`${s}+08:00`);

/** An issuance (and its licence when issued) cloned from a real one, with the fixture's case and times. */
async function cloneIssuance(
  em: EntityManager,
  model: { issuanceId: string; licenceId: string },
  f: { caseId: string; status: 'issued' | 'pending'; late: boolean; closedAt: string; receivedAt: string },
) {
  const id = randomUUID();
  await em.transactional(async (tx) => {
    await tx.execute(
      `create temp table i_clone on commit drop as select * from licence_issuance where id = ?`,
      [model.issuanceId],
    );
    await tx.execute(
      `update i_clone set id = ?, case_id = ?, status = ?, late = ?, case_closed_at = ?, received_at = ?,
              workflow_id = ?, licence_id = null`,
      [id, f.caseId, f.status, f.late, at(f.closedAt), at(f.receivedAt), `fixture-${id}`],
    );
    await tx.execute(`insert into licence_issuance select * from i_clone`);
    if (f.status !== 'issued') return;
    await tx.execute(`create temp table l_clone on commit drop as select * from licence where id = ?`, [
      model.licenceId,
    ]);
    await tx.execute(
      `update l_clone set id = ?, identifier = ?, series_id = ?, serial = ?, issuance_id = ?, issued_at = ?,
              status = 'valid'`,
      [id, `FIXTURE-${id}`, id, id.slice(0, 8), id, at(f.receivedAt)],
    );
    await tx.execute(`insert into licence select * from l_clone`);
    await tx.execute(`update licence_issuance set licence_id = ? where id = ?`, [id, id]);
  });
  return `FIXTURE-${id}`;
}

async function announce(em: EntityManager, caseId: string, closedAt: string) {
  await em.execute(
    `insert into announced_case (id, organisation_id, case_id, type_code, closed_at, deadline_at,
       deadline_provisional, announced_at, announced_by, status, workflow_id)
     values (?, 'zz-amr', ?, ?, ?, ?, false, ?, 'zz-amr-system', 'open', ?)`,
    [
      randomUUID(),
      caseId,
      BUSINESS_LICENCE_CODE,
      at(closedAt),
      at(closedAt),
      at(closedAt),
      `fixture-${caseId}`,
    ],
  );
}

async function used(em: EntityManager, identifier: string, by: string, when: string, action: string) {
  await em.execute(
    `insert into audit_event (at, actor_username, actor_organisation_id, action, target_type, target_id, outcome)
     values (?, 'fixture', ?, ?, 'licence', ?, 'success')`,
    [at(when), by, action, identifier],
  );
}

function dispute(em: EntityManager, receivedAt: string, breach: boolean) {
  const id = randomUUID();
  const received = at(receivedAt);
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
    status: 'resolved',
    receivedAt: received,
    markerDueAt: received,
    markerProvisional: false,
    outcomeDueAt: received,
    outcomeProvisional: false,
    workflowId: `dispute-${id}`,
  });
  return breach ? { disputeId: id, received } : null;
}

/** The breach rows after their disputes are stored (no relation tells the ORM the order). */
function breaches(em: EntityManager, breached: Array<{ disputeId: string; received: Date } | null>) {
  for (const b of breached) {
    if (!b) continue;
    const { disputeId, received } = b;
    em.create(DisputeBreach, {
      disputeId,
      kind: 'marker_late',
      issuerOrganisationId: 'zz-amr',
      dueAt: received,
      breachedAt: received,
    });
  }
}

function order(
  em: EntityManager,
  status: 'accepted' | 'overdue' | 'open',
  deadline: string,
  closed?: string,
) {
  const id = randomUUID();
  em.create(RectificationOrder, {
    id,
    managementOrganisationId: 'zz-approval',
    organisationId: 'zz-amr',
    findingIds: [],
    requirements: '整改',
    deadlineAt: at(deadline),
    deadlineProvisional: false,
    status,
    orderedBy: 'zz-approval-supervisor',
    orderedAt: at('2025-03-01T09:00:00'),
    closedAt: closed ? at(closed) : null,
    workflowId: `rectification-${id}`,
  });
  return id;
}

/**
 * Collection: cases A1–A4 announced, R4 reported by its issuance; A1, A2, R4 issued → 3 / 5 = 60.0%.
 * In step: A1, R4 in time, A2 late → 2 / 3 = 66.7%. Usage: L1 viewed by 晋城市人社局 in March, L2 only by its
 * issuer, L3 verified by 晋城市人社局 in May → March 1 / 3 = 33.3%, the year 2 / 3 = 66.7%. Disputes: 4 in March,
 * 2 breached (one in April besides) → 2 / 4 = 50.0%. Rectification: accepted in time twice, overdue once, one
 * open → 2 / 3 = 66.7%.
 */
async function seedFixture(em: EntityManager, identifier: string) {
  const [real] = await em.execute(`select id, issuance_id from licence where identifier = ?`, [identifier]);
  const model = { issuanceId: String(real.issuance_id), licenceId: String(real.id) };
  const tag = randomUUID().slice(0, 8);
  for (const n of [1, 2, 3, 4]) await announce(em, `A${n}-${tag}`, `2025-03-0${n}T10:00:00`);
  const l1 = await cloneIssuance(em, model, {
    caseId: `A1-${tag}`,
    status: 'issued',
    late: false,
    closedAt: '2025-03-01T10:00:00',
    receivedAt: '2025-03-01T11:00:00',
  });
  const l2 = await cloneIssuance(em, model, {
    caseId: `A2-${tag}`,
    status: 'issued',
    late: true,
    closedAt: '2025-03-02T10:00:00',
    receivedAt: '2025-03-10T11:00:00',
  });
  await cloneIssuance(em, model, {
    caseId: `A3-${tag}`,
    status: 'pending',
    late: false,
    closedAt: '2025-03-03T10:00:00',
    receivedAt: '2025-03-03T11:00:00',
  });
  const l3 = await cloneIssuance(em, model, {
    caseId: `R4-${tag}`,
    status: 'issued',
    late: false,
    closedAt: '2025-03-12T10:00:00',
    receivedAt: '2025-03-12T12:00:00',
  });
  await used(em, l1, 'jc-hrss', '2025-03-15T09:00:00', 'licence.view');
  await used(em, l2, 'zz-amr', '2025-03-15T09:00:00', 'licence.view');
  await used(em, l3, 'jc-hrss', '2025-05-06T09:00:00', 'licence.verify');
  const breached = [
    dispute(em, '2025-03-05T09:00:00', false),
    dispute(em, '2025-03-06T09:00:00', true),
    dispute(em, '2025-03-07T09:00:00', false),
    dispute(em, '2025-03-31T23:00:00', true),
    dispute(em, '2025-04-01T00:30:00', true),
  ];
  await em.flush();
  breaches(em, breached);
  order(em, 'accepted', '2025-03-25T23:59:59', '2025-03-20T10:00:00');
  order(em, 'overdue', '2025-03-21T23:59:59');
  order(em, 'open', '2025-03-26T23:59:59');
  order(em, 'accepted', '2025-04-03T23:59:59', '2025-03-28T10:00:00');
  await em.flush();
}

/** The hand-computed figures of March 2025 (and the year's usage, which is not the sum of its months). */
const MARCH = {
  collection: [3, 5, 60, 80, false],
  inStep: [2, 3, 66.7, 60, true],
  usage: [1, 3, 33.3, 30, true],
  disputes: [2, 4, 50, 90, false],
  rectification: [2, 3, 66.7, 50, true],
} as const;
const TARGETS = { collection: 80, inStep: 60, usage: 30, disputes: 90, rectification: 50 };

async function download(path: string, as: string): Promise<Response> {
  return fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${await t.token(as)}` } });
}

describe('LM-29 assessment', () => {
  it('targets: set by the unit’s management unit (audited), bad input a 400 naming the field, others 403', async () => {
    const put = (as: string, body: unknown) => t.call('PUT', '/api/reports/assessment/targets', { as, body });
    const good = { organisationId: 'zz-amr', year: 2025, targets: TARGETS };
    expect((await put('zz-amr-clerk', good)).status).toBe(403);
    for (const [body, field] of [
      [{ ...good, targets: { ...TARGETS, usage: 120 } }, 'targets.usage'],
      [{ ...good, targets: { speed: 1 } }, 'targets.speed'],
      [{ ...good, year: 1999 }, 'year'],
      [{ ...good, organisationId: 'gp-amr' }, 'organisationId'],
    ] as const) {
      const res = await put('zz-approval-supervisor', body);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].field).toBe(field);
    }
    expect((await put('zz-approval-supervisor', { ...good, targets: { usage: 10 } })).status).toBe(200);
    expect((await put('zz-approval-supervisor', good)).status).toBe(200);
    const audits = await t.em().fork().find(AuditEvent, { action: 'assessment.targets', targetId: 'zz-amr' });
    expect(audits).toHaveLength(2);
  });

  it('the figures equal the hand-computed rates against the targets; the year’s usage is counted once', async () => {
    const res = await t.call('GET', '/api/reports/assessment?period=2025-03&unit=zz-amr', {
      as: 'zz-approval-supervisor',
    });
    expect(res.status).toBe(200);
    const [unit] = res.body.units;
    expect(unit.organisationId).toBe('zz-amr');
    for (const [metric, [numerator, denominator, rate, target, met]] of Object.entries(MARCH)) {
      expect({ metric, ...unit.metrics[metric] }).toEqual({
        metric,
        numerator,
        denominator,
        rate,
        target,
        met,
      });
    }
    const year = await t.call('GET', '/api/reports/assessment?period=2025&unit=zz-amr', { as: 'jc-admin' });
    expect(year.body.units[0].metrics.usage).toMatchObject({ numerator: 2, denominator: 3, rate: 66.7 });
    const month = (m: string) => year.body.trend.find((x: { month: string }) => x.month === m).metrics;
    expect(month('2025-03').usage.rate).toBe(33.3);
    expect(month('2025-05').usage.rate).toBe(33.3);
    expect(month('2025-04').disputes).toMatchObject({ numerator: 0, denominator: 1 });
    expect(year.body.units[0].metrics.disputes).toMatchObject({ numerator: 2, denominator: 5 });
  });

  it('only supervisors of the jurisdiction get the report, in every form; bad periods are 400', async () => {
    expect(
      (await t.call('GET', '/api/reports/assessment?period=2025-03', { as: 'zz-amr-clerk' })).status,
    ).toBe(403);
    const other = await t.call('GET', '/api/reports/assessment?period=2025-03&unit=gp-amr', {
      as: 'zz-approval-supervisor',
    });
    expect(other.status).toBe(403);
    const bad = await t.call('GET', '/api/reports/assessment?period=2025-3', {
      as: 'zz-approval-supervisor',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('period');
    for (const ext of ['xlsx', 'pdf']) {
      expect((await download(`/api/reports/assessment.${ext}?period=2025-03`, 'gp-amr-issuer')).status).toBe(
        403,
      );
    }
    const page = await download('/reports/assessment?period=2025-03', 'zz-amr-clerk');
    expect(page.status).toBe(403);
  });

  it('the Excel workbook read back holds the same figures', async () => {
    const res = await download(
      '/api/reports/assessment.xlsx?period=2025-03&unit=zz-amr',
      'zz-approval-supervisor',
    );
    expect(res.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ExcelJS.Buffer);
    const sheet = book.getWorksheet('考核指标')!;
    const rows = new Map<string, unknown[]>();
    sheet.eachRow((row, n) => {
      const v = row.values as unknown[];
      if (n > 1 && v[1] !== '合计') rows.set(String(v[2]), v.slice(3, 7));
    });
    expect(Object.fromEntries(rows)).toEqual({
      数据归集率: [3, 5, 60, 80],
      同步生成率: [2, 3, 66.7, 60],
      证照使用率: [1, 3, 33.3, 30],
      异议处理及时率: [2, 4, 50, 90],
      整改及时率: [2, 3, 66.7, 50],
    });
    expect(book.getWorksheet('逐月趋势')!.getRow(2).values).toEqual([
      undefined,
      '2025-03',
      60,
      66.7,
      33.3,
      50,
      66.7,
    ]);
  });

  it('the PDF’s text holds each chart’s title and its figures; the page shows the charts', async () => {
    const res = await download(
      '/api/reports/assessment.pdf?period=2025-03&unit=zz-amr',
      'zz-approval-supervisor',
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const text = (await pdfText(Buffer.from(await res.arrayBuffer()))).replace(/\s+/g, ' ');
    expect(text).toContain('2025-03 各单位考核指标（%）');
    expect(text).toContain('2025-03 逐月考核指标（%）');
    // Every rate is a label in both charts and a cell of the table (60 and 80 are also axis ticks, so not
    // counted): 66.7 twice (in step, rectification), 33.3 once, 50 once (the table prints 50.0%).
    const times = (f: string) =>
      text.split(new RegExp(`(?<![\\d.])${f.replace('.', '\\.')}(?![\\d.])`)).length - 1;
    expect(times('66.7')).toBeGreaterThanOrEqual(6);
    expect(times('33.3')).toBeGreaterThanOrEqual(3);
    expect(times('50')).toBeGreaterThanOrEqual(2);
    expect(text).toContain('60.0%');
    const page = await download('/reports/assessment?period=2025-03&unit=zz-amr', 'zz-approval-supervisor');
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('各单位考核指标');
  });
});

describe('SLA dashboard (issue 14 Build 6)', () => {
  type Counts = Record<string, [open: number, overdue: number, breaches: number]>;
  const dashboard = async (as: string) => {
    const res = await download('/supervision/sla', as);
    return { status: res.status, html: await res.text() };
  };
  const countsOf = (html: string): Counts => {
    const out: Counts = {};
    const row =
      /data-kind="([a-z_]+)">[\s\S]*?class="open-count">(\d+)<[\s\S]*?class="overdue-count">(\d+)<[\s\S]*?class="breach-count">(\d+)</g;
    for (const m of html.matchAll(row)) out[m[1]] = [Number(m[2]), Number(m[3]), Number(m[4])];
    return out;
  };

  it('shows every deadline kind with its counts, breaches this month and links; only to supervisors', async () => {
    expect((await dashboard('zz-amr-clerk')).status).toBe(403);
    const before = await dashboard('zz-approval-supervisor');
    expect(before.status).toBe(200);
    const b = countsOf(before.html);
    expect(Object.keys(b).sort()).toEqual(
      ['announced_case', 'approval_step', 'dispute', 'force_majeure', 'rectification', 'seal_renewal'].sort(),
    );

    // A case due tomorrow, a dispute whose marker was due an hour ago, an order escalated today.
    const em = t.em().fork();
    const now = Date.now();
    const caseId = `SLA-${randomUUID()}`;
    await em.execute(
      `insert into announced_case (id, organisation_id, case_id, type_code, closed_at, deadline_at,
         deadline_provisional, announced_at, announced_by, status, workflow_id)
       values (?, 'zz-amr', ?, ?, ?, ?, false, ?, 'zz-amr-system', 'open', ?)`,
      [
        randomUUID(),
        caseId,
        BUSINESS_LICENCE_CODE,
        new Date(now),
        new Date(now + 86_400_000),
        new Date(now),
        caseId,
      ],
    );
    const disputeId = randomUUID();
    em.create(Dispute, {
      id: disputeId,
      licenceIdentifier: `FIXTURE-${disputeId}`,
      licenceSeriesId: disputeId,
      typeCode: BUSINESS_LICENCE_CODE,
      issuerOrganisationId: 'zz-amr',
      challengerKind: 'public',
      challengerName: '赵六',
      ground: 'accuracy',
      items: ['住所'],
      description: '住所有误',
      status: 'received',
      receivedAt: new Date(now - 2 * 3600_000),
      markerDueAt: new Date(now - 3600_000),
      markerProvisional: false,
      outcomeDueAt: new Date(now + 10 * 86_400_000),
      outcomeProvisional: false,
      workflowId: `dispute-${disputeId}`,
    });
    const escalated = order(em, 'overdue', '2025-03-01T00:00:00');
    await em.flush();
    await em.execute(`update rectification_order set escalated_at = ? where id = ?`, [
      new Date(now),
      escalated,
    ]);

    const after = await dashboard('zz-approval-supervisor');
    const a = countsOf(after.html);
    expect(a.announced_case).toEqual([b.announced_case[0] + 1, b.announced_case[1], b.announced_case[2]]);
    expect(a.dispute).toEqual([b.dispute[0] + 1, b.dispute[1] + 1, b.dispute[2]]);
    expect(a.rectification).toEqual([b.rectification[0], b.rectification[1], b.rectification[2] + 1]);
    expect(after.html).toContain(`href="/disputes/${disputeId}"`);
    expect(after.html).toContain(`办件 ${caseId}`);
    expect(after.html).toMatch(/已超期 \d+ 分钟|已超期 1 小时/);
  });
});
