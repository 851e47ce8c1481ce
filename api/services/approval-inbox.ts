/**
 * The inboxes over the approval engine's projection: 待办 (pending), 已办 (done), 抄送 (CC'd), 我发起的 (started),
 * with filters; and a management unit's view of every pending task in its jurisdiction, least time left first,
 * with the recorded deadline breaches (LM-28). Plain SQL over `task` and `approval_process`: one query per list.
 */
import { z } from 'zod';
import { ApprovalProcess, DeadlineBreach } from '../../db/approval-entities';
import { Organisation } from '../../db/entities';
import { ProcessStatus, TaskStatus } from '../../domain/approval';
import {
  PROCESS_STATUS_LABELS,
  SUSPENDED_TASK_LABEL,
  TASK_ORIGIN_LABELS,
  TASK_STATUS_LABELS,
} from '../../presentation/approval-labels';
import { endOfShanghaiDay, isOverdue, startOfShanghaiDay, timeLeftMs } from '../../domain/calendar';
import { PROCESS_KIND_LABELS, ProcessKind } from '../../domain/flow-definition';
import type { InboxKind } from '../../domain/inbox';
import type { AppContext } from '../context';
import { forbidden } from '../errors';
import type { Principal } from '../principal';
import { InboxBox, InboxQuery, SupervisionQuery } from './approval-requests';
import { isManagementOverseer } from '../access';
import { mergedPage, pageWindow, PageWindow } from '../../domain/inbox-paging';
import { INBOX_TASK_SOURCES, InboxSourceTask, InboxTaskSource, matchesInboxQuery } from './inbox-sources';

export interface InboxItem {
  taskId: string | null;
  processKey: string;
  /** 办件编号 (domain/case-number.ts); null only for a process not yet projected with one. */
  caseNumber: string | null;
  /** The business record the process decides on (e.g. the seal application id). */
  processId: string;
  kind: InboxKind;
  kindLabel: string;
  title: string;
  stepName: string | null;
  status: string;
  statusLabel: string;
  organisationId: string;
  organisationName: string;
  initiatorName: string;
  assigneeLabel: string | null;
  origin: string | null;
  dueAt: string | null;
  dueProvisional: boolean;
  /** The step's clock is suspended (补正 etc., issue 10): shown 已中止, neither overdue nor counting down. */
  suspended: boolean;
  overdue: boolean;
  /** Milliseconds until the due time (negative when overdue); null without a deadline. */
  timeLeftMs: number | null;
  openedAt: string | null;
  actedAt: string | null;
  url: string;
}

/** One page of a list and how many rows the whole list has. */
export interface InboxPage {
  items: InboxItem[];
  total: number;
}

export interface BreachRow {
  breach: DeadlineBreach;
  title: string;
  status: ProcessStatus | null;
  organisationName: string;
  assigneeNames: string[];
}

export class ApprovalInbox {
  /** The other task sources of the 待办 inbox (a dispute's decisions, …), listed beside the engine's tasks. */
  private readonly sources: InboxTaskSource[];

  constructor(private readonly ctx: AppContext) {
    this.sources = INBOX_TASK_SOURCES.map((source) => source(ctx));
  }

