/**
 * LM-23 dispute rules: the two working-day deadlines from receipt (DESIGN §3), the transitions table, the
 * challenge and answer schemas.
 */
import { chineseDaysCalendar } from '../../db/calendar-seed';
import { CalendarYearData, WorkingCalendar } from '../../domain/calendar';
import { disputeDeadlines, disputeTransition, markerStands, unknownItems } from '../../domain/dispute';
import { DisputeAnswer, DisputeRequest } from '../../domain/dispute-schema';
import { CHECK_IDS, CHECK_LABELS, CheckId, decideVerification } from '../../domain/licence-verification';

const calendar = new WorkingCalendar(chineseDaysCalendar());
const sh = (local: string) => new Date(`${local}+08:00`);

describe('LM-23 dispute deadlines', () => {
  it('a challenge on a Wednesday: marker by Thursday 24:00, outcome by the next Wednesday 24:00', () => {
    const d = disputeDeadlines(calendar, sh('2026-12-02T10:00:00'));
    expect(d.marker).toEqual({ dueAt: sh('2026-12-04T00:00:00').toISOString(), provisional: false });
    expect(d.outcome).toEqual({ dueAt: sh('2026-12-10T00:00:00').toISOString(), provisional: false });
  });

  it('a challenge on Friday 23:59 counts from Monday: the day of receipt never counts', () => {
    const d = disputeDeadlines(calendar, sh('2026-12-04T23:59:00'));
    expect(d.marker.dueAt).toBe(sh('2026-12-08T00:00:00').toISOString());
    expect(d.outcome.dueAt).toBe(sh('2026-12-12T00:00:00').toISOString());
  });

  it('a challenge the day before 国庆节 (2026-09-30): both deadlines after the holiday', () => {
    const d = disputeDeadlines(calendar, sh('2026-09-30T16:00:00'));
    expect(d.marker.dueAt).toBe(sh('2026-10-09T00:00:00').toISOString());
    // 10-08 Thu, 10-09 Fri, 10-10 Sat is a make-up working day, 10-12 Mon, 10-13 Tue.
    expect(d.outcome.dueAt).toBe(sh('2026-10-14T00:00:00').toISOString());
  });

  it('a holiday entered right after the day of receipt moves both deadlines', () => {
    const seeded = chineseDaysCalendar().filter((y) => y.year !== 2026);
    const y2026 = chineseDaysCalendar().find((y) => y.year === 2026)!;
    const edited: CalendarYearData = {
      ...y2026,
      holidays: [
        ...y2026.holidays,
        { date: '2026-12-03', name: '测试假日' },
        { date: '2026-12-04', name: '测试假日' },
      ],
    };
    const d = disputeDeadlines(new WorkingCalendar([...seeded, edited]), sh('2026-12-02T10:00:00'));
    expect(d.marker.dueAt).toBe(sh('2026-12-08T00:00:00').toISOString());
    expect(d.outcome.dueAt).toBe(sh('2026-12-12T00:00:00').toISOString());
  });

  it('a deadline in a year without calendar data is provisional', () => {
    const d = disputeDeadlines(calendar, sh('2026-12-29T10:00:00'));
    expect(d.marker.provisional).toBe(false);
    expect(d.outcome.provisional).toBe(true);
  });
});

describe('LM-23 dispute transitions', () => {
  it('the unit marks a received dispute; the platform too at the deadline; not twice', () => {
    expect(disputeTransition('received', 'mark')).toEqual({ ok: true, to: 'marked' });
    expect(disputeTransition('received', 'platform_mark')).toEqual({ ok: true, to: 'marked' });
    expect(disputeTransition('marked', 'mark')).toMatchObject({ ok: false });
  });

  it('an answer resolves an open dispute, marked or not; nothing after resolution or withdrawal', () => {
    expect(disputeTransition('marked', 'answer')).toEqual({ ok: true, to: 'resolved' });
    expect(disputeTransition('received', 'answer')).toEqual({ ok: true, to: 'resolved' });
    for (const action of ['mark', 'answer', 'withdraw', 'request_material'] as const) {
      expect(disputeTransition('resolved', action)).toMatchObject({ ok: false });
      expect(disputeTransition('withdrawn', action)).toMatchObject({ ok: false });
    }
  });

  it('asking for material keeps the status (LM-23 pauses neither deadline)', () => {
    expect(disputeTransition('marked', 'request_material')).toEqual({ ok: true, to: 'marked' });
  });

  it('the marker stands only while marked', () => {
    expect(markerStands('received')).toBe(false);
    expect(markerStands('marked')).toBe(true);
    expect(markerStands('resolved')).toBe(false);
    expect(markerStands('withdrawn')).toBe(false);
  });
});

describe('LM-23 challenge and answer schemas', () => {
  const base = { ground: 'accuracy', items: ['住所'], description: '住所有误' };

  it('needs at least one item named', () => {
    const r = DisputeRequest.safeParse({ ...base, items: [] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['items']);
  });

  it('an anonymous contact needs a phone or an e-mail', () => {
    expect(DisputeRequest.safeParse({ ...base, contact: { name: '王五' } }).success).toBe(false);
    expect(
      DisputeRequest.safeParse({ ...base, contact: { name: '王五', phone: '13800000000' } }).success,
    ).toBe(true);
  });

  it('items are checked against the type labels', () => {
    expect(unknownItems(['住所', '颜色'], ['名称', '住所'])).toEqual(['颜色']);
  });

  it('a correcting answer names the new version; a confirmation does not', () => {
    expect(DisputeAnswer.safeParse({ outcome: 'corrected', reasons: '已更正' }).success).toBe(false);
    expect(
      DisputeAnswer.safeParse({ outcome: 'corrected', reasons: '已更正', newIdentifier: 'x' }).success,
    ).toBe(true);
    expect(
      DisputeAnswer.safeParse({ outcome: 'confirmed', reasons: '核实无误', newIdentifier: 'x' }).success,
    ).toBe(false);
  });
});

describe('LM-23 the marker in the verification report', () => {
  it('a standing dispute is a check of its own that never changes the indication', () => {
    const checks = Object.fromEntries(CHECK_IDS.map((id) => [id, { passed: true, detail: '' }])) as Record<
      CheckId,
      { passed: boolean; detail: string }
    >;
    const facts = { unknownIdentifier: false, sealRevocation: null };
    expect(decideVerification(checks, facts)).toEqual({ indication: 'PASSED', subIndication: null });
    checks.DISPUTE = { passed: false, detail: '有异议·核查中' };
    expect(decideVerification(checks, facts)).toEqual({ indication: 'PASSED', subIndication: null });
    expect(CHECK_LABELS.DISPUTE).toBe('异议标注');
  });
});
