/**
 * A seal's status over its life (issue 12 Build 5): loss (SM-16) suspends a seal at once, without approval; the
 * loss is then handled through the approval engine (cancelled or restored); cancellation (SM-15) is approved by
 * the seal management department and takes effect from a stated time. Every change is recorded with the time it
 * took effect, so that a verification can tell a signature made before a cancellation from one made after it.
 *
 * Pure: the rules and the request bodies; usecases/seal-status.ts applies them in the database.
 */
import { z } from 'zod';
import { INITIATOR_OPTIONS } from './flow-definition-schema';
import type { SealStatus } from './seal';

/** What changed a seal's status. `made` is the seal's first entry (status active). */
export const SEAL_STATUS_EVENTS = ['made', 'loss_reported', 'restored', 'cancelled', 'renewed'] as const;
export type SealStatusEvent = (typeof SEAL_STATUS_EVENTS)[number];

export const SEAL_STATUS_EVENT_LABELS: Record<SealStatusEvent, string> = {
  made: '制作启用',
  loss_reported: '挂失',
  restored: '解除挂失',
  cancelled: '注销',
  renewed: '续期',
};

/** The status each event leaves the seal in. */
export const STATUS_AFTER: Record<SealStatusEvent, SealStatus> = {
  made: 'active',
  loss_reported: 'lost',
  restored: 'active',
  cancelled: 'cancelled',
  renewed: 'active',
};

/** The statuses an event may start from; anything else is a 409 naming the rule. */
const ALLOWED_FROM: Record<SealStatusEvent, readonly SealStatus[]> = {
  made: [],
  loss_reported: ['active'],
  restored: ['lost'],
  cancelled: ['active', 'lost'],
  renewed: ['active'],
};

/** Why the event may not happen to a seal in `current`, or undefined when it may. */
export function transitionProblem(current: SealStatus, event: SealStatusEvent): string | undefined {
  if (ALLOWED_FROM[event].includes(current)) return undefined;
  // SM-15
  if (current === 'cancelled') return '印章已注销，不能再办理挂失、解除挂失或注销';
  // SM-16
  if (event === 'loss_reported') return '印章已挂失，不能重复挂失';
  // SM-16
  if (event === 'restored') return '只有已挂失的印章才能解除挂失';
  // SM-8
  if (event === 'renewed') return '已挂失的印章不能续期，请先办理挂失处理';
  return `印章当前状态不能办理${SEAL_STATUS_EVENT_LABELS[event]}`;
}

/** A change request decided by the approval engine: cancel (SM-15) or, after a loss, cancel or restore (SM-16). */
export const SEAL_STATUS_REQUEST_ACTIONS = ['cancel', 'restore', 'renew'] as const;
export type SealStatusRequestAction = (typeof SEAL_STATUS_REQUEST_ACTIONS)[number];

export const REQUEST_ACTION_EVENT: Record<SealStatusRequestAction, 'cancelled' | 'restored' | 'renewed'> = {
  cancel: 'cancelled',
  restore: 'restored',
  renew: 'renewed',
};

export type SealRequestProcessKind = 'seal_cancellation' | 'seal_loss_handling' | 'seal_renewal';

/** The process kind a request runs under: a renewal, the handling of a loss, or cancelling a seal in use. */
export function requestProcessKind(
  current: SealStatus,
  action: SealStatusRequestAction,
): SealRequestProcessKind {
  if (action === 'renew') return 'seal_renewal';
  return current === 'lost' ? 'seal_loss_handling' : 'seal_cancellation';
}

/** SM-8: a seal is renewed within the 30 days before its certificate (and so the seal) expires. */
export const RENEWAL_WINDOW_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

/** Why the seal may not be renewed at `now`, or undefined. */
export function renewalWindowProblem(validTo: Date, now: Date): string | undefined {
  const opens = new Date(validTo.getTime() - RENEWAL_WINDOW_DAYS * DAY_MS);
  if (now < opens)
    // SM-8
    return `印章有效期至 ${validTo.toISOString().slice(0, 10)}，到期前 ${RENEWAL_WINDOW_DAYS} 日内方可续期`;
  return undefined;
}