  async list(principal: Principal, query: InboxQuery): Promise<InboxPage> {
    const box: InboxBox = query.box ?? query.status ?? 'pending';
    const shared = sharedFilters(query, 'p.organisation_id = ?');
    // "Overdue" here is isOverdue (domain/calendar.ts) in SQL, judged at the same instant as the rows below.
    const now = new Date();
    const f: string[] = [];
    const p: unknown[] = [];
    const due = box === 'pending' || box === 'done' ? 't.due_at' : 'p.step_due_at';
    if (query.overdue !== undefined) {
      const running = due === 'p.step_due_at' ? `p.status = 'running' and ` : '';
      f.push(query.overdue ? `${running}${due} < ?` : `(${due} is null or ${due} >= ?)`);
      p.push(now);
    }
    if (query.dueBefore) {
      f.push(`${due} < ?`);
      p.push(new Date(query.dueBefore));
    }
    const window = pageWindow(query, 500);
    // The other sources' open tasks are read while the engine's rows are (issue 19: the inbox is on the path of an
    // approval step's next task becoming visible).
    const others =
      box === 'pending' ? Promise.all(this.sources.map((s) => s.pending(principal, now))) : undefined;
    others?.catch(() => undefined); // awaited below; a failure of the engine's query first must not leave it unhandled
    // 待办 reads the engine's rows from the top down to the page's end: the other sources merge into them.
    const paging = box === 'pending' ? prefixClause(window) : pageClause(window);
    let rows: Row[];
    if (box === 'pending' || box === 'done') {
      const own =
        box === 'pending'
          ? `t.status = 'pending' and (t.assignee_user_id = ? or (t.assignee_user_id is null and t.assignee_organisation_id = ? and t.assignee_role = any(string_to_array(?, ','))))`
          : `t.acted_by_id = ? and t.status not in ('pending','waiting','delegated')`;
      const ownParams =
        box === 'pending'
          ? [principal.userId, principal.organisationId, principal.roles.join(',')]
          : [principal.userId];
      rows = await this.ctx
        .em()
        .getConnection()
        .execute(
          `${TASK_SELECT} where ${[own, ...f, ...shared.sql].join(' and ')}
         order by ${box === 'pending' ? PENDING_ORDER : 't.acted_at desc'} ${paging.sql}`,
          [...ownParams, ...p, ...shared.params, ...paging.params],
        );
    } else {
      const own =
        box === 'cc'
          ? 'exists (select 1 from approval_cc c where c.process_key = p.id and c.user_id = ?)'
          : 'p.initiator_id = ?';
      rows = await this.ctx
        .em()
        .getConnection()
        .execute(
          `${PROCESS_SELECT} where ${[own, ...f, ...shared.sql].join(' and ')} order by p.started_at desc ${paging.sql}`,
          [principal.userId, ...p, ...shared.params, ...paging.params],
        );
    }
    if (!others) return inboxPage(rows, now);
    return pendingPage(rows, (await others).flat(), query, window, now);
  }

  /**
   * A management unit's view: every pending task of processes in its jurisdiction, least time left first (LM-28).
   */
  async supervision(principal: Principal, query: z.infer<typeof SupervisionQuery>): Promise<InboxPage> {
    this.assertSupervisor(principal);
    const within = await this.ctx.jurisdictions.within(principal.jurisdictionId);
    const shared = sharedFilters(query, '(p.organisation_id = ? or t.assignee_organisation_id = ?)');
    const filters = [
      `t.status = 'pending'`,
      "p.jurisdiction_id = any(string_to_array(?, ','))",
      ...shared.sql,
    ];
    const params: unknown[] = [within.join(','), ...shared.params];
    const now = new Date();
    if (query.overdue !== undefined) {
      filters.push(query.overdue ? 't.due_at < ?' : '(t.due_at is null or t.due_at >= ?)');
      params.push(now);
    }
    const window = pageWindow(query, 1000);
    const paging = prefixClause(window);
    const rows: Row[] = await this.ctx
      .em()
      .getConnection()
      .execute(`${TASK_SELECT} where ${filters.join(' and ')} order by ${PENDING_ORDER} ${paging.sql}`, [
        ...params,
        ...paging.params,
      ]);
    const others = (await Promise.all(this.sources.map((s) => s.pendingWithin(within, now)))).flat();
    return pendingPage(rows, others, query, window, now);
  }

  async deadlineBreaches(principal: Principal): Promise<DeadlineBreach[]> {
    this.assertSupervisor(principal);
    const within = await this.ctx.jurisdictions.within(principal.jurisdictionId);
    return this.ctx
      .em()
      .find(
        DeadlineBreach,
        { jurisdictionId: { $in: within } },
        { orderBy: { breachedAt: 'desc' }, limit: 500 },
      );
  }

