/** Issue 12 Build 5: the rules of a seal's status (SM-15, SM-16), without a database. */
import {
  SealStatusEntry,
  inactiveSince,
  SealStatusRequestBody,
  transitionProblem,
} from '../../domain/seal-status';
import { sealProblem } from '../../domain/seal-use';

const at = (iso: string) => new Date(iso);
const entry = (
  status: SealStatusEntry['status'],
  event: SealStatusEntry['event'],
  effective: string,
  recorded: string,
) => ({
  status,
  event,
  effectiveAt: at(effective),
  recordedAt: at(recorded),
});

describe('issue 12 Build 5: transitions (SM-15, SM-16)', () => {
  it('allows loss from active, restoration from lost, cancellation from active or lost', () => {
    expect(transitionProblem('active', 'loss_reported')).toBeUndefined();
    expect(transitionProblem('lost', 'restored')).toBeUndefined();
    expect(transitionProblem('active', 'cancelled')).toBeUndefined();
    expect(transitionProblem('lost', 'cancelled')).toBeUndefined();
  });

  it('names the rule for each forbidden transition', () => {
    expect(transitionProblem('lost', 'loss_reported')).toContain('不能重复挂失');
    expect(transitionProblem('active', 'restored')).toContain('只有已挂失的印章');
    for (const event of ['loss_reported', 'restored', 'cancelled'] as const) {
      expect(transitionProblem('cancelled', event)).toContain('已注销');
    }
  });
});

describe('issue 12 Build 5: since when a seal is out of use', () => {
  it('is null while active, the loss time while lost', () => {
    const made = entry('active', 'made', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    expect(inactiveSince([made])).toBeNull();
    const lost = entry('lost', 'loss_reported', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z');
    expect(inactiveSince([made, lost])).toEqual(at('2026-03-01T00:00:00Z'));
  });

  it('takes a cancellation dated before the loss it follows, and starts afresh after a restoration', () => {
    const made = entry('active', 'made', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    const lost = entry('lost', 'loss_reported', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z');
    const restored = entry('active', 'restored', '2026-03-05T00:00:00Z', '2026-03-05T00:00:00Z');
    const lostAgain = entry('lost', 'loss_reported', '2026-05-01T00:00:00Z', '2026-05-01T00:00:00Z');
    const cancelled = entry('cancelled', 'cancelled', '2026-04-20T00:00:00Z', '2026-05-10T00:00:00Z');
    expect(inactiveSince([made, lost, restored])).toBeNull();
    expect(inactiveSince([made, lost, restored, lostAgain, cancelled])).toEqual(at('2026-04-20T00:00:00Z'));
  });
});

describe('issue 12 Build 5: requests and refusals', () => {
  it('a cancellation needs proof attachments; a restoration takes no stated time', () => {
    const cancel = SealStatusRequestBody.safeParse({ sealId: 's', action: 'cancel', reason: '单位合并' });
    expect(cancel.success).toBe(false);
    expect(cancel.error?.issues.map((i) => i.path.join('.'))).toEqual(['attachments']);
    const restore = SealStatusRequestBody.safeParse({
      sealId: 's',
      action: 'restore',
      reason: '已找回',
      effectiveFrom: '2026-01-01T00:00:00+08:00',
    });
    expect(restore.error?.issues.map((i) => i.path.join('.'))).toEqual(['effectiveFrom']);
  });

  it('signing a lost seal answers SEAL_NOT_ACTIVE naming the loss, its time and reason (SM-16)', () => {
    const problem = sealProblem(
      {
        status: 'lost',
        validFrom: at('2026-01-01T00:00:00Z'),
        validTo: at('2027-01-01T00:00:00Z'),
        statusSince: at('2026-06-01T02:00:00Z'),
        statusReason: '介质遗失',
      },
      at('2026-06-02T00:00:00Z'),
    );
    expect(problem?.code).toBe('SEAL_NOT_ACTIVE');
    expect(problem?.message).toContain('挂失');
    expect(problem?.message).toContain('2026-06-01 10:00');
    expect(problem?.message).toContain('介质遗失');
  });
});
