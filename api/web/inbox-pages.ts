/**
 * The approval engine's inboxes (zh-CN): 待办/已办/抄送我的/我发起的 (`/tasks`) and the management unit's 督办 view
 * (`/supervision`), both filterable by 流程类型 and 单位. The lists come from ApprovalService's inbox, which decides
 * who sees what exactly as for the JSON API.
 */
import { Router } from 'express';
import { endOfShanghaiDay, isIsoDate } from '../../domain/calendar';
import { BREACH_ACTION_LABELS, PROCESS_KIND_LABELS } from '../../domain/flow-definition';
import { INBOX_KIND_LABELS, INBOX_KINDS, InboxKind } from '../../domain/inbox';
import { shanghaiDateTime } from '../../domain/format';
import type { AppContext } from '../context';
import type { InboxItem } from '../services/approval-inbox';
import { INBOX_BOXES, InboxBox, InboxQuery } from '../services/approval-requests';
import type { ApprovalService } from '../services/approvals';
import { deadlineText as dueText, timeLeftText } from '../../presentation/deadline-text';
import { DesignatedStaffService } from '../services/designated-staff';
import { ForceMajeureService } from '../services/force-majeure';
import { incidentRow, licenceTypeNames } from './force-majeure-pages';
import { pageWithPendingCount } from './pending-count';
import { signedIn } from './render';

/** LM-24: the designated positions as 督办 names what a unit lacks. */
const DESIGNATED_POSITION_LABELS: Record<'responsible' | 'deputy', string> = {
  responsible: '责任人',
  deputy: '副责任人',
};

const BOX_LABELS: Record<InboxBox, string> = {
  pending: '待办',
  done: '已办',
  cc: '抄送我的',
  started: '我发起的',
};

function inboxRow(item: InboxItem) {
  return {
    ...item,
    dueText: dueText(item.dueAt),
    timeLeft: timeLeftText(item.timeLeftMs),
    openedText: item.openedAt ? shanghaiDateTime(item.openedAt) : '',
    actedText: item.actedAt ? shanghaiDateTime(item.actedAt) : '',
    originNote: item.origin && item.origin !== '审批' ? item.origin : null,
  };
}

function kindParam(value: unknown): InboxKind | '' {
  return (INBOX_KINDS as readonly unknown[]).includes(value) ? (value as InboxKind) : '';
}

/** The 流程类型 and 单位 choices of a filter form; the units are those in the unfiltered list. */
function filterChoices(all: InboxItem[], filters: { kind: string; unit: string }) {
  const units = new Map<string, string>();
  for (const i of all) units.set(i.organisationId, i.organisationName);
  return {
    kinds: INBOX_KINDS.map((k) => ({
      value: k,
      label: INBOX_KIND_LABELS[k],
      selected: k === filters.kind,
    })),
    units: [...units].map(([id, name]) => ({ id, name, selected: id === filters.unit })),
  };
}

