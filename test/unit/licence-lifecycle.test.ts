/**
 * Issue 12 Build 1, 3, 4: the lifecycle table's transitions, the status at a moment folded from events, and which
 * expiry reminder is due on a day.
 */
import { reminderDue } from '../../domain/licence-expiry';
import {
  applyEvent,
  eventFieldProblems,
  isRefusal,
  LICENCE_EVENT_KINDS,
  LICENCE_EVENT_RULES,
  LifecycleState,
  RecordedEvent,
  statusAt,
} from '../../domain/licence-lifecycle';

const valid: LifecycleState = { status: 'valid', suspensions: [] };
const at = { id: 'e1', at: '2026-03-01T00:00:00.000Z', reason: '依申请' };

describe('issue 12 Build 1: the event table', () => {
  it('suspensions begin and end only once each, and stack', () => {
    const pledged = applyEvent(valid, 'pledge', at);
    expect(pledged).toMatchObject({ status: 'suspended', suspensions: [{ kind: 'pledged', since: at.at }] });
    expect(applyEvent(pledged as LifecycleState, 'pledge', at)).toMatchObject({ rule: 'already_pledged' });
    const both = applyEvent(pledged as LifecycleState, 'withholding', at) as LifecycleState;
    expect(both.suspensions.map((s) => s.kind)).toEqual(['pledged', 'withheld']);
    const released = applyEvent(both, 'pledge_release', at) as LifecycleState;
    expect(released).toMatchObject({ status: 'suspended', suspensions: [{ kind: 'withheld' }] });
    expect(applyEvent(released, 'withholding_return', at)).toEqual(valid);
    expect(applyEvent(valid, 'pledge_release', at)).toMatchObject({ rule: 'not_pledged' });
    expect(applyEvent(valid, 'loss_withdrawn', at)).toMatchObject({ rule: 'not_lost' });
  });

  it('补发 only while 挂失 holds, and lifts it; other suspensions carry over to the new version', () => {
    expect(applyEvent(valid, 'reissue', at)).toMatchObject({ rule: 'not_lost' });
    const lost = applyEvent(valid, 'loss_reported', at) as LifecycleState;
    expect(applyEvent(lost, 'reissue', at)).toEqual(valid);
    const lostPledged = applyEvent(lost, 'pledge', at) as LifecycleState;
    expect(applyEvent(lostPledged, 'reissue', at)).toMatchObject({
      status: 'suspended',
      suspensions: [{ kind: 'pledged' }],
    });
  });

  it('延续 only of a licence with an end date, to a later one; a permanent licence is refused', () => {
    const term = { validTo: '2031-06-30' };
    expect(applyEvent(valid, 'extension', { ...at, validTo: '2036-06-30' }, term)).toEqual(valid);
    for (const validTo of ['2031-06-30', '2030-01-01'])
      expect(applyEvent(valid, 'extension', { ...at, validTo }, term)).toMatchObject({
        rule: 'not_later_than_current_end',
      });
    expect(applyEvent(valid, 'extension', { ...at, validTo: '2036-06-30' }, { validTo: null })).toMatchObject(
      {
        rule: 'permanent_licence',
      },
    );
    const base = { caseId: 'c', legalBasis: 'b', reason: 'r' };
    expect(eventFieldProblems({ ...base, kind: 'extension' })).toEqual([
      expect.objectContaining({ field: 'validTo', rule: 'required' }),
    ]);
  });

  it.each(['revoked', 'cancelled', 'withdrawn', 'abolished', 'expired', 'superseded'] as const)(
    'no event on a %s licence',
    (status) => {
      for (const kind of LICENCE_EVENT_KINDS) {
        const r = applyEvent({ status, suspensions: [] }, kind, at);
        expect(isRefusal(r) && r.rule).toBe('licence_not_in_force');
      }
    },
  );

  it('the decisions need approval; expiry is the platform’s; each kind names its required fields', () => {
    const approval = LICENCE_EVENT_KINDS.filter((k) => LICENCE_EVENT_RULES[k].approval);
    expect(approval).toEqual(['cancellation', 'revocation', 'withdrawal', 'abolition']);
    const base = { caseId: 'c', legalBasis: 'b', reason: 'r' };
    expect(eventFieldProblems({ ...base, kind: 'pledge' })).toEqual([
      expect.objectContaining({ field: 'pledgee', rule: 'required' }),
    ]);
    expect(eventFieldProblems({ ...base, kind: 'loss_reported', pledgee: 'x' })).toEqual([
      expect.objectContaining({ field: 'pledgee', rule: 'not_applicable' }),
    ]);
    expect(eventFieldProblems({ ...base, kind: 'expiry' })[0]).toMatchObject({ rule: 'platform_only' });
  });
});

describe('issue 12 Build 4: status at a moment', () => {
  const licence = { issuedAt: '2026-01-10T02:00:00.000Z', validTo: '2026-12-31' };
  const events: RecordedEvent[] = [
    {
      kind: 'pledge',
      effectiveAt: '2026-02-01T00:00:00.000Z',
      stateAfter: {
        status: 'suspended',
        suspensions: [{ kind: 'pledged', since: '2026-02-01T00:00:00.000Z', reason: 'r', eventId: 'a' }],
      },
    },
    { kind: 'pledge_release', effectiveAt: '2026-03-01T00:00:00.000Z', stateAfter: valid },
    {
      kind: 'revocation',
      effectiveAt: '2026-05-10T00:00:00.000Z',
      stateAfter: { status: 'revoked', suspensions: [] },
    },
  ];
  it.each([
    ['2026-01-10T01:59:59.999Z', 'not_issued'],
    ['2026-01-10T02:00:00.000Z', 'valid'],
    ['2026-01-31T23:59:59.999Z', 'valid'],
    ['2026-02-01T00:00:00.000Z', 'suspended'],
    ['2026-03-01T00:00:00.000Z', 'valid'],
    ['2026-05-10T00:00:00.000Z', 'revoked'],
    ['2027-06-01T00:00:00.000Z', 'revoked'],
  ])('at %s: %s', (moment, status) => {
    expect(statusAt(licence, events, moment).status).toBe(status);
  });

  it('a licence in force past its last day (Shanghai) is expired from the next day’s start', () => {
    const s = statusAt({ ...licence, validTo: '2026-04-30' }, events.slice(0, 2), '2026-04-30T16:00:00.000Z');
    expect(s).toMatchObject({ status: 'expired', since: '2026-04-30T16:00:00.000Z' });
    expect(statusAt({ ...licence, validTo: '2026-04-30' }, [], '2026-04-30T15:59:59.999Z').status).toBe(
      'valid',
    );
  });
});

describe('issue 12 Build 3: reminders', () => {
  it.each([
    ['2026-09-01', null],
    ['2026-10-02', 90],
    ['2026-12-01', 30],
    ['2026-12-25', 7],
    ['2026-12-31', 7],
    ['2027-01-01', null],
  ])('on %s the due offset is %s', (date, offset) => {
    expect(reminderDue('2026-12-31', [90, 30, 7], date)).toBe(offset);
  });
});
