/**
 * A case announced when it closed (LM-9), one workflow per case (`case-<unit>-<case id>`): a durable timer to
 * 24:00 of the next working day. The licence arriving in time ends it with no finding; at the deadline the
 * database is asked once more (a lost signal must not raise a false finding), and a case still without its
 * licence is flagged: a finding of violation kind 2 (licence not collected in time). A licence arriving later
 * marks the case late.
 */
import { condition, setHandler } from '@temporalio/workflow';
import type { AnnouncedCaseActivities } from '../activities/announced-case';
import { arrivalStatus } from '../domain/supervision';
import { activityProxies } from './activity-proxies';
import {
  AnnouncedCaseInput,
  AnnouncedCaseState,
  announcedCaseStateQuery,
  licenceArrivedSignal,
} from './announced-case-messages';

const activities = activityProxies<AnnouncedCaseActivities>();

const now = () => new Date().toISOString();
const until = (iso: string) => Math.max(1, Date.parse(iso) - Date.now());
/** How long a flagged case waits for its licence before the workflow ends (the finding stays). */
const LATE_ARRIVAL_WAIT = '400 days';

export async function announcedCaseWorkflow(input: AnnouncedCaseInput): Promise<AnnouncedCaseState> {
  const state: AnnouncedCaseState = { status: 'open', arrivedAt: input.arrivedAt ?? null };
  const { announcedCaseId: id, deadlineAt } = input;

  setHandler(licenceArrivedSignal, ({ receivedAt }) => {
    state.arrivedAt ??= receivedAt;
  });
  setHandler(announcedCaseStateQuery, () => state);

  if (!(await condition(() => state.arrivedAt !== null, until(deadlineAt)))) {
    state.arrivedAt = await activities.findCaseArrival({ announcedCaseId: id });
    if (state.arrivedAt === null || arrivalStatus(deadlineAt, state.arrivedAt) === 'issued_late') {
      state.status = 'flagged';
      await activities.flagAnnouncedCase({ announcedCaseId: id, at: now() });
    }
    if (state.arrivedAt === null) await condition(() => state.arrivedAt !== null, LATE_ARRIVAL_WAIT);
  }
  if (state.arrivedAt === null) return state;
  state.status = arrivalStatus(deadlineAt, state.arrivedAt);
  await activities.closeAnnouncedCase({
    announcedCaseId: id,
    arrivedAt: state.arrivedAt,
    status: state.status,
  });
  return state;
}
