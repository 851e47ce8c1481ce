/**
 * The dispute page (zh-CN, issue 13, LM-23): `/disputes/<id>` shows the challenge, both deadlines, the timeline and
 * the outcome; the issuing unit's dispute staff get the forms 标注异议, 要求补充材料 and 答复处理结果, the challenger
 * 撤回. The forms post to `/disputes/<id>/<decision>` and go through DisputeService like the JSON API.
 */
import { Router } from 'express';
import {
  CHALLENGER_KIND_LABELS,
  DISPUTE_GROUND_LABELS,
  DISPUTE_GROUNDS,
  DISPUTE_STATUS_LABELS,
  OUTCOME_LABELS,
  OUTCOME_KINDS,
} from '../../domain/dispute';
import { deadlineText } from '../../presentation/deadline-text';
import type { AppContext } from '../context';
import { notFound } from '../errors';
import { requestMeta } from '../principal';
import type { DisputeDecision, DisputeService } from '../services/disputes';
import { formAction, renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

const DECISIONS: readonly DisputeDecision[] = ['mark', 'answer', 'request-material', 'withdraw'];

const EVENT_LABELS: Record<string, string> = {
  marked: '颁发单位标注异议',
  platform_marked: '逾期未标注，平台自动标注异议',
  material_requested: '颁发单位要求补充材料',
  answered: '颁发单位答复处理结果',
  withdrawn: '异议人撤回异议',
  breach_marker_late: '未在 1 个工作日内标注（已督办）',
  breach_outcome_late: '未在 5 个工作日内答复（已督办）',
};

/** A form's fields as the service's bodies: empty fields left out. */
function bodyOf(raw: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(raw).filter(([, v]) => typeof v === 'string' && v.trim() !== ''),
  ) as Record<string, string>;
}

export function disputePageRoutes(ctx: AppContext, service: DisputeService): Router {
  const { router, auth, form } = pageRouter(ctx);

  // The dispute form (LM-23), one for the three entry points: the holder's licence page, the public verification
  // page and the using unit's views link to it. Anyone may open it; an anonymous challenger leaves a contact.
  router.get('/disputes/new', auth, async (req, res) => {
    const identifier = typeof req.query.licence === 'string' ? req.query.licence : '';
    const licence = await service.formModel(identifier);
    res.send(
      renderPage('dispute-new', {
        title: `对证照提出异议：${licence.name}`,
        principal: req.principal,
        licence,
        grounds: DISPUTE_GROUNDS.map((g) => ({ value: g, label: DISPUTE_GROUND_LABELS[g] })),
        anonymous: !req.principal,
      }),
    );
  });

  // Throttled per address by `limits.disputes` (api/app.ts), like the JSON endpoint.
  router.post('/disputes/new', auth, form, async (req, res) => {
    const raw = (req.body ?? {}) as Record<string, string | string[] | undefined>;
    const text = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string).trim() : '');
    const items = ([] as string[]).concat(raw.items ?? []);
    const contact = bodyOf({
      name: text('contactName'),
      phone: text('contactPhone'),
      email: text('contactEmail'),
    });
    const receipt = await service.raise(
      req.principal ?? null,
      text('licence'),
      {
        ground: text('ground'),
        items,
        description: text('description'),
        ...(req.principal ? {} : { contact }),
      },
      requestMeta(req),
    );
    if (req.principal) return res.redirect(303, receipt.url);
    res.status(201).send(
      renderPage('dispute-receipt', {
        title: '异议已受理',
        principal: undefined,
        receipt: {
          ...receipt,
          markerDueText: deadlineText(receipt.markerDeadline.dueAt),
          outcomeDueText: deadlineText(receipt.outcomeDeadline.dueAt),
        },
      }),
    );
  });

  // The unit's disputes (its dispute staff and designated people), newest first.
  router.get(
    '/disputes',
    auth,
    signedIn(async (_req, res, principal) => {
      const { items } = await service.listForUnit(principal);
      res.send(
        renderPage('disputes', {
          title: '证照异议',
          principal,
          nav: 'disputes',
          items: items.map((d) => ({
            ...d,
            statusLabel: DISPUTE_STATUS_LABELS[d.status],
            itemsText: d.items.join('、'),
            dueText: deadlineText(d.status === 'received' ? d.markerDeadline.dueAt : d.outcomeDeadline.dueAt),
            open: d.status === 'received' || d.status === 'marked',
          })),
        }),
      );
    }),
  );

  router.get(
    '/disputes/:id',
    auth,
    signedIn(async (req, res, principal) => {
      const d = await service.view(principal, String(req.params.id));
      const may = await service.mayDecide(principal, d.id);
      const open = d.status === 'received' || d.status === 'marked';
      res.send(
        renderPage('dispute', {
          title: `证照异议 ${d.licenceIdentifier}`,
          principal,
          dispute: {
            ...d,
            statusLabel: DISPUTE_STATUS_LABELS[d.status],
            groundLabel: DISPUTE_GROUND_LABELS[d.ground],
            challengerKindLabel: CHALLENGER_KIND_LABELS[d.challengerKind],
            outcomeLabel: d.outcome ? OUTCOME_LABELS[d.outcome] : null,
            itemsText: d.items.join('、'),
            markerDueText: deadlineText(d.markerDeadline.dueAt),
            outcomeDueText: deadlineText(d.outcomeDeadline.dueAt),
            events: d.events.map((e) => ({ ...e, label: EVENT_LABELS[e.kind] ?? e.kind })),
          },
          canMark: may.handler && d.status === 'received',
          canAnswer: may.handler && open,
          canWithdraw: may.challenger && open,
          outcomes: OUTCOME_KINDS.map((k) => ({ value: k, label: OUTCOME_LABELS[k] })),
        }),
      );
    }),
  );

  router.post(
    '/disputes/:id/:decision',
    auth,
    form,
    formAction(async (req, principal, body) => {
      const decision = String(req.params.decision) as DisputeDecision;
      if (!DECISIONS.includes(decision)) throw notFound('页面');
      const id = String(req.params.id);
      await service.decide(
        principal,
        id,
        decision,
        bodyOf(body as Record<string, string | undefined>),
        requestMeta(req),
      );
      return `/disputes/${encodeURIComponent(id)}`;
    }),
  );

  return router;
}