/** The renewed certificate's (and seal version's) validity: as long as the one it replaces, from now. */
export function renewedValidity(old: { notBefore: Date; notAfter: Date }, now: Date) {
  return {
    notBefore: now,
    notAfter: new Date(now.getTime() + (old.notAfter.getTime() - old.notBefore.getTime())),
  };
}

export type SealStatusRequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';
export const SEAL_STATUS_REQUEST_STATUS_LABELS: Record<SealStatusRequestStatus, string> = {
  pending: '审批中',
  approved: '已批准',
  rejected: '已驳回',
  withdrawn: '已撤回',
};

export function sealStatusRequestWorkflowId(requestId: string): string {
  return `seal-status-request-${requestId}`;
}

const IsoTime = z.iso.datetime({ offset: true, message: '应为 ISO 8601 时间，如 2026-12-01T09:00:00+08:00' });

/** SM-16: the unit reports a loss at once; the reason (where, when, how it was found missing) is required. */
export const SealLossReportBody = z.object({ reason: z.string().trim().min(2).max(500) }).strict();
export type SealLossReportBody = z.infer<typeof SealLossReportBody>;

/**
 * SM-15/SM-16: a written application with its proof. A cancellation names the time it takes effect (absent: when
 * approved) and needs at least one proof attachment (e.g. the merger decision); a restoration takes effect when
 * approved.
 */
export const SealStatusRequestBody = z
  .object({
    sealId: z.string().trim().min(1).max(100),
    action: z.enum(SEAL_STATUS_REQUEST_ACTIONS, {
      message: '应为 cancel（注销）、restore（解除挂失）或 renew（续期）',
    }),
    reason: z.string().trim().min(2).max(500),
    effectiveFrom: IsoTime.optional(),
    attachments: z.array(z.string().trim().min(1).max(100)).max(10).default([]),
    ...INITIATOR_OPTIONS,
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.action === 'cancel' && b.attachments.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['attachments'],
        // SM-15
        message: '注销申请须附证明材料（如合并、更名的决定或批准文件）',
      });
    }
    if (b.action === 'restore' && b.effectiveFrom !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['effectiveFrom'],
        message: '解除挂失自批准时生效，不能指定时间',
      });
    }
  });
export type SealStatusRequestBody = z.infer<typeof SealStatusRequestBody>;

/** One entry of a seal's status history. */
export interface SealStatusEntry {
  status: SealStatus;
  event: SealStatusEvent;
  effectiveAt: Date;
  recordedAt: Date;
}

/**
 * Since when a seal that is not active has been out of use: the earliest effective time among the changes to a
 * non-active status recorded after the last return to active. A cancellation may take effect before the loss it
 * follows (a merger dated earlier), so the minimum is taken, not the latest. Null for an active seal.
 */
export function inactiveSince(history: SealStatusEntry[]): Date | null {
  const ordered = [...history].sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime());
  const last = ordered.at(-1);
  if (!last || last.status === 'active') return null;
  let since: Date | null = null;
  for (let i = ordered.length - 1; i >= 0 && ordered[i]!.status !== 'active'; i--) {
    const at = ordered[i]!.effectiveAt;
    if (!since || at < since) since = at;
  }
  return since;
}

/** A status change the rules forbid (the API's 409, naming the rule). */
export class SealStatusConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealStatusConflict';
  }
}

/**
 * Issue 18 Build 3 (SM-11): the seal's status at `at` — that of the change with the latest effective time at or
 * before `at` (ties: the later recorded); null when the seal was not made yet.
 */
export function sealStatusAt(history: SealStatusEntry[], at: Date): SealStatus | null {
  let found: SealStatusEntry | null = null;
  for (const entry of history) {
    if (entry.effectiveAt > at) continue;
    if (
      !found ||
      entry.effectiveAt > found.effectiveAt ||
      (entry.effectiveAt.getTime() === found.effectiveAt.getTime() && entry.recordedAt >= found.recordedAt)
    )
      found = entry;
  }
  return found?.status ?? null;
}
