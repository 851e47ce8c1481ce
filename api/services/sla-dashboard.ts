/**
 * The SLA dashboard (issue 14 Build 6): every deadline kind a management unit watches in its jurisdiction, from one
 * table (DEADLINE_KINDS) — what is open with its due time and link, and how many deadlines were breached this
 * month. Approval steps come from the approval inbox's own queries; the others read the tables their workflows
 * keep (disputes LM-23, rectification orders LM-30, announced cases LM-9, force-majeure backlogs, seal renewals).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { shanghaiDateOf, startOfShanghaiDay, timeLeftMs } from '../../domain/calendar';
import { RENEWAL_WINDOW_DAYS } from '../../domain/seal-status';
import { deadlineText, timeLeftText } from '../../presentation/deadline-text';
import type { AppContext } from '../context';
import type { Principal } from '../principal';
import type { ApprovalService } from './approvals';
import type { SupervisionFindingService } from './supervision-findings';

export interface OpenDeadline {
  organisationId: string;
  title: string;
  dueAt: Date;
  url: string | null;
}

interface KindContext {
  em: EntityManager;
  ids: string[];
  now: Date;
  monthStart: Date;
  principal: Principal;
  approvals: ApprovalService;
}

interface DeadlineKind {
  kind: string;
  label: string;
  open(c: KindContext): Promise<OpenDeadline[]>;
  breachesThisMonth(c: KindContext): Promise<number>;
}

type Row = Record<string, unknown>;

/** Rows of `sql` (its params after the units) as open deadlines. */
async function rows(
  c: KindContext,
  sql: string,
  params: unknown[],
  url: (r: Row) => string | null,
  title: (r: Row) => string,
) {
  const found: Row[] = await c.em.execute(sql, [...params, c.ids]);
  return found.map((r) => ({
    organisationId: String(r.organisation_id),
    title: title(r),
    dueAt: new Date(r.due_at as string),
    url: url(r),
  }));
}

async function count(c: KindContext, sql: string): Promise<number> {
  const [r]: Row[] = await c.em.execute(sql, [c.monthStart, c.ids]);
  return Number(r.n);
}

