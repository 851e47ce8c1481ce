/**
 * Issuing a licence (LM-7, LM-8, LM-9, LM-13, SM-12): the issuance row was stored by the API; this workflow signs and
 * stores the licence under the issuing unit's standing seal-use authorisation, waiting (durably) while the unit
 * has none. The licence's transaction queues its push to the data-exchange platform and its holder's e-mail, which
 * the delivery relay sends (activities/delivery-relay.ts: each retried on its own until it succeeds, so an exchange
 * outage delays only the push, and neither is lost). Issue 19 Build 3: an issuance is start → workflow task →
 * signAndStore → workflow task. Runs begun before the relay keep their delivery activity (`deliverIssuedLicence`),
 * and runs begun before that one the push and the e-mail as two activities.
 */
import { condition, continueAsNew, patched, setHandler } from '@temporalio/workflow';
import type { ExchangeActivities } from '../activities/exchange';
import type { LicenceIssuanceActivities } from '../activities/licence-issuance';
import { activityProxies } from './activity-proxies';
import { signingActivities } from './signing';
import {
  issuanceSettled,
  issuanceStateQuery,
  LicenceIssuanceInput,
  LicenceIssuanceState,
  sealAuthorisationGranted,
} from './licence-issuance-messages';

const activities = activityProxies<LicenceIssuanceActivities & ExchangeActivities>();

/** Without a signal, look for an authorisation again after this long (a signal may be lost to an outage). */
const AWAITING_SEAL_RETRY = '1 hour';
/** Keeps the history of an issuance that waits for months small: a fresh run after this many hourly tries. */
const ROUNDS_BEFORE_CONTINUE_AS_NEW = 100;
/** Issue 19 Build 3: the push and the e-mail in one activity; runs begun before it replay with the two apart. */
const ONE_DELIVERY_ACTIVITY = 'issue-19-one-delivery-activity';
/**
 * Issue 19 Build 3: the push and the e-mail are rows written with the licence and sent by the delivery relay
 * (activities/delivery-relay.ts), no activity of the issuance's own; runs begun before it keep their delivery activity.
 */
const DELIVERY_RELAY = 'issue-19-delivery-relay';

export interface LicenceIssuanceOutcome {
  status: 'issued' | 'failed';
  licenceId: string | null;
  identifier: string | null;
  reason: string | null;
}

export async function licenceIssuanceWorkflow(input: LicenceIssuanceInput): Promise<LicenceIssuanceOutcome> {
  const state: LicenceIssuanceState = {
    status: 'pending',
    reason: null,
    licenceId: null,
    identifier: null,
    attempts: 0,
    exchangeDone: false,
    holderNotified: false,
  };
  let woken = false;
  setHandler(sealAuthorisationGranted, () => {
    woken = true;
  });
  setHandler(issuanceStateQuery, () => state);
  // The state changes only once the row says the same (the activities write it first).
  setHandler(issuanceSettled, async () => {
    await condition(() => state.status !== 'pending');
    return state.status;
  });
  // Issue 11 Build 5: the signing runs on the signing task queue, whose worker alone holds the keys.
  const signing = signingActivities();

  for (;;) {
    // Cleared before the attempt: a grant signalled while the attempt runs wakes the next wait at once.
    woken = false;
    state.attempts++;
    const result = await signing.signAndStore({ issuanceId: input.issuanceId });
    if (result.outcome === 'issued') {
      state.status = 'issued';
      state.reason = null;
      state.licenceId = result.licenceId;
      state.identifier = result.identifier;
      break;
    }
    if (result.outcome === 'failed') {
      await activities.markIssuanceFailed({ issuanceId: input.issuanceId, reason: result.reason });
      state.status = 'failed';
      state.reason = result.reason;
      return { status: 'failed', licenceId: null, identifier: null, reason: result.reason };
    }
    if (state.status !== 'awaiting_seal' || state.reason !== result.reason) {
      await activities.markAwaitingSeal({ issuanceId: input.issuanceId, reason: result.reason });
    }
    state.status = 'awaiting_seal';
    state.reason = result.reason;
    await condition(() => woken, AWAITING_SEAL_RETRY);
    if (state.attempts >= ROUNDS_BEFORE_CONTINUE_AS_NEW && !woken) {
      await continueAsNew<typeof licenceIssuanceWorkflow>(input);
    }
  }

  const licenceId = state.licenceId!;
  if (patched(DELIVERY_RELAY)) {
    // The push and the e-mail were queued with the licence; the delivery relay sends them (LM-8).
  } else if (patched(ONE_DELIVERY_ACTIVITY)) {
    await activities.deliverIssuedLicence({ licenceId });
    state.exchangeDone = true;
    state.holderNotified = true;
  } else {
    await Promise.all([
      activities.deliverToExchange({ licenceId }).then(() => {
        state.exchangeDone = true;
      }),
      activities.notifyHolder({ licenceId }).then(() => {
        state.holderNotified = true;
      }),
    ]);
  }
  return { status: 'issued', licenceId, identifier: state.identifier, reason: null };
}
