/**
 * The audit log pages for auditors (LM-25): `/audit` searches by who, what, when, outcome and request id, 50 rows a
 * page; `/audit.csv` exports what the same filters find. The rules live in AuditLogService.
 */
import { Router } from 'express';
import { shanghaiDateTimeSeconds } from '../../domain/format';
import { ROLE_LABELS, UserRole } from '../../domain/roles';
import type { AppContext } from '../context';
import { FieldProblem, toApiError } from '../errors';
import { Principal, requestMeta } from '../principal';
import { AuditLogService, AuditQuery, OUTCOME_LABELS } from '../services/audit-log';
import { renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

const FIELD_LABELS: Record<string, string> = {
  who: '用户',
  action: '操作',
  target: '对象',
  outcome: '结果',
  requestId: '请求ID',
  from: '开始日期',
  to: '结束日期',
  page: '页码',
};

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function auditPageRoutes(ctx: AppContext, service: AuditLogService): Router {
  const { router, auth } = pageRouter(ctx);

  router.get(
    '/audit',
    auth,
    signedIn(async (req, res, principal) => {
      const values = {
        who: str(req.query.who),
        action: str(req.query.action),
        target: str(req.query.target),
        outcome: str(req.query.outcome),
        requestId: str(req.query.requestId),
        from: str(req.query.from),
        to: str(req.query.to),
      };
      let query: AuditQuery;
      try {
        query = service.parse({ ...values, page: req.query.page ?? '1' });
      } catch (err) {
        const apiError = toApiError(err);
        if (apiError.code !== 'VALIDATION_FAILED') throw err;
        const errors = ((apiError.details as FieldProblem[]) ?? []).map(
          (p) => `${FIELD_LABELS[p.field] ?? p.field}：${p.message}`,
        );
        res.status(400).send(page(principal, values, errors, null));
        return;
      }
      const result = await service.search(principal, query, requestMeta(req));
      res.send(page(principal, values, [], { ...result, query }));
    }),
  );

  router.get(
    '/audit.csv',
    auth,
    signedIn(async (req, res, principal) => {
      const query = service.parse({ ...req.query, page: '1' });
      const csv = await service.exportCsv(principal, query, requestMeta(req));
      res
        .type('text/csv; charset=utf-8')
        .set('Content-Disposition', 'attachment; filename="audit-log.csv"')
        .send(csv);
    }),
  );

  return router;
}

function page(
  principal: Principal,
  values: Record<string, string>,
  errors: string[],
  result: (Awaited<ReturnType<AuditLogService['search']>> & { query: AuditQuery }) | null,
): string {
  const params = new URLSearchParams(Object.entries(values).filter(([, v]) => v));
  const at = (p: number) => {
    const q = new URLSearchParams(params);
    q.set('page', String(p));
    return `/audit?${q.toString()}`;
  };
  return renderPage('audit', {
    title: '审计日志',
    principal,
    nav: 'audit',
    values,
    errors,
    outcomes: Object.entries(OUTCOME_LABELS).map(([value, label]) => ({
      value,
      label,
      selected: values.outcome === value,
    })),
    csvUrl: `/audit.csv${params.size ? `?${params.toString()}` : ''}`,
    result: result && {
      total: result.total,
      page: result.page,
      pages: result.pages,
      prevUrl: result.page > 1 ? at(result.page - 1) : null,
      nextUrl: result.page < result.pages ? at(result.page + 1) : null,
      rows: result.rows.map((r) => ({
        ...r,
        atText: shanghaiDateTimeSeconds(r.at),
        rolesText: r.actorRoles.map((x) => ROLE_LABELS[x as UserRole] ?? x).join('、'),
        outcomeLabel: OUTCOME_LABELS[r.outcome] ?? r.outcome,
        detailsText: detailsText(r.details),
      })),
    },
  });
}

/** The recorded details as compact JSON, without empty (null) entries: nothing prints "null" on the page. */
function detailsText(details: unknown): string {
  if (details === null || details === undefined) return '';
  const text = JSON.stringify(details, (_key, value: unknown) => (value === null ? undefined : value));
  return text === '{}' ? '' : text;
}
