/**
 * Issue 12 Build 1 (LM-8): the events of a licence's life after issuance, as one table — for each kind the states
 * it may happen in, what it does to the licence's state, the fields it needs and whether the issuing unit's
 * approval engine must decide it first. The API, the signing activity, the status-at-a-moment answer and the
 * pages all read this table. Pure: no clock, no I/O.
 *
 * A licence's state is its stored status plus the suspensions that hold (挂失, 暂扣, 质押: DESIGN §3, each
 * reversible). While one holds, a `valid` licence is shown and verified as `suspended`, with the reason and since
 * when. 变更 and 更正 are new versions (domain/licence-issuance.ts); 补发 and 延续 are new versions too, made by
 * the event itself (effect `new_version`): the event's version is superseded by its successor.
 */
import { addCalendarDays, shanghaiDateOf, startOfShanghaiDay } from './calendar';
import { canonicalJson } from './canonical-json';
import { LICENCE_STATUS_LABELS, type LicenceStatus } from './licence';
import type { LicenceEventBody } from './licence-lifecycle-schema';

export type { LicenceEventBody } from './licence-lifecycle-schema';

export const SUSPENSION_KINDS = ['lost', 'withheld', 'pledged'] as const;
export type SuspensionKind = (typeof SUSPENSION_KINDS)[number];
export const SUSPENSION_LABELS: Record<SuspensionKind, string> = {
  lost: '挂失',
  withheld: '暂扣',
  pledged: '质押',
};

export interface Suspension {
  kind: SuspensionKind;
  /** ISO time the suspension took effect. */
  since: string;
  reason: string;
  /** The event that began it. */
  eventId: string;
}

/** A licence's state as the lifecycle sees it: the base status and the suspensions holding. */
export interface LifecycleState {
  status: LicenceStatus;
  suspensions: Suspension[];
}

/** Fields an event may carry besides the case id, the basis, the reason and the effective time. */
export const EVENT_EXTRA_FIELDS = ['nextDueDate', 'consequences', 'pledgee', 'authority', 'validTo'] as const;
export type EventExtraField = (typeof EVENT_EXTRA_FIELDS)[number];

export const LICENCE_EVENT_KINDS = [
  'inspection_passed',
  'inspection_failed',
  'loss_reported',
  'loss_withdrawn',
  'pledge',
  'pledge_release',
  'withholding',
  'withholding_return',
  'cancellation',
  'revocation',
  'withdrawal',
  'abolition',
  'expiry',
  'reissue',
  'extension',
] as const;
export type LicenceEventKind = (typeof LICENCE_EVENT_KINDS)[number];

/** What an event does to the state: nothing, begin or end a suspension, or end the licence in a final status. */
export type EventEffect =
  | { type: 'none' }
  | { type: 'suspend'; suspension: SuspensionKind }
  | { type: 'resume'; suspension: SuspensionKind }
  | { type: 'end'; status: LicenceStatus }
  /** Issue 12 Build 1: a new version of the licence (补发, 延续); `ends` the suspension the new version lifts. */
  | { type: 'new_version'; ends: SuspensionKind | null; requiresLost: boolean; extends: boolean };

export interface EventRule {
  label: string;
  effect: EventEffect;
  /** Fields the request must carry (400 naming each when missing). */
  requires: readonly EventExtraField[];
  /** Decided by the issuing unit's approval engine (process kind licence_revocation) before it takes effect. */
  approval: boolean;
  /** Recorded by the platform itself only (the expiry sweep), never requested through the API. */
  platformOnly: boolean;
}

/** The one table of event kinds (issue 12 Build 1). */
export const LICENCE_EVENT_RULES: Record<LicenceEventKind, EventRule> = {
  inspection_passed: {
    label: '年检（年审）通过',
    effect: { type: 'none' },
    requires: ['nextDueDate'],
    approval: false,
    platformOnly: false,
  },
  inspection_failed: {
    label: '年检（年审）未通过',
    effect: { type: 'none' },
    requires: ['consequences'],
    approval: false,
    platformOnly: false,
  },
  loss_reported: {
    label: '挂失',
    effect: { type: 'suspend', suspension: 'lost' },
    requires: [],
    approval: false,
    platformOnly: false,
  },
  loss_withdrawn: {
    label: '解除挂失',
    effect: { type: 'resume', suspension: 'lost' },
    requires: [],
    approval: false,
    platformOnly: false,
  },
  pledge: {
    label: '质押',
    effect: { type: 'suspend', suspension: 'pledged' },
    requires: ['pledgee'],
    approval: false,
    platformOnly: false,
  },
  pledge_release: {
    label: '解除质押',
    effect: { type: 'resume', suspension: 'pledged' },
    requires: [],
    approval: false,
    platformOnly: false,
  },
  withholding: {
    label: '暂扣',
    effect: { type: 'suspend', suspension: 'withheld' },
    requires: ['authority'],
    approval: false,
    platformOnly: false,
  },
  withholding_return: {
    label: '发还',
    effect: { type: 'resume', suspension: 'withheld' },
    requires: [],
    approval: false,
    platformOnly: false,
  },
  cancellation: {
    label: '注销',
    effect: { type: 'end', status: 'cancelled' },
    requires: [],
    approval: true,
    platformOnly: false,
  },
  revocation: {
    label: '撤销',
    effect: { type: 'end', status: 'revoked' },
    requires: [],
    approval: true,
    platformOnly: false,
  },
  withdrawal: {
    label: '吊销',
    effect: { type: 'end', status: 'withdrawn' },
    requires: ['authority'],
    approval: true,
    platformOnly: false,
  },
  abolition: {
    label: '废止',
    effect: { type: 'end', status: 'abolished' },
    requires: [],
    approval: true,
    platformOnly: false,
  },
  expiry: {
    label: '到期失效',
    effect: { type: 'end', status: 'expired' },
    requires: [],
    approval: false,
    platformOnly: true,
  },
  reissue: {
    label: '补发',
    effect: { type: 'new_version', ends: 'lost', requiresLost: true, extends: false },
    requires: [],
    approval: false,
    platformOnly: false,
  },
  extension: {
    label: '延续',
    effect: { type: 'new_version', ends: null, requiresLost: false, extends: true },
    requires: ['validTo'],
    approval: false,
    platformOnly: false,
  },
};

