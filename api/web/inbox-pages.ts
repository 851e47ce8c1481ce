/**
 * The approval engine's inboxes (zh-CN): 待办/已办/抄送我的/我发起的 (`/tasks`) and the management unit's 督办 view
 * (`/supervision`), both filterable by 流程类型 and 单位. The lists come from ApprovalService's inbox, which decides
 * who sees what exactly as for the JSON API.
 */
import { Router } from 'express';
import { BREACH_ACTION_LABELS, PROCESS_KIND_LABELS } from '../../domain/flow-definition';
import { INBOX_KIND_LABELS, INBOX_KINDS } from '../../domain/inbox';
import { shanghaiDateTime } from '../../domain/format';
import type { AppContext } from '../context';
import type { InboxItem } from '../services/approval-inbox';
import { INBOX_BOXES, InboxBox } from '../services/approval-requests';
import type { ApprovalService } from '../services/approvals';
import { deadlineText as dueText, timeLeftText } from '../../presentation/deadline-text';
import { DesignatedStaffService } from '../services/designated-staff';
import { ForceMajeureService } from '../services/force-majeure';
import { incidentRow } from './force-majeure-pages';
import {
  LIST_PAGE_SIZE,
  ListSearch,
  ListSearchForm,
  listSearchOf,
  pagerOf,
  searchParamsOf,
} from './list-search';
import { pageWithPendingCount } from './pending-count';
import { sendXlsx, XlsxColumn } from './xlsx';
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

/** The 流程类型 and 单位 choices of a filter form; the units are those in the unfiltered list. */
function filterChoices(all: InboxItem[], form: ListSearchForm) {
  const units = new Map<string, string>();
  for (const i of all) units.set(i.organisationId, i.organisationName);
  return {
    kinds: INBOX_KINDS.map((k) => ({
      value: k,
      label: INBOX_KIND_LABELS[k],
      selected: k === form.kind,
    })),
    units: [...units].map(([id, name]) => ({ id, name, selected: id === form.unit })),
  };
}

function boxOf(q: Record<string, unknown>): InboxBox {
  return (INBOX_BOXES as readonly unknown[]).includes(q.box)
    ? (q.box as InboxBox)
    : q.tab === 'done'
      ? 'done'
      : 'pending';
}

/** The columns of an inbox list, on the page and in its Excel export alike. */
const INBOX_COLUMNS: XlsxColumn<ReturnType<typeof inboxRow>>[] = [
  { header: '办件编号', value: (r) => r.caseNumber },
  { header: '事项', width: 36, value: (r) => r.title },
  { header: '类型', value: (r) => r.kindLabel },
  { header: '环节', value: (r) => r.stepName },
  { header: '当前办理人', value: (r) => r.assigneeLabel },
  { header: '发起人', value: (r) => r.initiatorName },
  { header: '申请单位', width: 28, value: (r) => r.organisationName },
  { header: '状态', value: (r) => r.statusLabel },
  { header: '到期时间', value: (r) => r.dueText },
  { header: '剩余时间', value: (r) => r.timeLeft },
  { header: '办理时间', value: (r) => r.actedText },
];

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
      const q = req.query as Record<string, unknown>;
      const box = boxOf(q);
      const search = listSearchOf(q);
      const [all, result] = await Promise.all([
        approvals.inbox.list(principal, { box }),
        approvals.inbox.list(principal, {
          box,
          ...search.query,
          page: search.page,
          pageSize: LIST_PAGE_SIZE,
        }),
      ]);
      const params = searchParamsOf(search.form, { box });
      res.send(
        await page('tasks', {
          title: BOX_LABELS[box],
          principal,
          nav: 'tasks',
          box,
          boxLabel: BOX_LABELS[box],
          tabs: INBOX_BOXES.map((b) => ({ box: b, label: BOX_LABELS[b], active: b === box })),
          items: result.items.map(inboxRow),
          total: all.total,
          found: result.total,
          pager: pagerOf('/tasks', params, search.page, result.total),
          exportUrl: `/tasks/export.xlsx?${params}`,
          filtered: search.filtered,
          filters: search.form,
          errors: search.errors,
          ...filterChoices(all.items, search.form),
          isTaskBox: box === 'pending' || box === 'done',
          isPending: box === 'pending',
        }),
      );
    }),
  );

  /** The approval records of a box (已办 above all) as Excel, with the page's filters. */
  router.get(
    '/tasks/export.xlsx',
    signedIn(async (req, res, principal) => {
      const q = req.query as Record<string, unknown>;
      const box = boxOf(q);
      const result = await approvals.inbox.list(principal, { box, ...listSearchOf(q).query });
      await sendXlsx(
        res,
        `审批记录-${BOX_LABELS[box]}`,
        BOX_LABELS[box],
        INBOX_COLUMNS,
        result.items.map(inboxRow),
      );
    }),
  );

  // -------------------------------------------------------------------------------------------------------------
  // 督办

  router.get(
    '/supervision',
    signedIn(async (req, res, principal) => {
      const search = listSearchOf(req.query as Record<string, unknown>);
      const [all, result, breaches] = await Promise.all([
        approvals.inbox.supervision(principal, {}),
        approvals.inbox.supervision(principal, {
          ...supervisionQuery(search.query),
          page: search.page,
          pageSize: LIST_PAGE_SIZE,
        }),
        approvals.inbox.recentBreaches(principal),
      ]);
      // Force-majeure incidents of the jurisdiction not yet closed (LM-11), open ones first, then least time left.
      const [{ items: reported }, typeNames, { items: unnamed }] = await Promise.all([
        incidents.list(principal),
        incidents.typeNames(),
        designated.missing(principal),
      ]);
      const params = searchParamsOf(search.form);
      res.send(
        await page('supervision', {
          title: '督办',
          principal,
          nav: 'supervision',
          items: result.items.map(inboxRow),
          total: all.total,
          found: result.total,
          pager: pagerOf('/supervision', params, search.page, result.total),
          exportUrl: `/supervision/export.xlsx?${params}`,
          overdueCount: all.items.filter((i) => i.overdue).length,
          filtered: search.filtered,
          filters: search.form,
          errors: search.errors,
          ...filterChoices(all.items, search.form),
          incidents: reported
            .filter((i) => i.status !== 'closed' || i.breach)
            .filter((i) => !search.form.unit || i.organisationId === search.form.unit)
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

  /** 督办 as Excel: every pending task the page lists under the same filters, in the page's order. */
  router.get(
    '/supervision/export.xlsx',
    signedIn(async (req, res, principal) => {
      const search = listSearchOf(req.query as Record<string, unknown>);
      const result = await approvals.inbox.supervision(principal, supervisionQuery(search.query));
      await sendXlsx(res, '督办待办清单', '督办', INBOX_COLUMNS, result.items.map(inboxRow));
    }),
  );

  return router;
}

/** 督办 has no due-date filter. */
function supervisionQuery({ dueBefore: _ignored, ...rest }: ListSearch['query']) {
  return rest;
}
