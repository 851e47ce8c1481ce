/**
 * The working-day calendar on the real database: the public deadline endpoint (DESIGN §3 examples), the years
 * seeded from chinese-days, and a platform administrator's edit — validated, all or nothing, audited.
 */
import { AuditEvent } from '../../db/entities';
import { seedCalendar } from '../../db/calendar';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ runWorker: false });
});
afterAll(async () => {
  await t?.stop();
});

const deadline = (query: string) => t.call('GET', `/api/calendar/deadline?${query}`);
const from = (local: string) => encodeURIComponent(`${local}+08:00`);
const year = async (y: number) => (await t.call('GET', `/api/calendar/years/${y}`, { as: 'jc-admin' })).body;
const calendarAudit = () =>
  t
    .em()
    .find(AuditEvent, { action: 'calendar.update' }, { orderBy: { id: 'asc' }, disableIdentityMap: true });

describe('GET /api/calendar/deadline (no login)', () => {
  it('gives the DESIGN examples', async () => {
    const a = await deadline(`from=${from('2026-02-13T10:00:00')}&workingDays=1`);
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ dueAt: '2026-02-14T16:00:00.000Z', provisional: false });
    const b = await deadline('from=2026-09-30T02:00:00Z&workingDays=1');
    expect(b.body).toEqual({ dueAt: '2026-10-08T16:00:00.000Z', provisional: false });
  });

  it('flags a deadline in a year without data (2027, 2028) as provisional', async () => {
    expect((await year(2027)).hasData).toBe(false);
    const res = await deadline(`from=${from('2027-06-01T10:00:00')}&workingDays=5`);
    expect(res.body).toEqual({ dueAt: '2027-06-08T16:00:00.000Z', provisional: true });
    expect((await deadline(`from=${from('2028-01-03T10:00:00')}&workingDays=1`)).body.provisional).toBe(true);
    expect((await deadline(`from=${from('2026-12-30T10:00:00')}&workingDays=3`)).body).toEqual({
      dueAt: '2027-01-04T16:00:00.000Z',
      provisional: true,
    });
  });

  it('counts office hours with workingHours instead', async () => {
    const res = await deadline(`from=${from('2026-09-30T16:00:00')}&workingHours=2`);
    expect(res.body).toEqual({ dueAt: '2026-10-08T02:00:00.000Z', provisional: false });
  });

  it.each([
    ['workingDays=1', 'from'],
    ['from=2026-02-13T10:00:00&workingDays=1', 'from'], // no offset
    ['from=2026-02-13&workingDays=1', 'from'],
    ['from=yesterday&workingDays=1', 'from'],
    ['from=9999-12-31T10:00:00Z&workingDays=366', 'from'],
    [`from=${from('2026-02-13T10:00:00')}`, 'workingDays'],
    [`from=${from('2026-02-13T10:00:00')}&workingDays=-1`, 'workingDays'],
    [`from=${from('2026-02-13T10:00:00')}&workingDays=1.5`, 'workingDays'],
    [`from=${from('2026-02-13T10:00:00')}&workingDays=367`, 'workingDays'],
    [`from=${from('2026-02-13T10:00:00')}&workingDays=`, 'workingDays'],
    [`from=${from('2026-02-13T10:00:00')}&workingDays=one`, 'workingDays'],
    [`from=${from('2026-02-13T10:00:00')}&workingDays=1&workingDays=2`, 'workingDays'],
    [`from=${from('2026-02-13T10:00:00')}&workingDays=1&workingHours=2`, 'workingHours'],
    [`from=${from('2026-02-13T10:00:00')}&workingDays=1&days=2`, 'days'],
  ])('?%s → 400 naming %s', async (query, field) => {
    const res = await deadline(query);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(res.body.error.message).toContain(`${field}:`);
  });

  it('answers the largest allowed period, 366 working days', async () => {
    const res = await deadline(`from=${from('2026-01-05T10:00:00')}&workingDays=366`);
    expect(res.status).toBe(200);
    expect(res.body.provisional).toBe(true);
  });
});