export const EVENT_FIELD_LABELS: Record<EventExtraField, string> = {
  nextDueDate: '下次年检（年审）日期',
  consequences: '未通过的处理结果',
  pledgee: '质权人',
  authority: '作出决定的机关',
  validTo: '延续后的有效期截止日期',
};

/** The event kinds that go through the approval engine. */
export const APPROVAL_EVENT_KINDS = LICENCE_EVENT_KINDS.filter((k) => LICENCE_EVENT_RULES[k].approval);

/** A refused transition: the rule's name (for clients) and its message in Chinese (409). */
export interface TransitionRefusal {
  rule: string;
  message: string;
}

/**
 * The state after `kind` happens in `state`, or the rule it breaks: only a valid (possibly suspended) licence has
 * events; a suspension cannot begin twice nor end when it does not hold; 补发 only while 挂失 holds; 延续 only of a
 * licence with an end date, to a later one. `term` is the licence's validity (for 延续).
 */
export function applyEvent(
  state: LifecycleState,
  kind: LicenceEventKind,
  event: { id: string; at: string; reason: string; validTo?: string },
  term: { validTo: string | null } = { validTo: null },
): LifecycleState | TransitionRefusal {
  const rule = LICENCE_EVENT_RULES[kind];
  if (state.status !== 'valid' && state.status !== 'suspended') {
    return {
      rule: 'licence_not_in_force',
      message: `证照当前状态为“${statusLabelOf(state.status)}”，不能再办理${rule.label}`,
    };
  }
  const effect = rule.effect;
  const holds = (s: SuspensionKind) => state.suspensions.some((x) => x.kind === s);
  switch (effect.type) {
    case 'none':
      return state;
    case 'suspend': {
      if (holds(effect.suspension)) {
        return {
          rule: `already_${effect.suspension}`,
          message: `证照已处于${SUSPENSION_LABELS[effect.suspension]}状态，不能重复${rule.label}`,
        };
      }
      const suspensions = [
        ...state.suspensions,
        { kind: effect.suspension, since: event.at, reason: event.reason, eventId: event.id },
      ];
      return { status: 'suspended', suspensions };
    }
    case 'resume': {
      if (!holds(effect.suspension)) {
        return {
          rule: `not_${effect.suspension}`,
          message: `证照没有处于${SUSPENSION_LABELS[effect.suspension]}状态，不能${rule.label}`,
        };
      }
      const suspensions = state.suspensions.filter((x) => x.kind !== effect.suspension);
      return { status: suspensions.length > 0 ? 'suspended' : 'valid', suspensions };
    }
    case 'end':
      return { status: effect.status, suspensions: [] };
    case 'new_version':
      return newVersionState(state, rule.label, effect, event.validTo, term);
  }
}

/** 补发 and 延续 (issue 12 Build 1): the state of the new version, or the rule the request breaks. */
function newVersionState(
  state: LifecycleState,
  label: string,
  effect: Extract<EventEffect, { type: 'new_version' }>,
  validTo: string | undefined,
  term: { validTo: string | null },
): LifecycleState | TransitionRefusal {
  if (effect.requiresLost && !state.suspensions.some((x) => x.kind === 'lost')) {
    return { rule: 'not_lost', message: `证照没有处于挂失状态，不能${label}` };
  }
  if (effect.extends) {
    if (term.validTo === null) {
      return { rule: 'permanent_licence', message: `证照长期有效，没有有效期截止日期，不能${label}` };
    }
    if (validTo !== undefined && validTo <= term.validTo) {
      return {
        rule: 'not_later_than_current_end',
        message: `延续后的有效期截止日期须晚于当前的截止日期 ${term.validTo}`,
      };
    }
  }
  const suspensions = state.suspensions.filter((x) => x.kind !== effect.ends);
  return { status: suspensions.length > 0 ? 'suspended' : 'valid', suspensions };
}

