/**
 * LM-11 force-majeure rules: which late arrivals an incident excuses, the backlog deadline 3 working days after
 * clearance (DESIGN §3), the backlog still missing, and the report's schema.
 */
import { chineseDaysCalendar } from '../../db/calendar-seed';
import { WorkingCalendar } from '../../domain/calendar';
import {
  backlogDeadline,
  excusingIncident,
  IncidentReport,
  IncidentWindow,
  incidentExcuses,
  LateIssuance,
  missingBacklog,
} from '../../domain/force-majeure';

const calendar = new WorkingCalendar(chineseDaysCalendar());
const sh = (local: string) => new Date(`${local}+08:00`);
const TYPE = '11100000000013338W001';
const OTHER = '11100000000013338W002';

const incident: IncidentWindow = {
  id: 'i1',
  organisationId: 'zz-amr',
  typeCodes: [TYPE],
  since: sh('2026-12-01T09:00:00'),
  clearedAt: null,
  backlogDueAt: null,
};
const late = (over: Partial<LateIssuance> = {}): LateIssuance => ({
  organisationId: 'zz-amr',
  typeCode: TYPE,
  caseClosedAt: sh('2026-12-01T10:00:00'),
  deadlineAt: sh('2026-12-03T00:00:00'),
  receivedAt: sh('2026-12-03T15:00:00'),
  ...over,
});

describe('LM-11 which late arrivals an incident excuses', () => {
  it('an open incident excuses a case of its type and unit whose LM-9 deadline fell after the fault began', () => {
    expect(incidentExcuses(incident, late())).toBe(true);
    // The deadline passed before the fault: late for its own reasons.
    expect(incidentExcuses(incident, late({ deadlineAt: sh('2026-12-01T00:00:00') }))).toBe(false);
    expect(incidentExcuses(incident, late({ typeCode: OTHER }))).toBe(false);
    expect(incidentExcuses(incident, late({ organisationId: 'gp-amr' }))).toBe(false);
  });

  it('after clearance: cases closed during the incident until the backlog deadline; nothing closed later', () => {
    const cleared = {
      ...incident,
      clearedAt: sh('2026-12-04T12:00:00'),
      backlogDueAt: sh('2026-12-10T00:00:00'),
    };
    expect(incidentExcuses(cleared, late({ receivedAt: sh('2026-12-09T23:59:00') }))).toBe(true);
    expect(incidentExcuses(cleared, late({ receivedAt: sh('2026-12-10T00:00:01') }))).toBe(false);
    expect(incidentExcuses(cleared, late({ caseClosedAt: sh('2026-12-04T13:00:00') }))).toBe(false);
    expect(excusingIncident([{ ...incident, typeCodes: [OTHER] }, cleared], late())?.id).toBe('i1');
    expect(excusingIncident([], late())).toBeNull();
  });
});

describe('LM-11 the backlog', () => {
  it('is due at 24:00 of the 3rd working day after the day of clearance, the weekend not counted', () => {
    // Cleared Wednesday 2 December 2026: Thursday, Friday, Monday.
    expect(backlogDeadline(calendar, sh('2026-12-02T10:00:00'))).toEqual({
      dueAt: sh('2026-12-08T00:00:00').toISOString(),
      provisional: false,
    });
  });

  it('still missing: the cases not issued in time, once each', () => {
    expect(missingBacklog(['A', 'B', 'B', 'C'], ['A', 'X'])).toEqual(['B', 'C']);
    expect(missingBacklog([], ['A'])).toEqual([]);
  });

  it('a report names what failed, since when, at least one type by its code, and the measures', () => {
    const ok = {
      failure: '系统故障',
      since: '2026-12-01T09:00:00+08:00',
      typeCodes: [TYPE],
      measures: '纸质登记',
    };
    expect(IncidentReport.safeParse(ok).success).toBe(true);
    const paths = (body: unknown) =>
      IncidentReport.safeParse(body).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(paths({ ...ok, typeCodes: [] })).toEqual(['typeCodes']);
    expect(paths({ ...ok, typeCodes: ['营业执照'] })).toEqual(['typeCodes.0']);
    expect(paths({ ...ok, since: '昨天' })).toEqual(['since']);
    expect(paths({ ...ok, measures: ' ' })).toEqual(['measures']);
  });
});