export const DEADLINE_KINDS: DeadlineKind[] = [
  {
    kind: 'approval_step',
    label: '审批环节',
    open: async (c) =>
      (await c.approvals.inbox.supervision(c.principal, {})).items
        .filter((i) => i.dueAt && c.ids.includes(i.organisationId))
        .map((i) => ({
          organisationId: i.organisationId,
          title: i.title,
          dueAt: new Date(i.dueAt!),
          url: i.url,
        })),
    breachesThisMonth: async (c) =>
      (await c.approvals.inbox.deadlineBreaches(c.principal)).filter((b) => b.breachedAt >= c.monthStart)
        .length,
  },
  {
    kind: 'dispute',
    label: '异议标注与答复',
    open: (c) =>
      rows(
        c,
        `select id, licence_identifier, status, issuer_organisation_id as organisation_id,
                case when status = 'received' then marker_due_at else outcome_due_at end as due_at
           from dispute where status in ('received', 'marked') and issuer_organisation_id in (?)`,
        [],
        (r) => `/disputes/${String(r.id)}`,
        (r) => `${r.status === 'received' ? '异议标注' : '异议答复'}：${String(r.licence_identifier)}`,
      ),
    breachesThisMonth: (c) =>
      count(
        c,
        `select count(*) as n from dispute_breach where breached_at >= ? and issuer_organisation_id in (?)`,
      ),
  },
  {
    kind: 'rectification',
    label: '整改通知',
    open: (c) =>
      rows(
        c,
        `select id, organisation_id, deadline_at as due_at, requirements from rectification_order
          where status in ('open', 'submitted', 'returned') and organisation_id in (?)`,
        [],
        (r) => `/rectification-orders/${String(r.id)}`,
        (r) => `整改：${String(r.requirements).slice(0, 40)}`,
      ),
    breachesThisMonth: (c) =>
      count(
        c,
        `select count(*) as n from rectification_order where escalated_at >= ? and organisation_id in (?)`,
      ),
  },
  {
    kind: 'announced_case',
    label: '办结证照归集',
    open: (c) =>
      rows(
        c,
        // Flagged cases stay listed (overdue) until their licence arrives.
        `select id, case_id, status, organisation_id, deadline_at as due_at from announced_case
          where status in ('open', 'flagged') and organisation_id in (?)`,
        [],
        (r) => `/supervision/cases/${String(r.id)}`,
        (r) => `办件 ${String(r.case_id)}${r.status === 'flagged' ? '（逾期未归集）' : ''}`,
      ),
    breachesThisMonth: (c) =>
      count(c, `select count(*) as n from announced_case where flagged_at >= ? and organisation_id in (?)`),
  },
  {
    kind: 'force_majeure',
    label: '不可抗力积压补录',
    open: (c) =>
      rows(
        c,
        `select id, organisation_id, backlog_due_at as due_at, failure from force_majeure_incident
          where status = 'cleared' and backlog_due_at is not null and organisation_id in (?)`,
        [],
        (r) => `/force-majeure/${String(r.id)}`,
        (r) => `积压补录：${String(r.failure).slice(0, 40)}`,
      ),
    breachesThisMonth: (c) =>
      count(
        c,
        `select count(*) as n from force_majeure_breach where breached_at >= ? and organisation_id in (?)`,
      ),
  },
  {
    kind: 'seal_renewal',
    label: '印章到期续期',
    open: (c) =>
      rows(
        c,
        `select id, organisation_id, valid_to as due_at, name from seal
          where status = 'active' and valid_to < ? and organisation_id in (?)`,
        [new Date(c.now.getTime() + RENEWAL_WINDOW_DAYS * 86_400_000)],
        (r) => `/seals/${String(r.id)}`,
        (r) => `印章续期：${String(r.name)}`,
      ),
    breachesThisMonth: (c) =>
      count(
        c,
        `select count(*) as n from seal where status = 'active' and valid_to >= ? and valid_to < now()
            and organisation_id in (?)`,
      ),
  },
];

export class SlaDashboardService {
  constructor(
    private readonly ctx: AppContext,
    private readonly findings: SupervisionFindingService,
    private readonly approvals: ApprovalService,
  ) {}

  /** Every deadline kind of the caller's jurisdiction (403 unless a management unit's supervisor). */
  async dashboard(principal: Principal, now = new Date()) {
    const units = await this.findings.jurisdictionUnits(principal);
    const c: KindContext = {
      em: this.ctx.em(),
      ids: [...units.keys()],
      now,
      monthStart: startOfShanghaiDay(`${shanghaiDateOf(now).slice(0, 7)}-01`),
      principal,
      approvals: this.approvals,
    };
    const kinds = [];
    for (const k of DEADLINE_KINDS) {
      const open = c.ids.length
        ? (await k.open(c)).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
        : [];
      const byUnit = new Map<string, number>();
      for (const d of open) byUnit.set(d.organisationId, (byUnit.get(d.organisationId) ?? 0) + 1);
      kinds.push({
        kind: k.kind,
        label: k.label,
        openCount: open.length,
        overdueCount: open.filter((d) => d.dueAt < now).length,
        breachesThisMonth: c.ids.length ? await k.breachesThisMonth(c) : 0,
        byUnit: [...byUnit].map(([id, n]) => ({ name: units.get(id)?.name ?? id, count: n })),
        items: open.map((d) => ({
          ...d,
          unitName: units.get(d.organisationId)?.name ?? d.organisationId,
          dueText: deadlineText(d.dueAt.toISOString()),
          timeLeftText: timeLeftText(timeLeftMs(d.dueAt, now)),
          overdue: d.dueAt < now,
        })),
      });
    }
    return { kinds };
  }
}
