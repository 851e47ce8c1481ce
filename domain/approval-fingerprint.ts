/**
 * A fingerprint of the state a projection writes (the state without its outbox): the workflow compares it with the
 * one a local activity returns for the state it projected, to know whether the rows already show its own state
 * (issue 19: a step opened and projected in one local activity). FNV-1a over the state's JSON, which a JSON round
 * trip (the activity's input) leaves unchanged. Pure.
 */
import type { ApprovalState } from './approval-state';

export function projectionFingerprint(state: ApprovalState): string {
  const json = JSON.stringify({ ...state, outbox: [] });
  let hash = 0x811c9dc5;
  for (let i = 0; i < json.length; i++) {
    hash ^= json.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${json.length}:${hash.toString(16)}`;
}