  /**
   * The most recent breaches for the 督办 page, each with its process's title and status and the names of the units
   * concerned.
   */
  async recentBreaches(principal: Principal, limit = 50): Promise<BreachRow[]> {
    const recent = (await this.deadlineBreaches(principal)).slice(0, limit);
    const em = this.ctx.em();
    const [processes, organisations] = await Promise.all([
      em.find(ApprovalProcess, { id: { $in: recent.map((b) => b.processKey) } }),
      em.find(Organisation, {
        id: { $in: [...new Set(recent.flatMap((b) => [b.organisationId, ...b.assigneeOrganisationIds]))] },
      }),
    ]);
    const orgName = new Map(organisations.map((o) => [o.id, o.name]));
    const process = new Map(processes.map((p) => [p.id, p]));
    return recent.map((b) => ({
      breach: b,
      title: process.get(b.processKey)?.title ?? b.processKey,
      status: process.get(b.processKey)?.status ?? null,
      organisationName: orgName.get(b.organisationId) ?? b.organisationId,
      assigneeNames: b.assigneeOrganisationIds.map((id) => orgName.get(id) ?? id),
    }));
  }

  private assertSupervisor(principal: Principal): void {
    if (!isManagementOverseer(principal)) {
      throw forbidden('只有管理单位的监督管理人员可以查看辖区内的待办情况');
    }
  }
}

interface Row {
  task_id: string | null;
  process_key: string;
  case_number: string | null;
  total_count: string | number;
  process_id: string;
  kind: ProcessKind;
  title: string;
  step_name: string | null;
  status: string;
  organisation_id: string;
  organisation_name: string;
  initiator_name: string;
  assignee_name: string | null;
  assignee_org_name: string | null;
  origin: string | null;
  due_at: Date | null;
  due_provisional: boolean | null;
  suspension_kind: string | null;
  opened_at: Date | null;
  acted_at: Date | null;
  task_created_at: Date | null;
}

const TASK_SELECT = `
  select t.id as task_id, p.id as process_key, p.case_number, count(*) over () as total_count, p.process_id, p.kind, p.title, t.step_name, t.status, p.organisation_id,
         o.name as organisation_name, u.display_name as initiator_name, t.assignee_name,
         ao.name as assignee_org_name, t.origin, t.due_at, t.due_provisional, p.suspension_kind, t.opened_at,
         t.acted_at, t.created_at as task_created_at
    from task t
    join approval_process p on p.id = t.workflow_id
    join organisation o on o.id = p.organisation_id
    join app_user u on u.id = p.initiator_id
    left join organisation ao on ao.id = t.assignee_organisation_id`;

/** The 待办 order (least time left first, then the oldest task), `t.id` last so that every page cuts the same list. */
const PENDING_ORDER = 't.due_at asc nulls last, t.created_at asc, t.id asc';

const PROCESS_SELECT = `
  select null as task_id, p.id as process_key, p.case_number, count(*) over () as total_count, p.process_id, p.kind, p.title, p.current_step_name as step_name, p.status,
         p.organisation_id, o.name as organisation_name, u.display_name as initiator_name, null as assignee_name,
         null as assignee_org_name, null as origin, p.step_due_at as due_at, p.step_due_provisional as due_provisional,
         p.suspension_kind, p.started_at as opened_at, p.ended_at as acted_at, null as task_created_at
    from approval_process p
    join organisation o on o.id = p.organisation_id
    join app_user u on u.id = p.initiator_id`;

type SharedQuery = Pick<InboxQuery, 'kind' | 'unit' | 'q' | 'from' | 'to'>;

/**
 * The filters every list shares, over `p` (approval_process), `o` (its organisation) and `u` (its initiator): kind,
 * unit (`unitClause`, each `?` the unit), a keyword in the 办件编号, title, initiator or unit, and the start date.
 */