export function isRefusal(x: LifecycleState | TransitionRefusal): x is TransitionRefusal {
  return 'rule' in x;
}

function statusLabelOf(status: LicenceStatus): string {
  return LICENCE_STATUS_LABELS[status];
}

// ---------------------------------------------------------------------------------------------------------------
// Status at a moment (issue 12 Build 4)

/** One recorded event as the status-at-a-moment answer needs it. */
export interface RecordedEvent {
  kind: LicenceEventKind;
  effectiveAt: string;
  stateAfter: LifecycleState;
}

export interface StatusAt {
  /** Before issuance: `not_issued`. */
  status: LicenceStatus | 'not_issued';
  suspensions: Suspension[];
  /** Since when the status holds (issuance, the last event, or the day after the validity's end). */
  since: string | null;
}

/**
 * The licence's state at `at` (an ISO time): the state after the last event in force then; a licence still in
 * force past its validity's last day (Shanghai dates) is expired then, even before the sweep recorded it.
 */
export function statusAt(
  licence: { issuedAt: string; validTo: string | null },
  events: readonly RecordedEvent[],
  at: string,
): StatusAt {
  const t = Date.parse(at);
  if (t < Date.parse(licence.issuedAt)) return { status: 'not_issued', suspensions: [], since: null };
  let state: LifecycleState = { status: 'valid', suspensions: [] };
  let since = licence.issuedAt;
  for (const e of events) {
    if (Date.parse(e.effectiveAt) > t) break;
    // An event that leaves the state as it was (年检) does not move `since`.
    if (canonicalJson(e.stateAfter) !== canonicalJson(state)) since = e.effectiveAt;
    state = e.stateAfter;
  }
  const inForce = state.status === 'valid' || state.status === 'suspended';
  if (inForce && licence.validTo && shanghaiDateOf(new Date(t)) > licence.validTo) {
    const since = startOfShanghaiDay(addCalendarDays(licence.validTo, 1)).toISOString();
    return { status: 'expired', suspensions: [], since };
  }
  return { status: state.status, suspensions: state.suspensions, since };
}

// ---------------------------------------------------------------------------------------------------------------
// The signed event document

export const LICENCE_EVENT_FORMAT = 'jincheng-elicence-event/1';

/** What the issuing unit's seal signs for an event: the licence it concerns and everything the event states. */
export interface LicenceEventDocument {
  format: typeof LICENCE_EVENT_FORMAT;
  identifier: string;
  typeCode: string;
  kind: LicenceEventKind;
  caseId: string;
  legalBasis: string;
  reason: string;
  effectiveAt: string;
  fields: Partial<Record<EventExtraField, string>>;
  issuer: { name: string; code: string };
  stateAfter: { status: LicenceStatus; suspensions: SuspensionKind[] };
  /** 补发 and 延续: the version the event made (its identifier and the SHA-256 its own signature covers). */
  newVersion?: { identifier: string; dataHash: string; validTo: string | null; status: LicenceStatus };
}

/** 补发 and 延续: the id of the new version's signature, licence row and issuance row, derived from the event's. */
export function newVersionId(eventId: string): string {
  return `${eventId}-v`;
}

/** What every lifecycle event's exchange-platform event name begins with. */
export const LIFECYCLE_EXCHANGE_PREFIX = 'licence.lifecycle.';

/** The exchange-platform event name of a lifecycle event (LM-8). */
export function lifecycleExchangeEvent(kind: LicenceEventKind): string {
  return `${LIFECYCLE_EXCHANGE_PREFIX}${kind}`;
}

/** The exact string whose SHA-256 the event's signature carries. */
export function canonicalEventDocument(doc: LicenceEventDocument): string {
  return canonicalJson(doc as unknown as Record<string, unknown>);
}

// ---------------------------------------------------------------------------------------------------------------
// The request (POST /api/licenses/:identifier/events)

/** The fields the kind requires but the body lacks, and fields it does not take; each with its message. */
export function eventFieldProblems(
  body: LicenceEventBody,
): Array<{ field: string; rule: string; message: string }> {
  const rule = LICENCE_EVENT_RULES[body.kind];
  const problems: Array<{ field: string; rule: string; message: string }> = [];
  if (rule.platformOnly) {
    problems.push({
      field: 'kind',
      rule: 'platform_only',
      message: `${rule.label}由平台按有效期自动记录，不能申请`,
    });
  }
  for (const f of EVENT_EXTRA_FIELDS) {
    const present = body[f] !== undefined;
    if (rule.requires.includes(f) && !present)
      problems.push({ field: f, rule: 'required', message: `${rule.label}须填写${EVENT_FIELD_LABELS[f]}` });
    if (!rule.requires.includes(f) && present)
      problems.push({
        field: f,
        rule: 'not_applicable',
        message: `${rule.label}不填写${EVENT_FIELD_LABELS[f]}`,
      });
  }
  return problems;
}
