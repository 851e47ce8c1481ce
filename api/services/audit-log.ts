/**
 * The audit log for auditors (LM-25): search by who, what, when, outcome and request id, a page at a time, and
 * CSV export. Only the `auditor` role reads it; every search and export is itself audited.
 */
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { shanghaiDateTimeSeconds } from '../../domain/format';
import type { AppContext } from '../context';
import { badRequest, forbidden } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { problemsOf } from '../validation';

export const AUDIT_PAGE_SIZE = 50;
/** One export holds at most this many rows: narrow the filters for more. */
export const AUDIT_EXPORT_LIMIT = 100_000;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00+08:00`)), '不是有效日期');
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `不能超过 ${max} 个字符`)
    .optional()
    .transform((v) => (v ? v : undefined));

export const AuditQuery = z
  .object({
    who: optionalText(100),
    action: optionalText(100),
    target: optionalText(200),
    outcome: z
      .enum(['success', 'denied', 'rejected', 'failed', ''], {
        message: '结果只能是 success、denied、rejected、failed',
      })
      .optional()
      .transform((v) => (v ? v : undefined)),
    requestId: optionalText(200),
    from: day.optional().or(z.literal('').transform(() => undefined)),
    to: day.optional().or(z.literal('').transform(() => undefined)),
    page: z.coerce.number().int('页码应为整数').min(1, '页码从 1 开始').max(100_000).default(1),
  })
  .strip()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: '结束日期不能早于开始日期' });
export type AuditQuery = z.infer<typeof AuditQuery>;

export const OUTCOME_LABELS: Record<string, string> = {
  success: '成功',
  denied: '拒绝访问',
  rejected: '被驳回',
  failed: '失败',
};

export interface AuditRow {
  id: string;
  at: Date;
  actorUsername: string;
  actorRoles: string[];
  actorOrganisationId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  outcome: string;
  details: Record<string, unknown>;
  requestId: string | null;
  ip: string | null;
}

interface DbRow {
  id: string;
  at: Date;
  actor_username: string;
  actor_roles: string[];
  actor_organisation_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  outcome: string;
  details: Record<string, unknown>;
  request_id: string | null;
  ip: string | null;
}

const likeOf = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class AuditLogService {
  constructor(private readonly ctx: AppContext) {}

  parse(query: unknown): AuditQuery {
    const parsed = AuditQuery.safeParse(query);
    if (!parsed.success) throw badRequest(problemsOf(parsed.error));
    return parsed.data;
  }

  private authorise(principal: Principal): void {
    if (!principal.roles.includes('auditor')) throw forbidden('只有审计人员可以查看审计日志');
  }

  private where(q: AuditQuery): { sql: string; params: unknown[] } {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (q.who) {
      conditions.push(`(actor_username ilike ? or actor_user_id = ?)`);
      params.push(likeOf(q.who), q.who);
    }
    if (q.action) {
      conditions.push(`action ilike ?`);
      params.push(likeOf(q.action));
    }
    if (q.target) {
      conditions.push(`(target_id = ? or target_type = ?)`);
      params.push(q.target, q.target);
    }
    if (q.outcome) {
      conditions.push(`outcome = ?`);
      params.push(q.outcome);
    }
    if (q.requestId) {
      conditions.push(`request_id = ?`);
      params.push(q.requestId);
    }
    // Days are Asia/Shanghai days, inclusive.
    if (q.from) {
      conditions.push(`at >= ?::timestamptz`);
      params.push(`${q.from}T00:00:00+08:00`);
    }
    if (q.to) {
      conditions.push(`at < (?::timestamptz + interval '1 day')`);
      params.push(`${q.to}T00:00:00+08:00`);
    }
    return { sql: conditions.length ? `where ${conditions.join(' and ')}` : '', params };
  }

  private async rows(q: AuditQuery, limit: number, offset: number): Promise<AuditRow[]> {
    const { sql, params } = this.where(q);
    const rows = await this.ctx.em().execute<DbRow[]>(
      `select id::text as id, at, actor_username, actor_roles, actor_organisation_id, action, target_type,
                target_id, outcome, details, request_id, ip
           from audit_event ${sql} order by at desc, id desc limit ${limit} offset ${offset}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      at: new Date(r.at),
      actorUsername: r.actor_username,
      actorRoles: r.actor_roles,
      actorOrganisationId: r.actor_organisation_id,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      outcome: r.outcome,
      details: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
      requestId: r.request_id,
      ip: r.ip,
    }));
  }

  async search(
    principal: Principal,
    q: AuditQuery,
    meta: RequestMeta,
  ): Promise<{ rows: AuditRow[]; total: number; page: number; pages: number }> {
    await this.guard(principal, 'audit_log.search', meta);
    const { sql, params } = this.where(q);
    const [{ n }] = await this.ctx
      .em()
      .execute<Array<{ n: string }>>(`select count(*)::text as n from audit_event ${sql}`, params);
    const total = Number(n);
    const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE));
    const rows = await this.rows(q, AUDIT_PAGE_SIZE, (q.page - 1) * AUDIT_PAGE_SIZE);
    await this.audit(principal, 'audit_log.search', meta, { query: q, total });
    return { rows, total, page: q.page, pages };
  }

  /** The matching rows as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese). */
  async exportCsv(principal: Principal, q: AuditQuery, meta: RequestMeta): Promise<string> {
    await this.guard(principal, 'audit_log.export', meta);
    const rows = await this.rows(q, AUDIT_EXPORT_LIMIT, 0);
    const header = [
      '编号',
      '时间',
      '用户',
      '角色',
      '单位',
      '操作',
      '对象类型',
      '对象',
      '结果',
      '请求ID',
      'IP',
      '详情',
    ];
    const lines = [
      header,
      ...rows.map((r) => [
        r.id,
        shanghaiDateTimeSeconds(r.at),
        r.actorUsername,
        r.actorRoles.join(' '),
        r.actorOrganisationId ?? '',
        r.action,
        r.targetType,
        r.targetId ?? '',
        r.outcome,
        r.requestId ?? '',
        r.ip ?? '',
        JSON.stringify(r.details),
      ]),
    ].map((fields) => fields.map(csvField).join(','));
    await this.audit(principal, 'audit_log.export', meta, { query: q, rows: rows.length });
    return `\uFEFF${lines.join('\r\n')}\r\n`;
  }

  private async guard(principal: Principal, action: string, meta: RequestMeta): Promise<void> {
    try {
      this.authorise(principal);
    } catch (err) {
      await this.audit(principal, action, meta, {}, 'denied');
      (err as { audited?: boolean }).audited = true;
      throw err;
    }
  }

  private audit(
    principal: Principal,
    action: string,
    meta: RequestMeta,
    details: Record<string, unknown>,
    outcome: 'success' | 'denied' = 'success',
  ): Promise<void> {
    return recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action,
      targetType: 'audit_log',
      targetId: null,
      outcome,
      details,
      requestId: meta.requestId,
      ip: meta.ip,
    });
  }
}

/** RFC 4180 quoting; a field a spreadsheet would run as a formula starts with an apostrophe. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
}