function sharedFilters(query: SharedQuery, unitClause: string): { sql: string[]; params: unknown[] } {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (query.kind) {
    sql.push('p.kind = ?');
    params.push(query.kind);
  }
  if (query.unit) {
    sql.push(unitClause);
    params.push(
      ...unitClause
        .split('?')
        .slice(1)
        .map(() => query.unit),
    );
  }
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, '\\$&')}%`;
    sql.push('(p.case_number ilike ? or p.title ilike ? or u.display_name ilike ? or o.name ilike ?)');
    params.push(like, like, like, like);
  }
  if (query.from) {
    sql.push('p.started_at >= ?');
    params.push(startOfShanghaiDay(query.from));
  }
  if (query.to) {
    sql.push('p.started_at < ?');
    params.push(endOfShanghaiDay(query.to));
  }
  return { sql, params };
}

/** `limit … offset …` for the page's rows alone. */
function pageClause(window: PageWindow): { sql: string; params: unknown[] } {
  return { sql: 'limit ? offset ?', params: [window.size, window.offset] };
}

/** The rows from the top of the list to the page's end (`count(*) over ()` still counts the whole list). */
function prefixClause(window: PageWindow): { sql: string; params: unknown[] } {
  return { sql: 'limit ?', params: [window.offset + window.size] };
}

function inboxPage(rows: Row[], now: Date): InboxPage {
  return { items: rows.map((r) => inboxItem(r, now)), total: rows.length ? Number(rows[0]!.total_count) : 0 };
}

/**
 * One page of 待办 (`list`, box pending) or 督办 (`supervision`): the engine's tasks and the other sources' (a
 * dispute's decisions, a leaving holder's authorisation) as ONE list in one order, least time left first, cut into
 * pages of the merged list (domain/inbox-paging.ts). `rows` are the engine's first `offset + size` rows in
 * PENDING_ORDER with the whole count; `others` are every open task of the other sources, filtered here with the same
 * rules as the SQL (matchesInboxQuery, including the from/to dates on the record's creation time).
 * Not a SQL union: who holds a source's task (a unit's dispute staff or designated people, db/dispute-holders.ts; its
 * leaders) and its title are code over several tables, and a union would write each rule again in SQL. The open
 * tasks of the other sources are few and short-lived, so all of them are read and merged in memory; the engine's
 * rows read grow with the page number (at most the list's length: page ≤ 10 000 and size ≤ 500 by the query).
 */
function pendingPage(
  rows: Row[],
  others: InboxSourceTask[],
  query: InboxQuery | z.infer<typeof SupervisionQuery>,
  window: PageWindow,
  now: Date,
): InboxPage {
  const engine = rows.map((r) => ({
    item: inboxItem(r, now),
    dueMs: r.due_at ? new Date(r.due_at).getTime() : null,
    createdMs: r.task_created_at ? new Date(r.task_created_at).getTime() : 0,
    id: r.task_id ?? r.process_key,
  }));
  const matching = others
    .filter((o) => matchesInboxQuery(o, query))
    .map(({ item, startedAt }) => ({
      item,
      dueMs: item.dueAt ? Date.parse(item.dueAt) : null,
      createdMs: item.openedAt ? Date.parse(item.openedAt) : startedAt.getTime(),
      id: item.processKey,
    }));
  const total = rows.length ? Number(rows[0]!.total_count) : 0;
  const page = mergedPage({ items: engine, total }, matching, window);
  return { items: page.items.map((e) => e.item), total: page.total };
}

function inboxItem(r: Row, now: Date): InboxItem {
  const due = r.due_at ? new Date(r.due_at) : null;
  const open = r.task_id ? r.status === 'pending' || r.status === 'waiting' : r.status === 'running';
  const suspended = open && !!r.suspension_kind;
  const statusLabel = suspended
    ? SUSPENDED_TASK_LABEL
    : r.task_id
      ? (TASK_STATUS_LABELS[r.status as TaskStatus] ?? r.status)
      : (PROCESS_STATUS_LABELS[r.status as ProcessStatus] ?? r.status);
  return {
    taskId: r.task_id,
    processKey: r.process_key,
    caseNumber: r.case_number,
    processId: r.process_id,
    kind: r.kind,
    kindLabel: PROCESS_KIND_LABELS[r.kind],
    title: r.title,
    stepName: r.step_name,
    status: r.status,
    statusLabel,
    organisationId: r.organisation_id,
    organisationName: r.organisation_name,
    initiatorName: r.initiator_name,
    assigneeLabel: r.assignee_name ?? r.assignee_org_name,
    origin: r.origin ? TASK_ORIGIN_LABELS[r.origin as keyof typeof TASK_ORIGIN_LABELS] : null,
    dueAt: due?.toISOString() ?? null,
    dueProvisional: !!r.due_provisional,
    suspended,
    overdue: open && !suspended && isOverdue(due, now),
    timeLeftMs: open && !suspended ? timeLeftMs(due, now) : null,
    openedAt: r.opened_at ? new Date(r.opened_at).toISOString() : null,
    actedAt: r.acted_at ? new Date(r.acted_at).toISOString() : null,
    url: `/approvals/${r.process_key}`,
  };
}