describe('calendar years', () => {
  it('need a login to read', async () => {
    expect((await t.call('GET', '/api/calendar/years')).status).toBe(401);
    expect((await t.call('GET', '/api/calendar/years/2026')).status).toBe(401);
  });

  it('list the seeded years 2004–2026 with their source', async () => {
    const res = await t.call('GET', '/api/calendar/years', { as: 'zz-amr-clerk' });
    expect(res.status).toBe(200);
    const years = res.body.items.map((y: { year: number }) => y.year);
    expect(years[0]).toBe(2004);
    expect(years).toContain(2026);
    expect(years).not.toContain(2027);
    expect(res.body.items.find((y: { year: number }) => y.year === 2026)).toMatchObject({
      hasData: true,
      source: 'chinese-days@1.5.7',
      updatedBy: null,
      workdays: 6,
    });
  });

  it("show a year's holidays and make-up working days, and a year without data", async () => {
    const y2026 = (await t.call('GET', '/api/calendar/years/2026', { as: 'zz-amr-clerk' })).body;
    expect(y2026.hasData).toBe(true);
    expect(y2026.workdays).toContainEqual({ date: '2026-02-14', name: '春节' });
    expect(y2026.holidays).toContainEqual({ date: '2026-10-07', name: '国庆节' });
    expect(await year(2027)).toEqual({
      year: 2027,
      hasData: false,
      source: null,
      updatedAt: null,
      updatedBy: null,
      holidays: [],
      workdays: [],
    });
    const bad = await t.call('GET', '/api/calendar/years/20x6', { as: 'zz-amr-clerk' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('year');
  });
});

describe('PUT /api/calendar/years/:year', () => {
  it('a non-admin is refused with 403, audited, and nothing changes', async () => {
    const before = await year(2026);
    const res = await t.call('PUT', '/api/calendar/years/2026', {
      as: 'zz-approval-supervisor',
      body: { holidays: [], workdays: [] },
    });
    expect(res.status).toBe(403);
    expect(await year(2026)).toEqual(before);
    const audit = await calendarAudit();
    expect(audit.map((e) => `${e.actorUsername}:${e.targetId}:${e.outcome}`)).toEqual([
      'zz-approval-supervisor:2026:denied',
    ]);
    // Recorded once, not again by the error handler.
    expect(await t.em().count(AuditEvent, { targetId: '/api/calendar/years/2026' })).toBe(0);
    expect(
      (await t.call('PUT', '/api/calendar/years/2026', { body: { holidays: [], workdays: [] } })).status,
    ).toBe(401);
  });

  it.each([
    [
      'a make-up day on a weekday',
      { holidays: [], workdays: [{ date: '2026-10-09', name: '国庆节' }] },
      'workdays.0.date',
    ],
    [
      'a date outside the year',
      { holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [] },
      'holidays.0.date',
    ],
    [
      'a date that does not exist',
      { holidays: [{ date: '2026-02-30', name: 'x' }], workdays: [] },
      'holidays.0.date',
    ],
    [
      'a holiday that is also a workday',
      {
        holidays: [{ date: '2026-10-10', name: '国庆节' }],
        workdays: [{ date: '2026-10-10', name: '国庆节' }],
      },
      'workdays.0.date',
    ],
    ['an empty name', { holidays: [{ date: '2026-10-01', name: ' ' }], workdays: [] }, 'holidays.0.name'],
    ['a missing list', { holidays: [] }, 'workdays'],
    ['an unknown field', { holidays: [], workdays: [], note: 'x' }, 'note'],
    ['a day that is not an object', { holidays: ['2026-10-01'], workdays: [] }, 'holidays.0'],
  ])('%s → 400 naming the field, and nothing changes', async (_what, body, field) => {
    const before = await year(2026);
    const res = await t.call('PUT', '/api/calendar/years/2026', { as: 'jc-admin', body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await year(2026)).toEqual(before);
    expect((await calendarAudit()).at(-1)).toMatchObject({ actorUsername: 'jc-admin', outcome: 'rejected' });
  });

  it('an administrator declaring a new holiday moves the deadline; audited; the seed never overwrites it', async () => {
    const query = `from=${from('2026-09-30T10:00:00')}&workingDays=1`;
    expect((await deadline(query)).body.dueAt).toBe('2026-10-08T16:00:00.000Z');
    const before = await year(2026);
    const body = {
      holidays: [...before.holidays, { date: '2026-10-08', name: '国庆节' }],
      workdays: before.workdays,
    };
    const res = await t.call('PUT', '/api/calendar/years/2026', { as: 'jc-admin', body });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ year: 2026, hasData: true, source: 'admin', updatedBy: 'jc-admin' });
    expect(res.body.holidays).toContainEqual({ date: '2026-10-08', name: '国庆节' });
    expect((await deadline(query)).body).toEqual({ dueAt: '2026-10-09T16:00:00.000Z', provisional: false });

    const audit = (await calendarAudit()).at(-1)!;
    expect(audit).toMatchObject({
      actorUsername: 'jc-admin',
      targetType: 'calendar_year',
      targetId: '2026',
      outcome: 'success',
    });
    expect(audit.details).toMatchObject({ added: ['holiday 2026-10-08 国庆节'], removed: [] });

    // Every start runs the seed: the edited year stays as the administrator left it.
    expect(await seedCalendar(t.em())).toEqual([]);
    expect((await year(2026)).holidays).toContainEqual({ date: '2026-10-08', name: '国庆节' });
    expect((await deadline(query)).body.dueAt).toBe('2026-10-09T16:00:00.000Z');
  });

  it('entering next year’s schedule makes its deadlines official', async () => {
    const query = `from=${from('2027-01-29T10:00:00')}&workingDays=1`; // a Friday
    expect((await deadline(query)).body).toEqual({ dueAt: '2027-02-01T16:00:00.000Z', provisional: true });
    const res = await t.call('PUT', '/api/calendar/years/2027', {
      as: 'jc-admin',
      body: {
        holidays: [{ date: '2027-02-01', name: '测试假日' }],
        workdays: [{ date: '2027-01-30', name: '测试调休' }],
      },
    });
    expect(res.status).toBe(200);
    expect((await deadline(query)).body).toEqual({ dueAt: '2027-01-30T16:00:00.000Z', provisional: false });
  });
});

describe('calendar pages', () => {
  const form = (fields: Record<string, string>) => ({
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

  it('show the year, and the calculator marks a provisional deadline 暂定', async () => {
    const page = await t.call('GET', '/calendar/2026', { as: 'jc-admin' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('调休上班日');
    expect(page.body).toContain('2026-02-14');
    expect(page.body).toContain('id="calendar-editor"');
    const calc = await t.call('GET', '/calendar/2028?from=2028-03-01&time=10:00&n=1&unit=days', {
      as: 'jc-admin',
    });
    expect(calc.body).toContain('id="no-data"');
    expect(calc.body).toContain('2028年3月2日 24:00');
    expect(calc.body).toContain('id="calc-provisional"');
    const official = await t.call('GET', '/calendar/2026?from=2026-02-13&time=10:00&n=1', {
      as: 'zz-amr-clerk',
    });
    expect(official.body).toContain('2026年2月14日 24:00');
    expect(official.body).not.toContain('id="calc-provisional"');
    expect(official.body).not.toContain('id="calendar-editor"');
  });

  it('the editor saves a year from one day per line, and names the line of a mistake', async () => {
    const bad = await t.call('POST', '/calendar/2029', {
      as: 'jc-admin',
      ...form({ holidays: '2029-01-01 元旦\n\n2029/10/1 国庆节', workdays: '2029-10-08 国庆节' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('调休上班日 第 1 行（2029-10-08 国庆节）');
    expect((await year(2029)).hasData).toBe(false);

    const ok = await t.call('POST', '/calendar/2029', {
      as: 'jc-admin',
      ...form({ holidays: '2029-01-01 元旦\n\n2029/10/1 国庆节', workdays: '2029-09-29 国庆节' }),
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/calendar/2029?flash=saved');
    expect(await year(2029)).toMatchObject({
      hasData: true,
      holidays: [
        { date: '2029-01-01', name: '元旦' },
        { date: '2029-10-01', name: '国庆节' },
      ],
      workdays: [{ date: '2029-09-29', name: '国庆节' }],
    });

    const refused = await t.call('POST', '/calendar/2029', {
      as: 'zz-amr-clerk',
      ...form({ holidays: '', workdays: '' }),
    });
    expect(refused.status).toBe(403);
    expect((await year(2029)).holidays).toHaveLength(2);
  });
});
