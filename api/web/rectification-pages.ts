/**
 * Supervision and rectification pages (zh-CN, issue 14, LM-28, LM-30): `/supervision/findings` lists the findings
 * of the management unit's jurisdiction with a button that runs supervision now and a form that orders a unit to
 * rectify some of them; `/rectification-orders` lists the orders a user may see (a unit its own, a management unit
 * those of its jurisdiction); `/rectification-orders/<id>` (the page the order's e-mails and the SLA dashboard link
 * to) shows the order with the unit's report form and the management unit's accept / return form. Every form goes
 * through the services of the JSON API; nothing is decided here.
 */
import { Router } from 'express';
import { deadlineText, timeLeftText } from '../../presentation/deadline-text';
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { FieldProblem, toApiError } from '../errors';
import { Principal, requestMeta } from '../principal';
import type { RectificationOrderService } from '../services/rectification-orders';
import type { SupervisionFindingService } from '../services/supervision-findings';
import { FormBody, formAction, renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

type Order = Awaited<ReturnType<RectificationOrderService['view']>>;
type Body = FormBody;

const EVENT_LABELS: Record<string, string> = {
  submit: '提交整改报告',
  return: '退回整改报告',
  accept: '验收通过',
  extend: '延长整改期限',
  overdue: '逾期未整改',
};

const orderPage = (id: string) => `/rectification-orders/${encodeURIComponent(id)}`;
const text = (raw: Body, key: string) => (typeof raw[key] === 'string' ? (raw[key] as string).trim() : '');

/** The order form as RectificationOrderService's body: a date, or a number of working days. */
function orderBody(raw: Body) {
  const date = text(raw, 'deadlineDate');
  const days = text(raw, 'workingDays');
  return {
    organisationId: text(raw, 'organisationId'),
    findingIds: ([] as string[]).concat(raw.findingIds ?? []),
    requirements: text(raw, 'requirements'),
    deadline: date ? { date } : { workingDays: /^\d+$/.test(days) ? Number(days) : days },
  };
}

/** The extension form as the service's body: a reason and a new deadline (a date, or N working days from now). */
function extendBody(raw: Body) {
  const { deadline } = orderBody(raw);
  return { reason: text(raw, 'reason'), deadline };
}

const DEADLINE_HINT = '请填写 1 至 120 的工作日数，或选择新的截止日期';

interface ExtendForm {
  values: Record<string, string>;
  errors: Record<string, string>;
}

function decisionBody(decision: string, raw: Body) {
  if (decision === 'submit') return { report: text(raw, 'report') };
  const comment = text(raw, 'comment');
  return comment ? { comment } : {};
}

/** An order as the pages show it: the deadline in the one format, the timeline in words. */
function orderView(o: Order) {
  const open = ['open', 'submitted', 'returned'].includes(o.status);
  return {
    ...o,
    dueText: deadlineText(o.deadline.dueAt),
    timeLeftText: open ? timeLeftText(Date.parse(o.deadline.dueAt) - Date.now()) : '',
    open,
    events: o.events.map((e) => {
      const d = (e.detail ?? {}) as Record<string, unknown>;
      const note = d.report ?? d.comment ?? d.reason ?? '';
      return { at: e.at, label: EVENT_LABELS[e.kind] ?? '办理', note: typeof note === 'string' ? note : '' };
    }),
  };
}

export function rectificationPageRoutes(
  ctx: AppContext,
  findings: SupervisionFindingService,
  orders: RectificationOrderService,
): Router {
  const { router, auth, form } = pageRouter(ctx, { limit: '64kb' });

  router.get(
    '/supervision/findings',
    auth,
    signedIn(async (_req, res, principal) => {
      const [{ items }, units] = await Promise.all([
        findings.list(principal, {}),
        findings.jurisdictionUnits(principal),
      ]);
      res.send(
        renderPage('supervision-findings', {
          title: '监督检查',
          principal,
          nav: 'findings',
          items: items.map((f) => ({ ...f, isNew: f.state === 'new' })),
          newCount: items.filter((f) => f.state === 'new').length,
          units: [...units.values()].map((u) => ({ id: u.id, name: u.name })),
        }),
      );
    }),
  );

  router.post(
    '/supervision/findings/run',
    form,
    auth,
    formAction(async (req, principal) => {
      await findings.run(principal, requestMeta(req));
      return '/supervision/findings';
    }),
  );

  router.post(
    '/rectification-orders',
    form,
    auth,
    formAction(async (req, principal, body) => {
      const order = await orders.order(principal, orderBody(body), requestMeta(req));
      return orderPage(order.id);
    }),
  );

  router.get(
    '/rectification-orders',
    auth,
    signedIn(async (_req, res, principal) => {
      const { items } = await orders.list(principal);
      res.send(
        renderPage('rectification-orders', {
          title: '整改通知',
          principal,
          nav: 'rectification',
          items: items.map((o) => ({
            ...o,
            dueText: deadlineText(o.deadline.dueAt),
            timeLeftText: o.closedAt ? '' : timeLeftText(o.timeLeftMs),
            overdue: !o.closedAt && (o.timeLeftMs ?? 0) < 0,
          })),
        }),
      );
    }),
  );

  /** The order page; `extendErrors` beside the extension form's fields when it was refused. */
  async function renderOrder(
    principal: Principal,
    id: string,
    extend: ExtendForm = { values: {}, errors: {} },
  ) {
    const order = orderView(await orders.view(principal, id));
    const own = order.organisationId === principal.organisationId;
    const overseer = !own && isManagementOverseer(principal);
    return renderPage('rectification-order', {
      title: `整改通知：${order.unitName}`,
      principal,
      nav: 'rectification',
      order,
      canSubmit: own && (order.status === 'open' || order.status === 'returned'),
      canReview: overseer && order.status === 'submitted',
      canExtend: overseer && order.open && !order.extensionReason,
      extend,
    });
  }

  router.get(
    '/rectification-orders/:id',
    auth,
    signedIn(async (req, res, principal) => {
      res.send(await renderOrder(principal, String(req.params.id)));
    }),
  );

  // The supervisor's extension (once, with a reason); a refused form comes back with each problem by its field.
  router.post(
    '/rectification-orders/:id/extend',
    form,
    auth,
    formAction(
      async (req, principal, body) => {
        const id = String(req.params.id);
        await orders.decide(principal, id, 'extend', extendBody(body));
        return orderPage(id);
      },
      async (err, req, res, principal) => {
        const apiError = toApiError(err);
        if (apiError.code !== 'VALIDATION_FAILED') return false;
        const raw = (req.body ?? {}) as Body;
        const errors: Record<string, string> = {};
        for (const p of (apiError.details as FieldProblem[]) ?? []) {
          if (p.field === 'reason') errors.reason ??= p.message;
          else errors.deadline ??= p.rule === 'not_later' ? p.message : DEADLINE_HINT;
        }
        const values = {
          reason: text(raw, 'reason'),
          workingDays: text(raw, 'workingDays'),
          deadlineDate: text(raw, 'deadlineDate'),
        };
        res.status(400).send(await renderOrder(principal, String(req.params.id), { values, errors }));
        return true;
      },
    ),
  );

  for (const decision of ['submit', 'accept', 'return'] as const) {
    router.post(
      `/rectification-orders/:id/${decision}`,
      form,
      auth,
      formAction(async (req, principal, body) => {
        const id = String(req.params.id);
        await orders.decide(principal, id, decision, decisionBody(decision, body));
        return orderPage(id);
      }),
    );
  }

  return router;
}