export function inboxPageRoutes(ctx: AppContext, approvals: ApprovalService): Router {
  const router = Router();
  const page = pageWithPendingCount(approvals);
  const incidents = new ForceMajeureService(ctx);
  const designated = new DesignatedStaffService(ctx);

  // -------------------------------------------------------------------------------------------------------------
  // 待办 / 已办 / 抄送 / 我发起的

  router.get(
    '/tasks',
    signedIn(async (req, res, principal) => {
      const q = req.query as Record<string, string | undefined>;
      const box: InboxBox = (INBOX_BOXES as readonly string[]).includes(q.box ?? '')
        ? (q.box as InboxBox)
        : q.tab === 'done'
          ? 'done'
          : 'pending';
      const filters = {
        kind: kindParam(q.kind),
        unit: q.unit?.trim() ?? '',
        overdue: q.overdue === 'true',
        dueBefore: q.dueBefore?.trim() ?? '',
      };
      const errors: string[] = [];
      if (filters.dueBefore && !isIsoDate(filters.dueBefore)) {
        errors.push(`到期日期“${filters.dueBefore}”不是有效日期，已忽略`);
        filters.dueBefore = '';
      }
      const query: InboxQuery = {
        box,
        ...(filters.kind ? { kind: filters.kind } : {}),
        ...(filters.unit ? { unit: filters.unit } : {}),
        ...(filters.overdue ? { overdue: true } : {}),
        ...(filters.dueBefore ? { dueBefore: endOfShanghaiDay(filters.dueBefore).toISOString() } : {}),
      };
      const filtered = !!(filters.kind || filters.unit || filters.overdue || filters.dueBefore);
      const [all, items] = await Promise.all([
        approvals.inbox.list(principal, { box }),
        filtered ? approvals.inbox.list(principal, query) : Promise.resolve(null),
      ]);
      res.send(
        await page('tasks', {
          title: BOX_LABELS[box],
          principal,
          nav: 'tasks',
          box,
          boxLabel: BOX_LABELS[box],
          tabs: INBOX_BOXES.map((b) => ({ box: b, label: BOX_LABELS[b], active: b === box })),
          items: (items ?? all).map(inboxRow),
          total: all.length,
          filtered,
          filters,
          errors,
          ...filterChoices(all, filters),
          isTaskBox: box === 'pending' || box === 'done',
          isPending: box === 'pending',
        }),
      );
    }),
  );

  // -------------------------------------------------------------------------------------------------------------
  // 督办

  router.get(
    '/supervision',
    signedIn(async (req, res, principal) => {
      const q = req.query as Record<string, string | undefined>;
      const filters = {
        kind: kindParam(q.kind),
        unit: q.unit?.trim() ?? '',
        overdue: q.overdue === 'true',
      };
      const filtered = !!(filters.kind || filters.unit || filters.overdue);
      const [all, items, breaches] = await Promise.all([
        approvals.inbox.supervision(principal, {}),
        filtered
          ? approvals.inbox.supervision(principal, {
              ...(filters.kind ? { kind: filters.kind } : {}),
              ...(filters.unit ? { unit: filters.unit } : {}),
              ...(filters.overdue ? { overdue: true } : {}),
            })
          : Promise.resolve(null),
        approvals.inbox.recentBreaches(principal),
      ]);
      // Force-majeure incidents of the jurisdiction not yet closed (LM-11), open ones first, then least time left.
      const [{ items: reported }, typeNames, { items: unnamed }] = await Promise.all([
        incidents.list(principal),
        licenceTypeNames(ctx),
        designated.missing(principal),
      ]);
      const rows = (items ?? all).map(inboxRow);
      res.send(
        await page('supervision', {
          title: '督办',
          principal,
          nav: 'supervision',
          items: rows,
          total: all.length,
          overdueCount: all.filter((i) => i.overdue).length,
          filtered,
          filters,
          ...filterChoices(all, filters),
          incidents: reported
            .filter((i) => i.status !== 'closed' || i.breach)
            .filter((i) => !filters.unit || i.organisationId === filters.unit)
            .map((i) => incidentRow(i, typeNames)),
          unnamed: unnamed.map((u) => ({
            ...u,
            missingText: u.missing.map((p) => DESIGNATED_POSITION_LABELS[p]).join('、'),
          })),
          breaches: breaches.map(({ breach: b, title, status, organisationName, assigneeNames }) => ({
            processKey: b.processKey,
            title,
            status: status ?? undefined,
            kindLabel: PROCESS_KIND_LABELS[b.kind] ?? b.kind,
            organisationName,
            assignees: assigneeNames.join('、'),
            stepName: b.stepName,
            dueText: dueText(b.dueAt.toISOString()),
            breachedText: shanghaiDateTime(b.breachedAt),
            actionLabel: BREACH_ACTION_LABELS[b.action] ?? b.action,
          })),
        }),
      );
    }),
  );

  return router;
}
